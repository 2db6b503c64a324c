"""`hoanhap localities list`: the communes and wards requests are routed by."""

from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers, print_json
from bot.reference import files as reference_data


async def cmd_localities_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows = [{f: getattr(r, f) for f in reference_data.LOCALITY_FIELDS} for r in await uow.localities.all_rows()]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            aliases = f" (trước đây: {', '.join(row['aliases'])})" if row["aliases"] else ""
            print(f"{row['code']:20} {row['name']}, {row['province']}{aliases}")
    return 0


def register(sub: Subparsers) -> None:
    localities = sub.add_parser("localities").add_subparsers(dest="localities_command", required=True)
    ll = localities.add_parser("list")
    ll.add_argument("--json", action="store_true")
    ll.set_defaults(run=cmd_localities_list)
