"""Accounts: staff and admin users, their passwords and sessions (service.py), what admins change about
them (admin.py), agency API tokens (api_tokens.py), the demo accounts and their commands."""
