"""Web accounts from the admin console: creating, editing and disabling users, and new passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.accounts.service import (
    ADMIN,
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    ROLES,
    STAFF,
    USERNAME,
    AccountError,
    create_user,
    normalise_username,
    set_password,
    user_summary,
)
from bot.audit.changes import DISPLAY_NAME_CHARS, NotFound, clean_text, fail
from bot.storage.models import UserRow
from bot.storage.unit_of_work import UnitOfWork

GENERATED_PASSWORD_BYTES = 12


@dataclass(frozen=True)
class UserInput:
    username: str = ""
    display_name: str = ""
    role: str = STAFF
    agency_code: str = ""
    is_lead: bool = False
    password: str = ""


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


async def _user_fields(uow: UnitOfWork, data: UserInput) -> dict[str, Any]:
    if data.role not in ROLES:
        fail("ar_err_role")
    agency = data.agency_code.strip() or None
    if data.role == STAFF and agency is None:
        fail("ar_err_staff_needs_agency")
    if agency is not None and await uow.agencies.get_row(agency) is None:
        fail("ar_err_unknown_agency", code=agency)
    return {
        "display_name": clean_text(data.display_name, DISPLAY_NAME_CHARS, ""),
        "role": data.role,
        "agency_code": agency,
        "is_lead": data.is_lead and agency is not None,
    }


async def create_admin_user(uow: UnitOfWork, data: UserInput, actor: str, now: datetime) -> tuple[UserRow, str]:
    """A new user and their first password: the admin's, or a generated one to show once."""
    username = normalise_username(data.username)
    if not USERNAME.match(username):
        fail("ar_err_username")
    fields = await _user_fields(uow, data)
    if await uow.users.by_username(username) is not None:
        fail("ar_err_username_taken", username=username)
    password = data.password or generate_password()
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        fail("ar_err_password_length", min=MIN_PASSWORD_CHARS, max=MAX_PASSWORD_CHARS)
    try:
        row = await create_user(
            uow,
            username,
            password,
            fields["role"],
            now,
            actor=actor,
            agency_code=fields["agency_code"],
            display_name=fields["display_name"],
            is_lead=fields["is_lead"],
        )
    except AccountError as error:
        fail("ar_err_account", detail=error)
    return row, password


async def get_user(uow: UnitOfWork, user_id: int) -> UserRow:
    row = await uow.users.get(user_id)
    if row is None:
        raise NotFound(str(user_id))
    return row


async def update_user(
    uow: UnitOfWork, user_id: int, data: UserInput, actor_id: int, actor: str, now: datetime
) -> UserRow:
    row = await get_user(uow, user_id)
    fields = await _user_fields(uow, data)
    if row.id == actor_id and fields["role"] != ADMIN:
        fail("ar_err_own_role")
    before = user_summary(row)
    for key, value in fields.items():
        setattr(row, key, value)
    after = user_summary(row)
    if after != before:
        row.updated_at = now
        await uow.audit.add(actor, "user.update", row.username, now, before, after)
    return row


async def set_user_active(
    uow: UnitOfWork, user_id: int, active: bool, actor_id: int, actor: str, now: datetime
) -> UserRow:
    row = await get_user(uow, user_id)
    if row.id == actor_id and not active:
        fail("ar_err_disable_self")
    if row.active == active:
        return row
    before = user_summary(row)
    row.active = active
    if not active:
        # Disabling ends every open session at once (the cookie names the session version).
        row.session_version += 1
        await uow.web_sessions.end_all_of(row.id)
    row.updated_at = now
    action = "user.enable" if active else "user.disable"
    await uow.audit.add(actor, action, row.username, now, before, user_summary(row))
    return row


async def reset_password(uow: UnitOfWork, user_id: int, actor: str, now: datetime) -> tuple[UserRow, str]:
    """A generated password to show once; the user's sessions end (set_password bumps the version)."""
    row = await get_user(uow, user_id)
    password = generate_password()
    await set_password(uow, row, password, now, actor=actor)
    return row, password
