"""The audit log: every admin change with who, when, and the record before and after (changes.py records
one; service.py and views.py read them back with filters)."""
