"""A signed-in user's own account: their sessions (ending any of them), their password (a new one
ends the other sessions) and their second factor (enrolling with a QR code or the secret as text,
recovery codes shown once, switching it off)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from bot.accounts import sessions, throttle, two_factor
from bot.accounts.service import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, change_own_password
from bot.storage.models import UserRow
from bot.web.deps import CSRF, AppSettings, Clock, SignedIn, Uow
from bot.web.forms import see_other
from bot.web.security import WebUser, security
from bot.web.templating import render

CODE_FIELD = 64
PASSWORD_FIELD = MAX_PASSWORD_CHARS

router = APIRouter(dependencies=CSRF)


async def _row(uow: Uow, user: WebUser) -> UserRow:
    row = await uow.users.get(user.id)
    if row is None:
        raise HTTPException(status_code=404)
    return row


def _must_keep(user: WebUser, settings: AppSettings) -> bool:
    """An admin where a second factor is required may not switch it off."""
    return user.is_admin and settings.require_2fa


@router.get("/account")
async def account(request: Request, uow: Uow, user: SignedIn, settings: AppSettings, clock: Clock) -> Response:
    return await _account_page(request, uow, user, settings, clock)


async def _account_page(
    request: Request, uow: Uow, user: WebUser, settings: AppSettings, clock: Clock, error: str = "", status: int = 200
) -> Response:
    row = await _row(uow, user)
    live = await sessions.live_sessions(uow, row, clock(), security(request).policy)
    live.sort(key=lambda s: s.id != user.session_id)  # this one first, then the most recently seen
    context = {
        "sessions": [(s, sessions.short_agent(s.user_agent)) for s in live],
        "current_session": user.session_id,
        "has_2fa": row.totp_secret is not None,
        "unused_codes": await uow.recovery_codes.unused(row.id),
        "must_enrol": _must_keep(user, settings) and row.totp_secret is None,
        "must_keep": _must_keep(user, settings),
        "password_error": error,
        "password_changed": request.query_params.get("done") == "password",
        "min_password": MIN_PASSWORD_CHARS,
    }
    return await render(request, "account/account.html", context, status)


@router.post("/account/password")
async def change_password(
    request: Request,
    uow: Uow,
    user: SignedIn,
    settings: AppSettings,
    clock: Clock,
    current: Annotated[str, Form(max_length=PASSWORD_FIELD)] = "",
    new: Annotated[str, Form(max_length=PASSWORD_FIELD)] = "",
    repeated: Annotated[str, Form(max_length=PASSWORD_FIELD)] = "",
) -> Response:
    """The user's own new password; their other sessions end. Wrong current passwords are throttled
    as logins are, so a borrowed session cannot be used to guess the password."""
    web, now = security(request), clock()
    address = web.client_address(request)
    ceilings = throttle.Ceilings.of(settings)
    if await throttle.wait_seconds(uow, user.username, address, now, ceilings):
        return await _account_page(request, uow, user, settings, clock, "account_password_wait", 429)
    row = await _row(uow, user)
    refused = await change_own_password(uow, row, current, new, repeated, now, keep_session=user.session_id)
    if refused is None:
        await uow.commit()
        return see_other("/account?done=password")
    if refused == "account_password_wrong":
        await throttle.record_failure(uow, user.username, address, now)
        await uow.commit()
    return await _account_page(request, uow, user, settings, clock, refused, 400)


@router.post("/account/sessions/{session_id}/end")
async def end_session(request: Request, uow: Uow, user: SignedIn, session_id: int) -> Response:
    """Ends one of the user's own sessions (another user's id ends nothing: 404)."""
    if not await uow.web_sessions.end(session_id, user_id=user.id):
        raise HTTPException(status_code=404)
    await uow.commit()
    if session_id != user.session_id:
        return see_other("/account")
    response = RedirectResponse("/login", status_code=303)
    security(request).logout_cookie(response)
    return response


@router.post("/account/sessions/end-others")
async def end_other_sessions(uow: Uow, user: SignedIn) -> Response:
    await uow.web_sessions.end_all_of(user.id, keep=user.session_id)
    await uow.commit()
    return see_other("/account")


async def _enrol_page(request: Request, row: UserRow, error: str = "", status: int = 200) -> Response:
    secret = row.totp_pending or ""
    uri = two_factor.provisioning_uri(secret, row.username)
    context = {"secret": secret, "uri": uri, "qr": Markup(two_factor.qr_svg(uri)), "error": error}  # noqa: S704 (segno's own SVG)
    return await render(request, "account/enrol.html", context, status)


@router.post("/account/2fa/start")
async def start_enrolment(request: Request, uow: Uow, user: SignedIn) -> Response:
    row = await _row(uow, user)
    if row.totp_secret is not None:
        return see_other("/account")
    two_factor.start(row)
    await uow.commit()
    return await _enrol_page(request, row)


@router.post("/account/2fa/confirm")
async def confirm_enrolment(
    request: Request, uow: Uow, user: SignedIn, clock: Clock, code: Annotated[str, Form(max_length=CODE_FIELD)] = ""
) -> Response:
    row = await _row(uow, user)
    if row.totp_pending is None:
        return see_other("/account")
    codes = await two_factor.confirm(uow, row, code, clock(), actor=user.username, keep_session=user.session_id)
    if codes is None:
        return await _enrol_page(request, row, "account_2fa_wrong_code", 400)
    await uow.commit()
    return await render(request, "account/recovery_codes.html", {"codes": codes})


@router.post("/account/2fa/off")
async def switch_off(
    request: Request,
    uow: Uow,
    user: SignedIn,
    settings: AppSettings,
    clock: Clock,
    code: Annotated[str, Form(max_length=CODE_FIELD)] = "",
) -> Response:
    """Needs a current code too: a borrowed session alone cannot take the second factor away."""
    row = await _row(uow, user)
    if _must_keep(user, settings) or row.totp_secret is None:
        return see_other("/account")
    if not await two_factor.verify(uow, row, code, clock()):
        return await render(request, "error.html", {"status": 400, "message_key": "account_2fa_wrong_code"}, 400)
    await two_factor.switch_off(uow, row, clock(), actor=user.username)
    await uow.commit()
    return see_other("/account")
