"""`hoanhap requests ...`: list, show, and act on requests from the command line, through the service."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import App
from bot.cli.common import Subparsers, print_json
from bot.requests.errors import MACHINE_LOCALE, RequestError, describe
from bot.requests.service import Reader, change_status, reply, visible
from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import STATUSES


def _request_summary(row: RequestRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "category": row.category,
        "status": row.status,
        "agency": row.agency_code,
        "agency_code": row.agency_code,
        "locality": row.locality_code,
        "locality_code": row.locality_code,
        "created_at": row.created_at.isoformat(),
    }


async def cmd_requests_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows = await uow.requests.list_rows(agency=args.agency, status=args.status)
    data = [_request_summary(r) for r in rows]
    if args.json:
        print_json(data)
    else:
        for item in data:
            print(f"{item['code']}  {item['status']:12} {item['category']:12} {item['agency']:20} {item['created_at']}")
    return 0


async def cmd_requests_show(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            # The operator of the command line sees every agency's requests, as an admin does.
            row = await visible(uow, args.code, Reader(None, every_agency=True))
        except RequestError as error:
            print(describe(error, MACHINE_LOCALE), file=sys.stderr)
            return 1
        events = await uow.requests.events(row.id)
        # Reading a person's request from the command line is a view like any other: recorded.
        await uow.request_views.record(row.id, args.actor, "cli", app.clock())
        await uow.commit()
    data = {
        **_request_summary(row),
        "description": row.description,
        "phone": row.phone,
        "name": row.name,
        "contact_time": row.contact_time,
        "routing": row.routing,
        "events": [
            {"type": e.type, "time": e.created_at.isoformat(), "actor": e.actor, "data": e.data} for e in events
        ],
    }
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            if key != "events":
                print(f"{key}: {value}")
        for event in data["events"]:
            print(f"  {event['time']}  {event['type']}  {event['actor']}")
    return 0


async def _staff_action(app: App, action: Callable[[UnitOfWork], Awaitable[object]]) -> int:
    async with app.uow() as uow:
        try:
            await action(uow)
        except RequestError as error:
            print(describe(error, MACHINE_LOCALE), file=sys.stderr)
            return 1
        await uow.commit()
    print("ok")
    return 0


async def cmd_requests_status(app: App, args: argparse.Namespace) -> int:
    return await _staff_action(
        app, lambda uow: change_status(uow, app.texts, args.code, args.status, f"cli:{args.actor}", app.clock())
    )


async def cmd_requests_reply(app: App, args: argparse.Namespace) -> int:
    return await _staff_action(
        app, lambda uow: reply(uow, app.texts, args.code, args.text, f"cli:{args.actor}", app.clock())
    )


def register(sub: Subparsers) -> None:
    requests = sub.add_parser("requests").add_subparsers(dest="requests_command", required=True)
    rl = requests.add_parser("list")
    rl.add_argument("--agency", default=None)
    rl.add_argument("--status", default=None, choices=STATUSES)
    rl.add_argument("--json", action="store_true")
    rl.set_defaults(run=cmd_requests_list)
    rs = requests.add_parser("show")
    rs.add_argument("code")
    rs.add_argument("--json", action="store_true")
    rs.add_argument("--actor", default="operator", help="who is reading (recorded)")
    rs.set_defaults(run=cmd_requests_show)
    rst = requests.add_parser("status", help="change a request's status; the person is told")
    rst.add_argument("code")
    rst.add_argument("status", choices=STATUSES)
    rst.add_argument("--actor", default="operator")
    rst.set_defaults(run=cmd_requests_status)
    rr = requests.add_parser("reply", help="reply to the person through the bot")
    rr.add_argument("code")
    rr.add_argument("text")
    rr.add_argument("--actor", default="operator")
    rr.set_defaults(run=cmd_requests_reply)
