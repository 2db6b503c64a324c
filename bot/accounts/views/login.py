"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.accounts.service import authenticate
from bot.web.deps import CSRF
from bot.web.i18n import LANG_COOKIE, request_locale, web_texts
from bot.web.security import hoanhap, safe_next, security
from bot.web.templating import render

MAX_FIELD = 256


router = APIRouter(dependencies=CSRF)


@router.get("/login")
async def login_form(request: Request, next: str = "") -> Response:
    if await security(request).current_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return await render(request, "login.html", {"next": safe_next(next), "error": "", "username": ""})


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    app = hoanhap(request)
    async with app.uow() as uow:
        result = await authenticate(uow, username, password, app.clock())
        await uow.commit()
    locale = request_locale(request)
    if result.user is None:
        if result.wait_seconds:
            error = web_texts().get(locale, "login_wait", seconds=result.wait_seconds)
            status = 429
        else:
            error, status = web_texts().get(locale, "login_wrong"), 401
        context = {"next": safe_next(next), "error": error, "username": username[:120]}
        response = await render(request, "login.html", context, status_code=status)
        if result.wait_seconds:
            response.headers["Retry-After"] = str(result.wait_seconds)
        return response
    redirect = RedirectResponse(safe_next(next), status_code=303)
    await security(request).login_cookie(redirect, result.user.id, result.user.session_version)
    return redirect


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    security(request).logout_cookie(response)
    return response


@router.get("/lang/{locale}")
async def switch_language(request: Request, locale: str, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if web_texts().supports(locale):
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, path="/", samesite="lax")
    return response
