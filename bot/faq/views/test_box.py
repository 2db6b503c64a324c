"""The test box at /admin/test: a question put to the live matcher, with how it decided."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot import faq
from bot.faq.views.common import MAX_QUESTION
from bot.web.deps import CSRF, Admin, HoaNhap, Uow
from bot.web.templating import render

router = APIRouter(prefix="/admin", dependencies=CSRF)


@router.get("/test")
async def test_box(request: Request, user: Admin, uow: Uow, app: HoaNhap, q: str = "") -> Response:
    q = q[:MAX_QUESTION]
    result = None
    if q.strip():
        matcher = await app.kb.current(uow)
        result = faq.explain(matcher, q)
    context = {"q": q, "result": result, "match_settings": app.kb.settings}
    return await render(request, "admin/test.html", context)
