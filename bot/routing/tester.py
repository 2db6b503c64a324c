"""The rules page's "who gets this?": where a request would go now, decided exactly as the
conversation decides it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.audit.changes import LOCALITY_NAME_CHARS, clean_text, fail
from bot.storage.models import AgencyRow, RoutingRuleRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import Locality, RoutingDecision
from handlers.places import find_localities
from handlers.routing import route
from knowledge_base.faq import REQUEST_CATEGORIES


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
    commune = clean_text(commune, LOCALITY_NAME_CHARS, "ar_err_commune_required", required=True)
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
    rule = await uow.rules.get_row(decision.rule_id) if decision.rule_id is not None else None
    return RouteTest(locality=locality, decision=decision, agency=agency, rule=rule)
