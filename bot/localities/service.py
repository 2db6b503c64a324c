"""Localities (communes) from the admin console: their names, province and the old names people
still use, and finding them as people type them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.audit.changes import (
    CONTROL_CHARACTERS,
    LOCALITY_NAME_CHARS,
    MAX_ALIASES,
    PROVINCE_CHARS,
    NotFound,
    checked_code,
    clean_text,
    fail,
    save_changes,
)
from bot.localities import country
from bot.localities.errors import LocalityError
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


@dataclass(frozen=True)
class ProvinceImport:
    """What importing a province did (or, in a dry run, would do)."""

    province: str
    province_code: int
    communes: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def as_json(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "province_code": self.province_code,
            "source": country.SOURCE,
            "communes": self.communes,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "dry_run": self.dry_run,
        }


def _province(typed: str) -> country.NewProvince:
    province = country.find_province(typed)
    if province is not None:
        return province
    shown = " ".join(CONTROL_CHARACTERS.sub("", typed).split())[:100]
    former = country.former_province(typed)
    if former is not None:
        raise LocalityError("former_province", name=shown, province=former.name)
    example = ", ".join(p.name for p in country.provinces()[:2])
    raise LocalityError("unknown_province", name=shown, example=example)


def _aliases(commune: country.Commune, row: LocalityRow | None) -> list[str]:
    """The commune's old names, then any an admin added by hand (kept: an import never drops them)."""
    aliases = list(commune.old_names)
    seen = {fold(clean(a)) for a in aliases}
    for alias in (row.aliases or []) if row else []:
        if fold(clean(str(alias))) not in seen:
            seen.add(fold(clean(str(alias))))
            aliases.append(str(alias))
    return aliases


async def import_province(
    uow: UnitOfWork, typed: str, actor: str, now: datetime, *, dry_run: bool = False
) -> ProvinceImport:
    """The province's communes as localities ("vn-" and the GSO code), their old names as aliases.

    Idempotent: a locality already as the data has it is left alone, and an import that changes
    nothing writes nothing, not even an audit row. A dry run counts and writes nothing."""
    province = _province(typed)
    communes = country.communes(province)
    existing = {r.code: r for r in await uow.localities.rows_with_codes([c.code for c in communes])}
    created = updated = 0
    for commune in communes:
        row = existing.get(commune.code)
        fields = {"name": commune.name, "province": province.name, "aliases": _aliases(commune, row)}
        if row is None:
            created += 1
            if not dry_run:
                uow.localities.add(commune.code, **fields)
                await uow.audit.add(actor, "locality.create", f"locality:{commune.code}", now, after=fields)
        elif {k: getattr(row, k) for k in fields} != fields:
            updated += 1
            if not dry_run:
                target = f"locality:{commune.code}"
                await save_changes(uow, row, fields, locality_summary, "locality.update", target, actor, now)
    result = ProvinceImport(province.name, province.code, len(communes), created, updated, 0, dry_run)
    result = replace(result, unchanged=len(communes) - created - updated)
    if result.changed and not dry_run:
        await uow.flush()
        await uow.meta.bump(REFERENCE_REVISION)
        summary = {k: v for k, v in result.as_json().items() if k not in ("changed", "dry_run")}
        await uow.audit.add(actor, "locality.import", f"province:{province.code}", now, after=summary)
    return result
