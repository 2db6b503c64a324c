"""The reference data (agencies, localities, rules) as the CSV files `hoanhap data export --format csv`
writes: reading and checking uploaded files, planning what importing them would change, applying
exactly that plan, and exporting the same files again."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from bot.audit.changes import (
    AGENCY_NAME_CHARS,
    CODE_CHARS,
    CONTROL_CHARACTERS,
    LOCALITY_NAME_CHARS,
    MAX_ALIASES,
    MAX_TARGET_HOURS,
    PROVINCE_CHARS,
    AdminInputError,
    NotFound,
    Problem,
    fail,
    is_target_hours,
    problem,
)
from bot.localities.service import locality_summary
from bot.reference import files as reference_data
from bot.routing.service import get_rule, rule_summary
from bot.storage.models import AgencyRow
from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import REQUEST_CATEGORIES

CSV_KINDS = ("agencies", "localities", "rules")
# Problems listed for one upload; past that the admin fixes the file and sees the rest next time.
MAX_PROBLEMS = 30
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
_ANY = ("", "*", "any")
Record = dict[str, Any]
Row = TypeVar("Row")


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
        if any(CONTROL_CHARACTERS.search(v) for v in row.values() if v):
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
                if value and not is_target_hours(value):
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


def _new_and_changed(
    records: Sequence[Record], current: Mapping[str, Row], summary: Callable[[Row], Record]
) -> tuple[list[Record], list[tuple[Record, Record]]]:
    """The records whose code is not in `current`, and (before, after) of those that differ from it."""
    new: list[Record] = []
    changed: list[tuple[Record, Record]] = []
    for record in records:
        row = current.get(record["code"])
        if row is None:
            new.append(record)
            continue
        before = summary(row)
        if before != record:
            changed.append((before, record))
    return new, changed


def _agency_fields(row: AgencyRow) -> Record:
    return {f: getattr(row, f) for f in reference_data.AGENCY_FIELDS}


async def _plan(uow: UnitOfWork, data: reference_data.ReferenceData) -> ReferencePlan:
    plan = ReferencePlan(data)
    agencies = {r.code: r for r in await uow.agencies.all_rows()}
    plan.agencies_new, plan.agencies_changed = _new_and_changed(data.agencies, agencies, _agency_fields)
    localities = {r.code: r for r in await uow.localities.all_rows()}
    plan.localities_new, plan.localities_changed = _new_and_changed(data.localities, localities, locality_summary)
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
        await uow.rules.remove(removed["id"])
    for rule in plan.rules_new:
        await uow.rules.add(**rule)
    await uow.flush()
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
