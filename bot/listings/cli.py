"""`hoanhap listings …`: import a batch from CSV, list, and close, through the service (JSON on stdout)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.app import App
from bot.cli.common import Subparsers, print_json
from bot.listings.errors import MACHINE_LOCALE, ListingError, describe
from bot.listings.imports import check_rows, import_rows, read_table
from bot.listings.service import STATUSES, close_listing, local_today, summaries
from bot.storage.repos.listings import ListingFilter

CLI_ACTOR = "cli"


def _error(error: ListingError, **extra: Any) -> dict[str, Any]:
    return {**extra, "key": error.key, "field": error.field, "error": describe(error, MACHINE_LOCALE)}


async def cmd_import(app: App, args: argparse.Namespace) -> int:
    """Every valid row created (published with --publish); the others reported. Non-zero when none is valid."""
    now = app.clock()
    today = local_today(now, app.settings.timezone)
    try:
        raw = Path(args.file).read_bytes()
    except OSError as error:
        print_json({"created": [], "errors": [{"line": 0, "key": "unreadable", "error": str(error)}]})
        return 2
    async with app.uow() as uow:
        try:
            if await uow.agencies.get_row(args.agency) is None:
                raise ListingError("unknown_agency", "agency", agency=args.agency[:64])
            results = await check_rows(uow, read_table(raw, args.file), today)
        except ListingError as error:
            print_json({"created": [], "errors": [_error(error, line=0)]})
            return 1
        created = await import_rows(
            uow, results, agency_code=args.agency, actor=CLI_ACTOR, now=now, today=today, publish=args.publish
        )
        await uow.commit()
    errors = [_error(r.error, line=r.line) for r in results if r.error is not None]
    print_json({"agency": args.agency, "status": "published" if args.publish else "draft", "created": created,
                "errors": errors})  # fmt: skip
    return 0 if created else 1


async def cmd_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        agency_id = None
        if args.agency:
            agency = await uow.agencies.get_row(args.agency)
            if agency is None:
                print(
                    describe(ListingError("unknown_agency", agency=args.agency[:64]), MACHINE_LOCALE), file=sys.stderr
                )
                return 1
            agency_id = agency.id
        rows = await uow.listings.list(ListingFilter(agency_id=agency_id, status=args.status), limit=100_000)
        data = [s.as_json() for s in await summaries(uow, rows)]
    if args.json:
        print_json(data)
    else:
        for item in data:
            head = f"{item['id']:>6} {item['status']:10} {item['kind']:7} {item['agency']:20}"
            print(f"{head} {item['expires']} {item['title']}")
    return 0


async def cmd_close(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            row = await close_listing(uow, args.id, actor=CLI_ACTOR, now=app.clock())
        except ListingError as error:
            print(describe(error, MACHINE_LOCALE), file=sys.stderr)
            return 1
        [summary] = await summaries(uow, [row])
        await uow.commit()
    print_json(summary.as_json())
    return 0


def register(sub: Subparsers) -> None:
    listings = sub.add_parser("listings", help="jobs and courses offered to people").add_subparsers(
        dest="listings_command", required=True
    )
    imported = listings.add_parser("import", help="create listings from a CSV (or XLSX) file with a header row")
    imported.add_argument("file")
    imported.add_argument("--agency", required=True)
    imported.add_argument("--publish", action="store_true", help="publish at once (else drafts)")
    imported.set_defaults(run=cmd_import)
    listed = listings.add_parser("list")
    listed.add_argument("--agency", default="")
    listed.add_argument("--status", choices=STATUSES, default=None)
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(run=cmd_list)
    closed = listings.add_parser("close")
    closed.add_argument("id", type=int)
    closed.set_defaults(run=cmd_close)
