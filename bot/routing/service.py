"""Routing rules from the admin console: which agency gets a category of request from a commune or
a province. Routing reads the rules on every message, so a saved rule applies to the next request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.audit.changes import NotFound, clean_text, fail, save_changes
from bot.localities.service import provinces
from bot.storage.models import RoutingRuleRow
from bot.storage.repos.meta import REFERENCE_REVISION
from bot.storage.unit_of_work import UnitOfWork
from knowledge_base.faq import REQUEST_CATEGORIES

# Not a column limit, only sanity: a note says in a line why the rule exists.
NOTE_CHARS = 500


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
        "note": clean_text(data.note, NOTE_CHARS, ""),
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
    row = await uow.rules.get_row(rule_id)
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
    return await save_changes(uow, row, fields, rule_summary, "rule.update", f"rule:{row.id}", actor, now)


async def set_rule_active(uow: UnitOfWork, rule_id: int, active: bool, actor: str, now: datetime) -> RoutingRuleRow:
    row = await get_rule(uow, rule_id)
    fields = {**rule_summary(row), "active": active}
    fields.pop("id")
    await _refuse_shadowing(uow, fields, rule_id)
    action = "rule.activate" if active else "rule.deactivate"
    return await save_changes(uow, row, fields, rule_summary, action, f"rule:{row.id}", actor, now)
