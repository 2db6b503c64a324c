"""Which agency receives a request: a pure function of (category, locality) over rules that are data."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.domain import Locality, RoutingDecision, Rule


def _scope(rule: Rule, locality: Locality) -> tuple[int, str] | None:
    """How specifically a rule covers a locality (higher wins), or None when it does not apply."""
    if rule.locality_code is not None:
        return (2, "locality") if rule.locality_code == locality.code else None
    if rule.province is not None:
        return (1, "province") if rule.province == locality.province else None
    return (0, "any")


def route(category: str, locality: Locality, rules: Sequence[Rule]) -> RoutingDecision | None:
    """Most specific rule first: the category before any-category, then commune, province, anywhere.

    Ties go to the lowest rule id so the answer never depends on the order rows come back in.
    """
    best: tuple[tuple[int, int, int], Rule, str] | None = None
    for rule in rules:
        if rule.category is not None and rule.category != category:
            continue
        scope = _scope(rule, locality)
        if scope is None:
            continue
        rank = (1 if rule.category is not None else 0, scope[0], -rule.id)
        if best is None or rank > best[0]:
            best = (rank, rule, scope[1])
    if best is None:
        return None
    _, rule, scope_name = best
    category_part = rule.category or "*"
    place = {"locality": rule.locality_code, "province": rule.province, "any": "*"}[scope_name]
    return RoutingDecision(rule.agency_code, rule.id, scope_name, f"rule #{rule.id}: {category_part} x {place}")
