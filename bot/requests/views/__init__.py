"""The staff workspace at /staff: the queue (queue.py), a request's page and actions (request.py),
the export (export.py); each module has its router, included by bot/web/app.py.

Every page needs a signed-in staff member or admin; a staff member sees only their agency's
requests (another agency's request is a 404, never a 403), and every form carries the CSRF token.
"""
