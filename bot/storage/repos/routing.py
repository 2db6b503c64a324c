"""The routing rules that send a request to an agency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from bot.storage.models import RoutingRuleRow
from bot.storage.repos.base import _Repo
from handlers.domain import Rule


class RuleRepo(_Repo):
    async def active_rules(self) -> list[Rule]:
        statement = select(RoutingRuleRow).where(RoutingRuleRow.active.is_(True)).order_by(RoutingRuleRow.id)
        return [
            Rule(r.id, r.agency_code, r.category, r.locality_code, r.province)
            for r in (await self._session.execute(statement)).scalars()
        ]

    async def get_row(self, rule_id: int) -> RoutingRuleRow | None:
        return await self._session.get(RoutingRuleRow, rule_id)

    async def all_rows(self) -> list[RoutingRuleRow]:
        return list((await self._session.execute(select(RoutingRuleRow).order_by(RoutingRuleRow.id))).scalars())

    async def replace_all(self, rules: Sequence[dict[str, Any]]) -> None:
        await self._session.execute(delete(RoutingRuleRow))
        for rule in rules:
            self._session.add(RoutingRuleRow(**rule))
        await self._session.flush()

    async def add(self, **fields: Any) -> RoutingRuleRow:
        row = RoutingRuleRow(**fields)
        self._session.add(row)
        await self._session.flush()
        return row

    async def remove(self, rule_id: int) -> None:
        await self._session.execute(delete(RoutingRuleRow).where(RoutingRuleRow.id == rule_id))
