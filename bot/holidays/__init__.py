"""Public holidays: days the response targets do not count, kept by admins."""
