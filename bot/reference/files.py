"""Agencies, localities and routing rules as files (YAML or CSV) and in the database.

A province loads its real lists with `hoanhap data import`; the demo loads bot/data/demo.yaml.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import REQUEST_CATEGORIES
from knowledge_base.yaml_io import load_yaml

DEMO_FILE = Path(__file__).parent.parent / "data" / "demo.yaml"
AGENCY_FIELDS = ("code", "name", "kind", "contact", "hours", "first_response_hours", "resolution_hours", "active")
LOCALITY_FIELDS = ("code", "name", "province", "aliases")
RULE_FIELDS = ("category", "locality_code", "province", "agency_code", "active", "note")
# In CSV, a locality's aliases share one cell.
ALIAS_SEPARATOR = "|"


class ReferenceDataError(ValueError):
    pass


@dataclass
class ReferenceData:
    agencies: list[dict[str, Any]] = field(default_factory=list)
    localities: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] | None = None

    def validate(self, known_agencies: set[str] | None = None) -> None:
        problems: list[str] = []
        codes = {str(a.get("code") or "") for a in self.agencies} | (known_agencies or set())
        for kind, rows in (("agency", self.agencies), ("locality", self.localities)):
            seen: set[str] = set()
            for row in rows:
                code = str(row.get("code") or "").strip()
                if not code or not str(row.get("name") or "").strip():
                    problems.append(f"{kind} without code or name: {row}")
                if code in seen:
                    problems.append(f"duplicate {kind} code {code}")
                seen.add(code)
        for row in self.localities:
            if not str(row.get("province") or "").strip():
                problems.append(f"locality {row.get('code')} has no province")
        for rule in self.rules or []:
            if rule.get("agency_code") not in codes:
                problems.append(f"rule {rule} names an unknown agency")
            if rule.get("category") not in (None, *REQUEST_CATEGORIES):
                problems.append(f"rule {rule} names an unknown category")
            if rule.get("locality_code") and rule.get("province"):
                problems.append(f"rule {rule} names both a locality and a province")
        if problems:
            raise ReferenceDataError("; ".join(problems))


def _blank_to_none(value: Any) -> Any:
    return None if value in ("", "*", "any") else value


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "khong", "không")


def _agency(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": str(row["code"]).strip(),
        "name": str(row["name"]).strip(),
        "kind": str(row.get("kind") or "other").strip(),
        "contact": str(row.get("contact") or ""),
        "hours": str(row.get("hours") or ""),
        "first_response_hours": int(row.get("first_response_hours") or 8),
        "resolution_hours": int(row.get("resolution_hours") or 80),
        "active": _as_bool(row.get("active", True)),
    }


def _locality(row: dict[str, Any]) -> dict[str, Any]:
    aliases = row.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(ALIAS_SEPARATOR) if a.strip()]
    return {
        "code": str(row["code"]).strip(),
        "name": str(row["name"]).strip(),
        "province": str(row["province"]).strip(),
        "aliases": [str(a) for a in aliases],
    }


def _rule(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": _blank_to_none(row.get("category")),
        "locality_code": _blank_to_none(row.get("locality_code")),
        "province": _blank_to_none(row.get("province")),
        "agency_code": str(row.get("agency_code") or "").strip(),
        "active": _as_bool(row.get("active", True)),
        "note": str(row.get("note") or ""),
    }


def from_mapping(data: Any) -> ReferenceData:
    if not isinstance(data, dict):
        raise ReferenceDataError("expected a mapping with agencies, localities and/or rules")
    try:
        return ReferenceData(
            agencies=[_agency(r) for r in data.get("agencies") or []],
            localities=[_locality(r) for r in data.get("localities") or []],
            rules=[_rule(r) for r in data["rules"]] if "rules" in data else None,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ReferenceDataError(f"bad row: {error}") from error


def load_file(path: Path) -> ReferenceData:
    """A YAML file with all three lists, or a CSV named agencies.csv / localities.csv / rules.csv."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        return from_mapping(load_yaml(text))
    if path.suffix.lower() == ".csv":
        kind = path.stem.lower()
        if kind not in ("agencies", "localities", "rules"):
            raise ReferenceDataError(f"{path.name}: a CSV file must be named agencies.csv, localities.csv or rules.csv")
        return from_mapping({kind: list(csv.DictReader(io.StringIO(text)))})
    raise ReferenceDataError(f"{path.name}: expected .yaml, .yml or .csv")


async def apply(uow: UnitOfWork, data: ReferenceData, actor: str, now: datetime) -> dict[str, int]:
    """Upsert agencies and localities by code; rules, when given, replace the current set."""
    known = {a.code for a in await uow.agencies.all_rows()}
    data.validate(known)
    for agency in data.agencies:
        await uow.agencies.upsert(**agency)
    for locality in data.localities:
        await uow.localities.upsert(**locality)
    if data.rules is not None:
        await uow.rules.replace_all(data.rules)
    counts = {"agencies": len(data.agencies), "localities": len(data.localities), "rules": len(data.rules or [])}
    await uow.meta.bump(REFERENCE_REVISION)
    await uow.audit.add(actor, "data.import", "reference data", now, after=counts)
    return counts


async def export(uow: UnitOfWork) -> dict[str, list[dict[str, Any]]]:
    return {
        "agencies": [{f: getattr(r, f) for f in AGENCY_FIELDS} for r in await uow.agencies.all_rows()],
        "localities": [{f: getattr(r, f) for f in LOCALITY_FIELDS} for r in await uow.localities.all_rows()],
        "rules": [{f: getattr(r, f) for f in RULE_FIELDS} for r in await uow.rules.all_rows()],
    }


def to_csv(kind: str, rows: list[dict[str, Any]]) -> str:
    fields = {"agencies": AGENCY_FIELDS, "localities": LOCALITY_FIELDS, "rules": RULE_FIELDS}[kind]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ALIAS_SEPARATOR.join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in row.items()}
        )
    return out.getvalue()
