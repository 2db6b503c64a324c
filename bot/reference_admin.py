"""What admins change from the browser: agencies, localities, routing rules, holidays, users, API
tokens, and the FAQ and reference data as files.

Every change is validated here, whatever the surface, and recorded in the audit log with who, when,
and the record before and after. A problem is an `AdminInputError` carrying text keys (the page says
it in the admin's language), never a half-applied change: callers commit only after a success.
Routing reads the rules on every message, so a saved rule applies to the next request at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

import yaml
from sqlalchemy import delete, func, select

from bot import reference_data
from bot.accounts import (
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
from bot.agency_desk import create_link_code
from bot.api_tokens import ApiTokenError, UnknownAgencyError, UnknownTokenError, create_token, revoke_token
from bot.storage.models import (
    AgencyChannelRow,
    AgencyRow,
    AuditLogRow,
    HolidayRow,
    LocalityRow,
    Meta,
    RoutingRuleRow,
    UserRow,
)
from bot.storage.repositories import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import Locality, RoutingDecision
from handlers.places import find_localities
from handlers.routing import route
from handlers.working_hours import MAX_HOURS, Schedule
from knowledge_base.faq import REQUEST_CATEGORIES, FaqEntry, KnowledgeBaseError, parse_entries
from knowledge_base.text import clean, fold

# Codes end up in URLs, CSV files and other tables' columns: plain lower-case ASCII keeps them safe.
CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KIND = re.compile(r"^[a-z0-9_]{1,64}$")
# Column widths of the tables (PostgreSQL refuses longer values; SQLite would keep them silently).
CODE_CHARS = 64
AGENCY_NAME_CHARS = 300
LOCALITY_NAME_CHARS = 200
PROVINCE_CHARS = 200
HOLIDAY_NAME_CHARS = 200
DISPLAY_NAME_CHARS = 200
WORK_DAYS_CHARS = 32
WORK_PERIODS_CHARS = 64
FAQ_SLUG_CHARS = 80
FAQ_TITLE_CHARS = 200
# Not column limits, only sanity: a contact or an opening-hours text is a few lines.
CONTACT_CHARS = 2000
HOURS_TEXT_CHARS = 500
NOTE_CHARS = 500
MAX_ALIASES = 50
MAX_TARGET_HOURS = int(MAX_HOURS)
GENERATED_PASSWORD_BYTES = 12
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Problems listed for one upload; past that the admin fixes the file and sees the rest next time.
MAX_PROBLEMS = 30
AUDIT_PAGE_SIZE = 50
CSV_KINDS = ("agencies", "localities", "rules")
_REQUIRED_COLUMNS = {
    "agencies": ("code", "name"),
    "localities": ("code", "name", "province"),
    "rules": ("agency_code",),
}
_COLUMNS = {
    "agencies": reference_data.AGENCY_FIELDS,
    "localities": reference_data.LOCALITY_FIELDS,
    "rules": reference_data.RULE_FIELDS,
}
# C0 controls other than tab and newline: PostgreSQL refuses NUL, and none belongs in a name or note.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ANY = ("", "*", "any")


# -- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the admin's input: a text key of the admin pages and its values."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


def problem(key: str, **values: object) -> Problem:
    return Problem(key, {k: str(v) for k, v in values.items()})


class AdminInputError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(p.key for p in problems))
        self.problems = list(problems)


def fail(key: str, **values: object) -> NoReturn:
    raise AdminInputError([problem(key, **values)])


class NotFound(LookupError):
    """The record an admin page names does not exist (the page answers 404)."""


def _text(value: str, limit: int, key: str, *, required: bool = False, multiline: bool = False) -> str:
    value = _CONTROL.sub("", value).strip()
    if not multiline:
        value = " ".join(value.split())
    if required and not value:
        fail(key)
    if len(value) > limit:
        fail("ar_err_too_long", limit=limit)
    return value


def _code(value: str) -> str:
    value = value.strip()
    if not CODE.fullmatch(value):
        fail("ar_err_code")
    return value


def _hours(value: str, key: str) -> int:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_TARGET_HOURS:
        fail(key, max=MAX_TARGET_HOURS)
    return int(value)


def _jsonable(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


# -- agencies ------------------------------------------------------------------------------------

AGENCY_AUDIT_FIELDS = (*reference_data.AGENCY_FIELDS, "work_days", "work_periods")


@dataclass(frozen=True)
class AgencyInput:
    code: str = ""
    name: str = ""
    kind: str = ""
    contact: str = ""
    hours: str = ""
    first_response_hours: str = "8"
    resolution_hours: str = "80"
    work_days: str = "1,2,3,4,5"
    work_periods: str = "07:30-11:30,13:30-17:00"
    active: bool = True


def agency_summary(row: AgencyRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in AGENCY_AUDIT_FIELDS}


def _schedule_fields(days: str, periods: str, timezone: str) -> tuple[str, str]:
    """Work days and periods as the targets' clock reads them; refused when it could not."""
    days = "".join(days.split())
    periods = "".join(periods.split())
    try:
        schedule = Schedule.parse(days, periods, (), timezone)
    except ValueError as error:
        fail("ar_err_schedule", detail=error)
    days = ",".join(str(d) for d in sorted(schedule.days))
    if len(days) > WORK_DAYS_CHARS or len(periods) > WORK_PERIODS_CHARS:
        fail("ar_err_schedule_long", limit=WORK_PERIODS_CHARS)
    return days, periods


def _agency_fields(data: AgencyInput, timezone: str) -> dict[str, Any]:
    first = _hours(data.first_response_hours, "ar_err_first_response")
    resolution = _hours(data.resolution_hours, "ar_err_resolution")
    if resolution < first:
        fail("ar_err_resolution_before_first")
    kind = data.kind.strip()
    if not KIND.fullmatch(kind):
        fail("ar_err_kind")
    work_days, work_periods = _schedule_fields(data.work_days, data.work_periods, timezone)
    return {
        "name": _text(data.name, AGENCY_NAME_CHARS, "ar_err_name_required", required=True),
        "kind": kind,
        "contact": _text(data.contact, CONTACT_CHARS, "", multiline=True),
        "hours": _text(data.hours, HOURS_TEXT_CHARS, "", multiline=True),
        "first_response_hours": first,
        "resolution_hours": resolution,
        "work_days": work_days,
        "work_periods": work_periods,
        "active": data.active,
    }


async def create_agency(uow: UnitOfWork, data: AgencyInput, actor: str, now: datetime, timezone: str) -> AgencyRow:
    code = _code(data.code)
    fields = _agency_fields(data, timezone)
    if await uow.agencies.get_row(code) is not None:
        fail("ar_err_duplicate_code", code=code)
    row = await uow.agencies.upsert(code, **fields)
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "agency.create", f"agency:{code}", now, after=agency_summary(row))
    return row


async def update_agency(
    uow: UnitOfWork, code: str, data: AgencyInput, actor: str, now: datetime, timezone: str
) -> AgencyRow:
    row = await uow.agencies.get_row(code)
    if row is None:
        raise NotFound(code)
    fields = _agency_fields(data, timezone)
    before = agency_summary(row)
    for key, value in fields.items():
        setattr(row, key, value)
    await uow.session.flush()
    after = agency_summary(row)
    if after != before:
        await uow.meta.bump(REFERENCE_REVISION)
        await uow.audit.add(actor, "agency.update", f"agency:{code}", now, before, after)
    return row


async def agency_channels(uow: UnitOfWork) -> dict[str, list[AgencyChannelRow]]:
    """Every agency's linked groups, for the list's link status (one query, not one per agency)."""
    found: dict[str, list[AgencyChannelRow]] = {}
    for row in (await uow.session.execute(select(AgencyChannelRow).order_by(AgencyChannelRow.id))).scalars():
        found.setdefault(row.agency_code, []).append(row)
    return found


async def create_agency_link_code(
    uow: UnitOfWork, agency_code: str, actor: str, now: datetime, valid_for: timedelta
) -> str:
    """A one-time code for the agency's Telegram group, recorded as the admin's doing."""
    if await uow.agencies.get_row(agency_code) is None:
        raise NotFound(agency_code)
    return await create_link_code(uow, agency_code, now, valid_for, actor=actor)


# -- localities ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalityInput:
    code: str = ""
    name: str = ""
    province: str = ""
    aliases: str = ""


def locality_summary(row: LocalityRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "province": row.province, "aliases": list(row.aliases or [])}


def parse_aliases(text: str, name: str = "") -> list[str]:
    """One alias a line; blanks, repeats and the name itself dropped (compared as people type them)."""
    seen = {fold(clean(name))} if name else set()
    aliases: list[str] = []
    for line in text.splitlines():
        alias = _text(line, LOCALITY_NAME_CHARS, "")
        key = fold(clean(alias))
        if not key or key in seen:
            continue
        seen.add(key)
        aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        fail("ar_err_too_many_aliases", limit=MAX_ALIASES)
    return aliases


def _locality_fields(data: LocalityInput) -> dict[str, Any]:
    name = _text(data.name, LOCALITY_NAME_CHARS, "ar_err_name_required", required=True)
    return {
        "name": name,
        "province": _text(data.province, PROVINCE_CHARS, "ar_err_province_required", required=True),
        "aliases": parse_aliases(data.aliases, name),
    }


async def create_locality(uow: UnitOfWork, data: LocalityInput, actor: str, now: datetime) -> LocalityRow:
    code = _code(data.code)
    fields = _locality_fields(data)
    if await uow.localities.get(code) is not None:
        fail("ar_err_duplicate_code", code=code)
    row = await uow.localities.upsert(code, **fields)
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "locality.create", f"locality:{code}", now, after=locality_summary(row))
    return row


async def locality_row(uow: UnitOfWork, code: str) -> LocalityRow | None:
    return (await uow.session.execute(select(LocalityRow).where(LocalityRow.code == code))).scalar_one_or_none()


async def update_locality(uow: UnitOfWork, code: str, data: LocalityInput, actor: str, now: datetime) -> LocalityRow:
    row = await locality_row(uow, code)
    if row is None:
        raise NotFound(code)
    fields = _locality_fields(data)
    before = locality_summary(row)
    for key, value in fields.items():
        setattr(row, key, value)
    await uow.session.flush()
    after = locality_summary(row)
    if after != before:
        await uow.meta.bump(REFERENCE_REVISION)
        await uow.audit.add(actor, "locality.update", f"locality:{code}", now, before, after)
    return row


def search_localities(rows: Sequence[LocalityRow], query: str) -> list[LocalityRow]:
    """Rows whose code, name, province or an old name holds the query, or that sound like it."""
    needle = fold(clean(query))
    if not needle:
        return list(rows)
    similar, _ = find_localities(query, [_as_locality(r) for r in rows], limit=20)
    close = {loc.code for loc in similar}
    found: list[LocalityRow] = []
    for row in rows:
        haystack = " | ".join(fold(clean(t)) for t in (row.code, row.name, row.province, *(row.aliases or [])))
        if row.code in close or needle in haystack:
            found.append(row)
    return found


def _as_locality(row: LocalityRow) -> Locality:
    return Locality(row.code, row.name, row.province, tuple(str(a) for a in row.aliases or []))


async def provinces(uow: UnitOfWork) -> list[str]:
    statement = select(LocalityRow.province).distinct().order_by(LocalityRow.province)
    return [str(p) for p in (await uow.session.execute(statement)).scalars()]


# -- routing rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    category: str = ""
    locality_code: str = ""
    province: str = ""
    agency_code: str = ""
    note: str = ""
    active: bool = True


def rule_summary(row: RoutingRuleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "category": row.category,
        "locality_code": row.locality_code,
        "province": row.province,
        "agency_code": row.agency_code,
        "active": row.active,
        "note": row.note,
    }


async def _rule_fields(uow: UnitOfWork, data: RuleInput) -> dict[str, Any]:
    category = data.category.strip() or None
    if category is not None and category not in REQUEST_CATEGORIES:
        fail("ar_err_category")
    locality = data.locality_code.strip() or None
    province = data.province.strip() or None
    if locality and province:
        fail("ar_err_rule_both_places")
    if locality and await uow.localities.get(locality) is None:
        fail("ar_err_unknown_locality", code=locality)
    # A province rule matches localities by their exact province text: a typo would never apply.
    if province and province not in await provinces(uow):
        fail("ar_err_unknown_province", province=province)
    agency = data.agency_code.strip()
    if not agency or await uow.agencies.get_row(agency) is None:
        fail("ar_err_unknown_agency", code=agency)
    return {
        "category": category,
        "locality_code": locality,
        "province": province,
        "agency_code": agency,
        "active": data.active,
        "note": _text(data.note, NOTE_CHARS, ""),
    }


async def _refuse_shadowing(uow: UnitOfWork, fields: dict[str, Any], rule_id: int | None) -> None:
    """Two active rules for the same category and place: the newer would never apply, silently."""
    if not fields["active"]:
        return
    for other in await uow.rules.all_rows():
        same = (other.category, other.locality_code, other.province) == (
            fields["category"],
            fields["locality_code"],
            fields["province"],
        )
        if same and other.active and other.id != rule_id:
            fail("ar_err_rule_duplicate", rule=other.id)


async def get_rule(uow: UnitOfWork, rule_id: int) -> RoutingRuleRow:
    row = await uow.session.get(RoutingRuleRow, rule_id)
    if row is None:
        raise NotFound(str(rule_id))
    return row


async def create_rule(uow: UnitOfWork, data: RuleInput, actor: str, now: datetime) -> RoutingRuleRow:
    fields = await _rule_fields(uow, data)
    await _refuse_shadowing(uow, fields, None)
    row = await uow.rules.add(**fields)
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "rule.create", f"rule:{row.id}", now, after=rule_summary(row))
    return row


async def update_rule(uow: UnitOfWork, rule_id: int, data: RuleInput, actor: str, now: datetime) -> RoutingRuleRow:
    row = await get_rule(uow, rule_id)
    fields = await _rule_fields(uow, data)
    await _refuse_shadowing(uow, fields, rule_id)
    return await _save_rule(uow, row, fields, "rule.update", actor, now)


async def set_rule_active(uow: UnitOfWork, rule_id: int, active: bool, actor: str, now: datetime) -> RoutingRuleRow:
    row = await get_rule(uow, rule_id)
    fields = {**rule_summary(row), "active": active}
    fields.pop("id")
    await _refuse_shadowing(uow, fields, rule_id)
    return await _save_rule(uow, row, fields, "rule.activate" if active else "rule.deactivate", actor, now)


async def _save_rule(
    uow: UnitOfWork, row: RoutingRuleRow, fields: dict[str, Any], action: str, actor: str, now: datetime
) -> RoutingRuleRow:
    before = rule_summary(row)
    for key, value in fields.items():
        setattr(row, key, value)
    await uow.session.flush()
    after = rule_summary(row)
    if after != before:
        await uow.meta.bump(REFERENCE_REVISION)
        await uow.audit.add(actor, action, f"rule:{row.id}", now, before, after)
    return row


@dataclass(frozen=True)
class RouteTest:
    """What the tester found: the commune (or candidates to pick from) and the routing decision."""

    locality: Locality | None = None
    candidates: tuple[Locality, ...] = ()
    decision: RoutingDecision | None = None
    agency: AgencyRow | None = None
    rule: RoutingRuleRow | None = None


async def try_route(uow: UnitOfWork, category: str, commune: str) -> RouteTest:
    """Where a request of this category from this commune goes now: route() over the active rules,
    exactly as the conversation decides it."""
    if category not in REQUEST_CATEGORIES:
        fail("ar_err_category")
    commune = _text(commune, LOCALITY_NAME_CHARS, "ar_err_commune_required", required=True)
    locality = await uow.localities.get(commune)
    if locality is None:
        found, sure = find_localities(commune, await uow.localities.all())
        if not found:
            fail("ar_err_commune_not_found", commune=commune)
        if not sure:
            return RouteTest(candidates=tuple(found))
        locality = found[0]
    decision = route(category, locality, await uow.rules.active_rules())
    if decision is None:
        return RouteTest(locality=locality)
    agency = await uow.agencies.get_row(decision.agency_code)
    rule = await uow.session.get(RoutingRuleRow, decision.rule_id) if decision.rule_id is not None else None
    return RouteTest(locality=locality, decision=decision, agency=agency, rule=rule)


# -- holidays ------------------------------------------------------------------------------------


def parse_day(text: str) -> date:
    """A date as the browser's date field sends it (2026-09-02), or as people write it (2/9/2026)."""
    text = text.strip()
    try:
        if re.fullmatch(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", text):
            day, month, year = (int(p) for p in text.split("/"))
            parsed = date(year, month, day)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            parsed = date.fromisoformat(text)
        else:
            fail("ar_err_date")
    except ValueError:
        fail("ar_err_date")
    if not 2000 <= parsed.year <= 2100:
        fail("ar_err_date")
    return parsed


async def add_holiday(uow: UnitOfWork, day_text: str, name: str, actor: str, now: datetime) -> HolidayRow:
    day = parse_day(day_text)
    name = _text(name, HOLIDAY_NAME_CHARS, "ar_err_name_required", required=True)
    if day in await uow.holidays.days():
        fail("ar_err_holiday_exists", day=day.strftime("%d/%m/%Y"))
    row = await uow.holidays.upsert(day, name)
    after = {"day": day.isoformat(), "name": name}
    await uow.audit.add(actor, "holiday.add", f"holiday:{day.isoformat()}", now, after=after)
    return row


async def remove_holiday(uow: UnitOfWork, day_text: str, actor: str, now: datetime) -> None:
    day = parse_day(day_text)
    row = (await uow.session.execute(select(HolidayRow).where(HolidayRow.day == day))).scalar_one_or_none()
    if row is None:
        raise NotFound(day_text)
    before = {"day": day.isoformat(), "name": row.name}
    await uow.holidays.remove(day)
    await uow.audit.add(actor, "holiday.remove", f"holiday:{day.isoformat()}", now, before=before)


# -- users ---------------------------------------------------------------------------------------


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
        "display_name": _text(data.display_name, DISPLAY_NAME_CHARS, ""),
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


# -- API tokens ----------------------------------------------------------------------------------


async def create_api_token(uow: UnitOfWork, agency_code: str, label: str, actor: str, now: datetime) -> str:
    label = _text(label, 200, "")
    try:
        return await create_token(uow, agency_code.strip(), label, actor, now)
    except UnknownAgencyError:
        fail("ar_err_unknown_agency", code=agency_code)
    except ApiTokenError:
        fail("ar_err_token_label")


async def revoke_api_token(uow: UnitOfWork, token_id: int, actor: str, now: datetime) -> None:
    try:
        await revoke_token(uow, token_id, actor, now)
    except UnknownTokenError:
        raise NotFound(str(token_id)) from None


# -- uploads -------------------------------------------------------------------------------------


def decode_upload(raw: bytes) -> str:
    """An uploaded text file: at most MAX_UPLOAD_BYTES, UTF-8 (a BOM is fine), no NUL."""
    if len(raw) > MAX_UPLOAD_BYTES:
        fail("ar_err_upload_too_big", limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("ar_err_not_utf8")
    if "\x00" in text:
        fail("ar_err_not_text")
    return text


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _pending_key(kind: str, user_id: int) -> str:
    return f"admin_upload:{kind}:{user_id}"


async def keep_pending_upload(uow: UnitOfWork, kind: str, user_id: int, files: dict[str, str]) -> str:
    """Keep an upload between its preview and the admin's confirmation; returns its digest.

    Kept in the database (every worker sees it), one per admin and kind, so an abandoned preview is
    replaced by the next rather than piling up; the digest makes the confirmation apply exactly what
    was previewed.
    """
    payload = json.dumps(files, ensure_ascii=False, sort_keys=True)
    await uow.meta.set(_pending_key(kind, user_id), payload)
    return digest(payload)


async def take_pending_upload(uow: UnitOfWork, kind: str, user_id: int, expected: str) -> dict[str, str]:
    key = _pending_key(kind, user_id)
    payload = await uow.meta.get(key)
    # The digest is no secret (the admin's own page carries it): a plain comparison will do, and
    # unlike compare_digest it accepts whatever characters a tampered form sends.
    if payload is None or digest(payload) != expected:
        fail("ar_err_upload_expired")
    await uow.session.execute(delete(Meta).where(Meta.key == key))
    files = json.loads(payload)
    return {str(k): str(v) for k, v in files.items()}


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a few nested aliases expand to billions of strings."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


def parse_faq_yaml(text: str) -> list[FaqEntry]:
    """The FAQ as `hoanhap kb export` writes it (one key per category file), or one {entries: [...]}."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as error:
        fail("ar_err_yaml", detail=str(error).splitlines()[0] if str(error) else "")
    try:
        if isinstance(data, dict) and "entries" not in data and all(isinstance(v, dict) for v in data.values()):
            entries = parse_entries((str(k), v) for k, v in data.items())
        else:
            entries = parse_entries([("faq", data)])
    except KnowledgeBaseError as error:
        fail("ar_err_faq_invalid", detail=error)
    except (TypeError, ValueError, AttributeError):
        fail("ar_err_faq_invalid", detail="")
    if not entries:
        fail("ar_err_faq_empty")
    for entry in entries:
        if len(entry.slug) > FAQ_SLUG_CHARS or len(entry.title) > FAQ_TITLE_CHARS:
            fail("ar_err_faq_invalid", detail=entry.slug[:FAQ_SLUG_CHARS])
        if any("\x00" in str(v) for v in entry.to_dict().values()):
            fail("ar_err_not_text")
    return entries


# -- reference data as CSV -----------------------------------------------------------------------


def read_csv(kind: str, text: str) -> list[dict[str, str]]:
    """Rows of one CSV file of `hoanhap data export --format csv`, its columns checked first."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as error:
        fail("ar_err_csv_malformed", file=f"{kind}.csv", detail=error)
    missing = [c for c in _REQUIRED_COLUMNS[kind] if c not in header]
    unknown = [c for c in header if c not in _COLUMNS[kind]]
    if missing or unknown:
        fail("ar_err_csv_columns", file=f"{kind}.csv", columns=", ".join(_COLUMNS[kind]))
    cleaned: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=2):
        if None in row:
            fail("ar_err_csv_cells", file=f"{kind}.csv", row=number)
        # Exactly as exported (no stripping), so a round trip compares equal; only spreadsheet line
        # ends inside a cell become the newline the database keeps.
        cleaned.append({str(k).strip(): (v or "").replace("\r\n", "\n").replace("\r", "\n") for k, v in row.items()})
    return cleaned


@dataclass
class ReferencePlan:
    """What importing the uploaded CSV files would change; applying it changes exactly that."""

    data: reference_data.ReferenceData
    agencies_new: list[dict[str, Any]] = field(default_factory=list)
    agencies_changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    localities_new: list[dict[str, Any]] = field(default_factory=list)
    localities_changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    rules_given: bool = False
    rules_new: list[dict[str, Any]] = field(default_factory=list)
    rules_changed: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    rules_removed: list[dict[str, Any]] = field(default_factory=list)
    rules_kept: int = 0

    @property
    def changes(self) -> int:
        return sum(
            len(x)
            for x in (
                self.agencies_new,
                self.agencies_changed,
                self.localities_new,
                self.localities_changed,
                self.rules_new,
                self.rules_changed,
                self.rules_removed,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "agencies_new": len(self.agencies_new),
            "agencies_changed": len(self.agencies_changed),
            "localities_new": len(self.localities_new),
            "localities_changed": len(self.localities_changed),
            "rules_new": len(self.rules_new),
            "rules_changed": len(self.rules_changed),
            "rules_removed": len(self.rules_removed),
            "rules_kept": self.rules_kept,
        }


def _check_rows(
    kind: str, rows: Sequence[dict[str, str]], agencies: set[str], localities: set[str], known_provinces: set[str]
) -> list[Problem]:
    """Every problem of one file with its row number, in the admin's language."""
    problems: list[Problem] = []
    name = f"{kind}.csv"
    seen: set[str] = set()

    def add(key: str, row: int, **values: object) -> None:
        problems.append(problem(key, file=name, row=row, **values))

    for number, row in enumerate(rows, start=2):
        if any(_CONTROL.search(v) for v in row.values() if v):
            add("ar_err_csv_text", number)
        if kind in ("agencies", "localities"):
            code = row.get("code", "")
            if not code or len(code) > CODE_CHARS:
                add("ar_err_csv_code", number)
            elif code in seen:
                add("ar_err_csv_duplicate", number, code=code)
            seen.add(code)
            limit = AGENCY_NAME_CHARS if kind == "agencies" else LOCALITY_NAME_CHARS
            if not row.get("name") or len(row["name"]) > limit:
                add("ar_err_csv_name", number, limit=limit)
        if kind == "agencies":
            if len(row.get("kind", "")) > CODE_CHARS:
                add("ar_err_csv_kind", number)
            for column in ("first_response_hours", "resolution_hours"):
                value = row.get(column, "")
                if value and not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_TARGET_HOURS):
                    add("ar_err_csv_hours", number, column=column, max=MAX_TARGET_HOURS)
        elif kind == "localities":
            if not row.get("province") or len(row["province"]) > PROVINCE_CHARS:
                add("ar_err_csv_province", number)
            aliases = row.get("aliases", "").split(reference_data.ALIAS_SEPARATOR)
            if any(len(a.strip()) > LOCALITY_NAME_CHARS for a in aliases) or len(aliases) > MAX_ALIASES:
                add("ar_err_csv_aliases", number)
        elif kind == "rules":
            category = row.get("category", "")
            if category not in _ANY and category not in REQUEST_CATEGORIES:
                add("ar_err_csv_category", number, category=category)
            locality = row.get("locality_code", "")
            province = row.get("province", "")
            if locality not in _ANY and province not in _ANY:
                add("ar_err_csv_both_places", number)
            if locality not in _ANY and locality not in localities:
                add("ar_err_csv_unknown_locality", number, code=locality)
            if province not in _ANY and province not in known_provinces:
                add("ar_err_csv_unknown_province", number, province=province)
            if row.get("agency_code", "") not in agencies:
                add("ar_err_csv_unknown_agency", number, code=row.get("agency_code", ""))
    return problems


async def plan_reference_import(uow: UnitOfWork, files: dict[str, str]) -> ReferencePlan:
    """Read and check the uploaded files against the database; nothing is written."""
    if not files:
        fail("ar_err_no_file")
    parsed = {kind: read_csv(kind, text) for kind, text in files.items() if kind in CSV_KINDS}
    agencies = {r.code for r in await uow.agencies.all_rows()} | {r["code"] for r in parsed.get("agencies", [])}
    locality_rows = await uow.localities.all_rows()
    localities = {r.code for r in locality_rows} | {r["code"] for r in parsed.get("localities", [])}
    known_provinces = {r.province for r in locality_rows} | {r["province"] for r in parsed.get("localities", [])}
    problems: list[Problem] = []
    for kind, rows in parsed.items():
        problems += _check_rows(kind, rows, agencies, localities, known_provinces)
    if problems:
        raise AdminInputError(problems[:MAX_PROBLEMS])
    try:
        data = reference_data.from_mapping(dict(parsed))
        data.validate({r.code for r in await uow.agencies.all_rows()})
    except reference_data.ReferenceDataError as error:
        fail("ar_err_csv_invalid", detail=error)
    return await _plan(uow, data)


def _rule_key(rule: dict[str, Any]) -> tuple[Any, Any, Any]:
    return rule["category"], rule["locality_code"], rule["province"]


async def _plan(uow: UnitOfWork, data: reference_data.ReferenceData) -> ReferencePlan:
    plan = ReferencePlan(data)
    current_agencies = {r.code: r for r in await uow.agencies.all_rows()}
    for agency in data.agencies:
        existing = current_agencies.get(agency["code"])
        if existing is None:
            plan.agencies_new.append(agency)
            continue
        before = {f: getattr(existing, f) for f in reference_data.AGENCY_FIELDS}
        if before != agency:
            plan.agencies_changed.append((before, agency))
    current_localities = {r.code: r for r in await uow.localities.all_rows()}
    for locality in data.localities:
        found = current_localities.get(locality["code"])
        if found is None:
            plan.localities_new.append(locality)
            continue
        before = locality_summary(found)
        if before != locality:
            plan.localities_changed.append((before, locality))
    if data.rules is None:
        return plan
    plan.rules_given = True
    # Rules are matched by category and place so an unchanged rule keeps its id (requests name it).
    unmatched = list(await uow.rules.all_rows())
    for rule in data.rules:
        match = next((r for r in unmatched if _rule_key(rule_summary(r)) == _rule_key(rule)), None)
        if match is None:
            plan.rules_new.append(rule)
            continue
        unmatched.remove(match)
        before = rule_summary(match)
        after = {**rule, "id": match.id}
        if before == after:
            plan.rules_kept += 1
        else:
            plan.rules_changed.append((match.id, before, after))
    plan.rules_removed = [rule_summary(r) for r in unmatched]
    return plan


async def apply_reference_plan(uow: UnitOfWork, plan: ReferencePlan, actor: str, now: datetime) -> dict[str, int]:
    """Write exactly the planned changes, in one transaction, with one audit row holding them all."""
    if not plan.changes:
        return plan.counts()
    for agency in plan.agencies_new + [after for _, after in plan.agencies_changed]:
        await uow.agencies.upsert(**agency)
    for locality in plan.localities_new + [after for _, after in plan.localities_changed]:
        await uow.localities.upsert(**locality)
    for rule_id, _, after in plan.rules_changed:
        row = await get_rule(uow, rule_id)
        for key, value in after.items():
            if key != "id":
                setattr(row, key, value)
    for removed in plan.rules_removed:
        await uow.session.execute(delete(RoutingRuleRow).where(RoutingRuleRow.id == removed["id"]))
    for rule in plan.rules_new:
        await uow.rules.add(**rule)
    await uow.session.flush()
    await uow.meta.bump(REFERENCE_REVISION)
    before = {
        "agencies": {b["code"]: b for b, _ in plan.agencies_changed},
        "localities": {b["code"]: b for b, _ in plan.localities_changed},
        "rules": [b for _, b, _ in plan.rules_changed] + plan.rules_removed,
    }
    after = {
        "agencies": {a["code"]: a for a in plan.agencies_new} | {a["code"]: a for _, a in plan.agencies_changed},
        "localities": {a["code"]: a for a in plan.localities_new} | {a["code"]: a for _, a in plan.localities_changed},
        "rules": [a for _, _, a in plan.rules_changed] + plan.rules_new,
    }
    await uow.audit.add(actor, "data.import", "reference data", now, before, after)
    return plan.counts()


async def export_csv(uow: UnitOfWork, kind: str) -> str:
    """The same text `hoanhap data export --format csv` writes to <kind>.csv."""
    if kind not in CSV_KINDS:
        raise NotFound(kind)
    return reference_data.to_csv(kind, (await reference_data.export(uow))[kind])


# -- audit log -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditLogRow]
    page: int
    has_next: bool
    actions: list[str]


def pretty_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_jsonable)


async def audit_page(uow: UnitOfWork, actor: str = "", action: str = "", page: int = 1) -> AuditPage:
    """Newest first; `actor` matches part of the name (any case), `action` exactly."""
    page = max(1, min(page, 100_000))
    statement = select(AuditLogRow)
    actor = actor.strip()[:120]
    if actor:
        statement = statement.where(func.lower(AuditLogRow.actor).contains(actor.lower(), autoescape=True))
    if action:
        statement = statement.where(AuditLogRow.action == action[:64])
    statement = statement.order_by(AuditLogRow.id.desc()).offset((page - 1) * AUDIT_PAGE_SIZE)
    rows = list((await uow.session.execute(statement.limit(AUDIT_PAGE_SIZE + 1))).scalars())
    actions = select(AuditLogRow.action).distinct().order_by(AuditLogRow.action)
    return AuditPage(
        rows[:AUDIT_PAGE_SIZE],
        page,
        len(rows) > AUDIT_PAGE_SIZE,
        [str(a) for a in (await uow.session.execute(actions)).scalars()],
    )
