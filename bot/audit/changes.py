"""What every kind of admin change shares: the refusal with its reasons, the checks of codes, texts
and target hours, the tables' column widths, and saving a record's changes with its audit row."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from handlers.working_hours import MAX_HOURS

# Codes end up in URLs, CSV files and other tables' columns: plain lower-case ASCII keeps them safe.
CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
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
# Not a column limit, only sanity: a locality is known by a handful of old names.
MAX_ALIASES = 50
MAX_TARGET_HOURS = int(MAX_HOURS)
# C0 controls other than tab and newline: PostgreSQL refuses NUL, and none belongs in a name or note.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Row = TypeVar("Row")


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


def clean_text(value: str, limit: int, key: str, *, required: bool = False, multiline: bool = False) -> str:
    value = CONTROL_CHARACTERS.sub("", value).strip()
    if not multiline:
        value = " ".join(value.split())
    if required and not value:
        fail(key)
    if len(value) > limit:
        fail("ar_err_too_long", limit=limit)
    return value


def checked_code(value: str) -> str:
    value = value.strip()
    if not CODE.fullmatch(value):
        fail("ar_err_code")
    return value


def is_target_hours(value: str) -> bool:
    """Whole hours from 1 to MAX_TARGET_HOURS, in ASCII digits."""
    return value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_TARGET_HOURS


def target_hours(value: str, key: str) -> int:
    value = value.strip()
    if not is_target_hours(value):
        fail(key, max=MAX_TARGET_HOURS)
    return int(value)


async def save_changes(
    uow: UnitOfWork,
    row: Row,
    fields: dict[str, Any],
    summary: Callable[[Row], dict[str, Any]],
    action: str,
    target: str,
    actor: str,
    now: datetime,
) -> Row:
    """Set the fields; only when that changed something, bump the reference revision and audit it."""
    before = summary(row)
    for key, value in fields.items():
        setattr(row, key, value)
    await uow.flush()
    after = summary(row)
    if after != before:
        await uow.meta.bump(REFERENCE_REVISION)
        await uow.audit.add(actor, action, target, now, before, after)
    return row
