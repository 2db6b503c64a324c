"""Everything that touches the outside world: channels, storage, web, the command line."""
