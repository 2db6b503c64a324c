"""Localities: communes (and their province and former names) that people name in a request; admins add,
rename and give them aliases."""
