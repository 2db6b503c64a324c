"""The admin console's answers: the FAQ editor with its history and approvals, the test box, and the
unanswered inbox. Admins only: anyone else gets 404, as if the pages did not exist.

Edits go through bot/faq/ (versions, approvals, the audit log, the knowledge-base revision every
worker watches); the inbox through bot/faq/unanswered.py. Each page module has its router:
entries.py (list, new, edit, history, restore), approvals.py, test_box.py and inbox.py, with what
they share in common.py and checks.py; bot/web/app.py includes them.
"""
