"""The conversation's flows, one module each; handlers.core walks them in the order of its table."""
