"""The admin console's answers: the FAQ editor with its history and approvals, the test box, and the
unanswered inbox. Admins only: anyone else gets 404, as if the pages did not exist.

Edits go through bot/faq_admin/ (versions, approvals, the audit log, the knowledge-base revision
every worker watches); the inbox through bot/faq/unanswered.py. The pages live in their own modules:
faq_entries.py (list, new, edit, history, restore), faq_approvals.py, test_box.py and
unanswered_inbox.py, with what they share in faq_common.py; this one puts their routes together.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bot.faq.views.approvals import add_approval_routes
from bot.faq.views.entries import add_entry_routes, add_list_routes
from bot.faq.views.inbox import add_inbox_routes
from bot.faq.views.test_box import add_test_box_routes
from bot.web.security import csrf_protect


def faq_admin_router() -> APIRouter:
    router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])
    # The order matters: every fixed path under /faq comes before /faq/{slug}, which would take
    # "new" or "approvals" for a slug.
    add_list_routes(router)
    add_approval_routes(router)
    add_entry_routes(router)
    add_test_box_routes(router)
    add_inbox_routes(router)
    return router
