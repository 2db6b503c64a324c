"""Agencies: the bodies that act on requests (name, kind, contact, hours, response targets), their
groups and users; admins create and edit them (service.py), on pages of their own (views.py)."""
