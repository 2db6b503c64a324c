"""Zalo: small httpx clients, one per surface (Bot Platform, Official Account API v3)."""
