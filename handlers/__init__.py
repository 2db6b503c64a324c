"""The conversation core: channel-agnostic, no I/O of its own."""
