"""Routing: (category, commune) -> agency, most specific rule first, over the demo data."""

from __future__ import annotations

import pytest

from bot.app import App
from handlers.domain import Locality, Rule
from handlers.routing import route

DEMO_TABLE = [
    # category       commune            -> agency                   scope
    ("employment", "mh-an-hoa", "demo-vieclam", "any"),
    ("training", "mh-kim-dien", "demo-vieclam", "any"),
    ("loan", "mh-binh-minh", "demo-nhcsxh", "any"),
    ("papers", "mh-an-hoa", "demo-congan", "any"),
    ("papers", "mh-binh-minh", "demo-congan-binhminh", "locality"),
    ("obligations", "mh-binh-minh", "demo-congan", "any"),
    ("social", "mh-hai-son", "demo-ubnd", "any"),
    ("legal", "mh-ngoc-lam", "demo-tgpl", "any"),
    ("question", "mh-gia-loc", "demo-dieuphoi", "province"),
]


@pytest.mark.parametrize(("category", "locality", "agency", "scope"), DEMO_TABLE)
async def test_demo_routing_table(demo_app: App, category: str, locality: str, agency: str, scope: str) -> None:
    async with demo_app.uow() as uow:
        place = await uow.localities.get(locality)
        assert place is not None
        decision = route(category, place, await uow.rules.active_rules())
    assert decision is not None
    assert (decision.agency_code, decision.scope) == (agency, scope)


async def test_every_category_reaches_an_agency_in_every_demo_commune(demo_app: App) -> None:
    async with demo_app.uow() as uow:
        rules = await uow.rules.active_rules()
        for place in await uow.localities.all():
            for category in ("employment", "training", "loan", "papers", "social", "legal", "obligations", "question"):
                assert route(category, place, rules) is not None, (category, place.code)


async def test_a_rule_change_takes_effect_without_restart(demo_app: App) -> None:
    async with demo_app.uow() as uow:
        await uow.rules.add(
            category="employment", locality_code="mh-an-hoa", agency_code="demo-ubnd", active=True, note=""
        )
        await uow.commit()
    # the same running app, the next request: rules are read per message, not cached at start
    async with demo_app.uow() as uow:
        place = await uow.localities.get("mh-an-hoa")
        assert place is not None
        decision = route("employment", place, await uow.rules.active_rules())
    assert decision is not None and decision.agency_code == "demo-ubnd"


PLACE = Locality("c1", "Xã Một", "Tỉnh A")
OTHER = Locality("c2", "Xã Hai", "Tỉnh B")
RULES = [
    Rule(1, "fallback"),
    Rule(2, "province-any", province="Tỉnh A"),
    Rule(3, "loan-anywhere", category="loan"),
    Rule(4, "loan-in-a", category="loan", province="Tỉnh A"),
    Rule(5, "loan-in-c1", category="loan", locality_code="c1"),
    Rule(6, "loan-in-c1-later", category="loan", locality_code="c1"),
]

PURE_TABLE = [
    ("loan", PLACE, "loan-in-c1"),  # commune beats province beats anywhere; ties go to the older rule
    ("loan", OTHER, "loan-anywhere"),
    ("papers", PLACE, "province-any"),  # no rule for the category: the commune's catch-all
    ("papers", OTHER, "fallback"),  # nothing at all: the fallback queue
]


@pytest.mark.parametrize(("category", "place", "agency"), PURE_TABLE)
def test_most_specific_rule_wins(category: str, place: Locality, agency: str) -> None:
    decision = route(category, place, RULES)
    assert decision is not None and decision.agency_code == agency


def test_no_rules_no_route() -> None:
    assert route("loan", PLACE, []) is None
