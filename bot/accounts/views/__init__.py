"""The web pages of accounts: signing in and out, users, and agency API tokens."""
