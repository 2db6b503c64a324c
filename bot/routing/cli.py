"""`hoanhap route`: which agency a request of this category from this locality would reach, and why."""

from __future__ import annotations

import argparse
import sys

from bot.app import App
from bot.cli.common import Subparsers
from handlers.places import find_localities
from handlers.routing import route


async def cmd_route(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        locality = await uow.localities.get(args.locality)
        if locality is None:
            # Not a code: a name as people write it, old (pre-merger) names included.
            found, sure = find_localities(args.locality, await uow.localities.all())
            locality = found[0] if sure else None
        if locality is None:
            print(f"no locality {args.locality}", file=sys.stderr)
            return 2
        decision = route(args.category, locality, await uow.rules.active_rules())
        agency = await uow.agencies.get(decision.agency_code) if decision else None
    if decision is None:
        print("no rule covers this request", file=sys.stderr)
        return 1
    print(f"locality: {locality.code} ({locality.name}, {locality.province})")
    print(f"agency: {decision.agency_code} ({agency.name if agency else '?'})")
    print(f"rule:   {decision.reason}")
    return 0


def register(sub: Subparsers) -> None:
    rt = sub.add_parser("route", help="which agency would receive a request")
    rt.add_argument("category")
    rt.add_argument("locality", help="a locality code, or its name (old names too)")
    rt.set_defaults(run=cmd_route)
