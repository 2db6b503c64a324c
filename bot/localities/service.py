"""Localities (communes) from the admin console: their names, province and the old names people
still use, and finding them as people type them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.changes import (
    LOCALITY_NAME_CHARS,
    MAX_ALIASES,
    PROVINCE_CHARS,
    NotFound,
    checked_code,
    clean_text,
    fail,
    save_changes,
)
from bot.storage.models import LocalityRow
from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import Locality
from handlers.places import find_localities
from knowledge_base.text import clean, fold


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
        alias = clean_text(line, LOCALITY_NAME_CHARS, "")
        key = fold(clean(alias))
        if not key or key in seen:
            continue
        seen.add(key)
        aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        fail("ar_err_too_many_aliases", limit=MAX_ALIASES)
    return aliases


def _locality_fields(data: LocalityInput) -> dict[str, Any]:
    name = clean_text(data.name, LOCALITY_NAME_CHARS, "ar_err_name_required", required=True)
    return {
        "name": name,
        "province": clean_text(data.province, PROVINCE_CHARS, "ar_err_province_required", required=True),
        "aliases": parse_aliases(data.aliases, name),
    }


async def create_locality(uow: UnitOfWork, data: LocalityInput, actor: str, now: datetime) -> LocalityRow:
    code = checked_code(data.code)
    fields = _locality_fields(data)
    if await uow.localities.get(code) is not None:
        fail("ar_err_duplicate_code", code=code)
    row = await uow.localities.upsert(code, **fields)
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "locality.create", f"locality:{code}", now, after=locality_summary(row))
    return row


async def locality_row(uow: UnitOfWork, code: str) -> LocalityRow | None:
    return await uow.localities.get_row(code)


async def update_locality(uow: UnitOfWork, code: str, data: LocalityInput, actor: str, now: datetime) -> LocalityRow:
    row = await locality_row(uow, code)
    if row is None:
        raise NotFound(code)
    fields = _locality_fields(data)
    return await save_changes(uow, row, fields, locality_summary, "locality.update", f"locality:{code}", actor, now)


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
    return await uow.localities.provinces()
