"""Listing alerts: a published listing's notice, written to the outbox once for each person whose
subscription it matches (broadcast.py), in their language (notice.py)."""
