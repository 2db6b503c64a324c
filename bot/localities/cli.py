"""`hoanhap localities list`: the communes and wards requests are routed by; `hoanhap localities import
--province P`: a real province's communes, with their pre-2025 names, from the data shipped with us."""

from __future__ import annotations

import argparse
import sys

from bot.app import App
from bot.cli.common import Subparsers, print_json, reader_locale
from bot.localities.errors import LocalityError, describe, say
from bot.localities.service import import_province
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


async def cmd_localities_import(app: App, args: argparse.Namespace) -> int:
    locale = reader_locale()
    async with app.uow() as uow:
        try:
            result = await import_province(uow, args.province, args.actor, app.clock(), dry_run=args.dry_run)
        except LocalityError as error:
            print(describe(error, locale), file=sys.stderr)
            return 2
        if not args.dry_run:
            await uow.commit()
    if args.json:
        print_json(result.as_json())
        return 0
    values = result.as_json()
    print(say(locale, "import_done" if result.changed else "import_nothing_changed", **values))
    if args.dry_run:
        print(say(locale, "import_dry_run"))
    return 0


def register(sub: Subparsers) -> None:
    localities = sub.add_parser("localities").add_subparsers(dest="localities_command", required=True)
    ll = localities.add_parser("list")
    ll.add_argument("--json", action="store_true")
    ll.set_defaults(run=cmd_localities_list)
    li = localities.add_parser("import", help="a real province's communes and their pre-2025 names")
    li.add_argument("--province", required=True, help='its name, with or without marks: "Bắc Ninh", "bac ninh"')
    li.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
    li.add_argument("--json", action="store_true")
    li.add_argument("--actor", default="cli", help="who the audit log names")
    li.set_defaults(run=cmd_localities_import)
