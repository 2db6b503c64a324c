"""The approvals pages: changes waiting for a second admin, each shown against the live entry, to
approve or reject. An author cannot approve their own change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot import faq
from bot.faq import EntryNotFound
from bot.faq.views.common import approval_required, done_key
from bot.web.deps import CSRF, Admin, HoaNhap, RowId, Uow
from bot.web.forms import see_other, submit
from bot.web.templating import render

router = APIRouter(prefix="/admin", dependencies=CSRF)


async def _approval_refused(error: faq.ApprovalError) -> Response:
    # Back to the list, which says why (the author approving their own change, or a decided one).
    return see_other(f"/admin/faq/approvals?error={error.code}")


@router.get("/faq/approvals")
async def approvals(request: Request, user: Admin, uow: Uow, app: HoaNhap, done: str = "", error: str = "") -> Response:
    items: list[dict[str, Any]] = []
    for approval, row in await faq.pending_approvals(uow):
        stored = await faq.version_row(uow, row.id, approval.version)
        proposed = stored.data if stored is not None else {}
        live = faq.data_of(faq.entry_of_row(row))
        items.append(
            {
                "approval": approval,
                "row": row,
                "changes": faq.diff(live, proposed),
                "own": approval.requested_by == user.username,
            }
        )
    context = {
        "items": items,
        "done": done_key(done),
        "error": error if error in ("own_change", "not_pending") else "",
        "approval_required": approval_required(app),
    }
    return await render(request, "admin/faq_approvals.html", context)


@router.post("/faq/approvals/{approval_id}/approve")
async def approve(approval_id: RowId, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    return await submit(
        uow,
        lambda uow: faq.approve(uow, approval_id, user.username, app.clock()),
        redirect_to="/admin/faq/approvals?done=approved",
        refused=faq.ApprovalError,
        show_again=_approval_refused,
        missing=EntryNotFound,
    )


@router.post("/faq/approvals/{approval_id}/reject")
async def reject(approval_id: RowId, user: Admin, uow: Uow, app: HoaNhap) -> Response:
    return await submit(
        uow,
        lambda uow: faq.reject(uow, approval_id, user.username, app.clock()),
        redirect_to=lambda decision: f"/admin/faq/approvals?done={decision}",
        refused=faq.ApprovalError,
        show_again=_approval_refused,
        missing=EntryNotFound,
    )
