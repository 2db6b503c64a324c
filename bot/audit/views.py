"""The admin page of the audit log: newest first, filtered by who and by action."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.audit.service import audit_page, pretty_json
from bot.web.deps import ADMIN_ONLY, Admin, Uow
from bot.web.templating import render

router = APIRouter(dependencies=ADMIN_ONLY)


@router.get("/admin/audit")
async def audit(request: Request, user: Admin, uow: Uow) -> Response:
    params = request.query_params
    actor, action = params.get("actor", "")[:120], params.get("action", "")[:64]
    page_text = params.get("page", "1")
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
    found = await audit_page(uow, actor, action, page)
    context = {"audit": found, "actor": actor, "action": action, "pretty": pretty_json}
    return await render(request, "admin/ref_audit.html", context)
