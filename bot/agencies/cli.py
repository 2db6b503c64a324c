"""`hoanhap agencies …`: list the agencies, draw a code that links an agency's Telegram group, and keep
the Telegram ids of the staff allowed to act in it."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bot.agencies import staff_ids
from bot.app import App
from bot.cli.common import Subparsers, print_json
from bot.messaging.agency_desk import create_link_code
from bot.reference import files as reference_data
from bot.requests.errors import MACHINE_LOCALE, RequestError, describe


async def cmd_agencies_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows = [{f: getattr(r, f) for f in reference_data.AGENCY_FIELDS} for r in await uow.agencies.all_rows()]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['code']:24} {row['kind']:20} {row['name']}")
    return 0


async def cmd_agencies_link_code(app: App, args: argparse.Namespace) -> int:
    hours = args.hours or app.settings.link_code_hours
    async with app.uow() as uow:
        try:
            code = await create_link_code(uow, args.agency, app.clock(), timedelta(hours=hours))
        except RequestError as error:
            print(describe(error, MACHINE_LOCALE), file=sys.stderr)
            return 1
        await uow.commit()
    print(f"One-time code for {args.agency}, valid {hours} hours. In the agency's Telegram group, send:")
    print(f"/lienket {code}")
    print(code)
    return 0


async def cmd_staff_ids(app: App, args: argparse.Namespace) -> int:
    """list | add | remove: JSON out, the list as it stands after the change."""
    now = app.clock()
    async with app.uow() as uow:
        try:
            changed = None
            if args.action == "add":
                changed = await staff_ids.add(uow, args.agency, args.user_id, "cli", now)
            elif args.action == "remove":
                changed = await staff_ids.remove(uow, args.agency, args.user_id, "cli", now)
            listed = await staff_ids.listed(uow, args.agency)
        except RequestError as error:
            print(describe(error, MACHINE_LOCALE), file=sys.stderr)
            return 1
        await uow.commit()
    result: dict[str, object] = {"agency": args.agency, "staff_ids": [row["user_id"] for row in listed]}
    if changed is not None:
        result["changed"] = changed
    print_json(result)
    return 0


def _staff_ids_parser(agencies: Subparsers) -> None:
    parser = agencies.add_parser(
        "staff-ids", help="the Telegram user ids allowed to act in an agency's group (none listed: anyone in it)"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    shown = actions.add_parser("list")
    shown.add_argument("agency")
    shown.set_defaults(run=cmd_staff_ids)
    for name in ("add", "remove"):
        action = actions.add_parser(name)
        action.add_argument("agency")
        action.add_argument("user_id")
        action.set_defaults(run=cmd_staff_ids)


def register(sub: Subparsers) -> None:
    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    al = agencies.add_parser("list")
    al.add_argument("--json", action="store_true")
    al.set_defaults(run=cmd_agencies_list)
    lc = agencies.add_parser("link-code", help="a one-time code that links a Telegram group to an agency")
    lc.add_argument("agency")
    lc.add_argument("--hours", type=int, default=0)
    lc.set_defaults(run=cmd_agencies_link_code)
    _staff_ids_parser(agencies)
