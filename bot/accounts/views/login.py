"""Login (a password, then the authenticator's code for a user who has a second factor), logout and
the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.accounts import sessions, throttle, two_factor
from bot.accounts.service import authenticate
from bot.storage.models import UserRow
from bot.web.deps import CSRF, AppSettings, Clock, Uow, WebText
from bot.web.i18n import remember_locale, web_texts
from bot.web.security import WebSecurity, home_of, local_path, safe_next, security
from bot.web.templating import render

MAX_FIELD = 256
CODE_FIELD = 64


router = APIRouter(dependencies=CSRF)


@router.get("/login")
async def login_form(request: Request, next: str = "") -> Response:
    user = await security(request).current_user(request)
    if user is not None:
        return RedirectResponse(safe_next(next, home_of(user.role)), status_code=303)
    return await render(request, "login.html", {"next": local_path(next), "error": "", "username": ""})


async def _refused(request: Request, template: str, context: dict[str, str], wait: int, t: WebText) -> Response:
    error, status = (t("login_wait", seconds=wait), 429) if wait else (t(context.pop("wrong")), 401)
    response = await render(request, template, {**context, "error": error}, status_code=status)
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


async def _signed_in(request: Request, uow: Uow, user: UserRow, target: str, web: WebSecurity, now: Clock) -> Response:
    token = await sessions.begin(
        uow,
        user,
        now(),
        web.policy,
        address=web.client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    await uow.commit()
    redirect = RedirectResponse(target, status_code=303)
    await web.login_cookie(redirect, token)
    return redirect


@router.post("/login")
async def login(
    request: Request,
    uow: Uow,
    settings: AppSettings,
    clock: Clock,
    t: WebText,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    web = security(request)
    address = web.client_address(request)
    result = await authenticate(uow, username, password, clock(), address, throttle.Ceilings.of(settings))
    if result.user is None:
        await uow.commit()
        context = {"next": local_path(next), "username": username[:120], "wrong": "login_wrong"}
        return await _refused(request, "login.html", context, result.wait_seconds, t)
    target = safe_next(next, home_of(result.user.role))
    if result.user.totp_secret is None:
        return await _signed_in(request, uow, result.user, target, web, clock)
    await uow.commit()
    redirect = RedirectResponse("/login/code", status_code=303)
    await web.second_factor_cookie(redirect, result.user.id, result.user.session_version, target)
    return redirect


@router.get("/login/code")
async def code_form(request: Request) -> Response:
    if await security(request).half_signed_in(request) is None:
        return RedirectResponse("/login", status_code=303)
    return await render(request, "login_code.html", {"error": ""})


@router.post("/login/code")
async def code(
    request: Request,
    uow: Uow,
    settings: AppSettings,
    clock: Clock,
    t: WebText,
    code: Annotated[str, Form(max_length=CODE_FIELD)] = "",
) -> Response:
    web = security(request)
    half = await web.half_signed_in(request)
    user = await uow.users.get(half[0]) if half else None
    if half is None or user is None or not user.active or user.session_version != half[1]:
        return RedirectResponse("/login", status_code=303)
    address, now = web.client_address(request), clock()
    wait = await throttle.wait_seconds(uow, user.username, address, now, throttle.Ceilings.of(settings))
    if not wait and await two_factor.verify(uow, user, code, now):
        await throttle.record_success(uow, user.username, address)
        return await _signed_in(request, uow, user, half[2], web, clock)
    if not wait:
        await throttle.record_failure(uow, user.username, address, now)
        wait = await throttle.wait_seconds(uow, user.username, address, now, throttle.Ceilings.of(settings))
    await uow.commit()
    return await _refused(request, "login_code.html", {"wrong": "login_code_wrong"}, wait, t)


@router.post("/logout")
async def logout(request: Request, uow: Uow) -> Response:
    """The session ends on the server (any copy of the cookie opens nothing), then in the browser."""
    web = security(request)
    token = await web.session_token(request)
    if token:
        await sessions.end(uow, token)
        await uow.commit()
    response = RedirectResponse("/login", status_code=303)
    web.logout_cookie(response)
    return response


@router.get("/lang/{locale}")
async def switch_language(request: Request, locale: str, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if web_texts().supports(locale):
        remember_locale(response, locale)
    return response
