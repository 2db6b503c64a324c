"""Routing rules: which agency gets a request of a category from a locality, kept by admins (service.py),
tried from the "who gets this?" tester (tester.py), edited on the rules page (views.py)."""
