"""Requests: what people send to an agency, and everything staff do to them."""
