"""`hoanhap retention run [--dry-run]`: one retention round now, its counts by kind as JSON."""

from __future__ import annotations

import argparse
import json

from bot.app import App
from bot.cli.common import Subparsers
from bot.privacy.retention import retention_round, run_retention


async def cmd_retention_run(app: App, args: argparse.Namespace) -> int:
    if args.dry_run:
        # Counted in a unit of work that is never committed.
        async with app.uow() as uow:
            report = await run_retention(uow, app.settings, app.clock(), dry_run=True)
    else:
        report = await retention_round(app.database, app.settings, app.clock())
    print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0


def register(sub: Subparsers) -> None:
    retention = sub.add_parser("retention", help="erase what has been kept long enough")
    actions = retention.add_subparsers(dest="retention_command", required=True)
    run = actions.add_parser("run", help="one retention round now (a daily one runs in serve and worker)")
    run.add_argument("--dry-run", action="store_true", help="count what would be erased, erase nothing")
    run.set_defaults(run=cmd_retention_run)
