"""`hoanhap data …`: the reference data (agencies, localities, routing rules) in and out as files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from bot.app import App
from bot.cli.common import Subparsers, write_out
from bot.reference import files as reference_data


async def cmd_data_import(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            for name in args.files:
                counts = await reference_data.apply(uow, reference_data.load_file(Path(name)), "cli", app.clock())
                print(f"{name}: {counts}")
        except (OSError, yaml.YAMLError, reference_data.ReferenceDataError) as error:
            print(f"cannot import: {error}", file=sys.stderr)
            return 2
        await uow.commit()
    return 0


async def cmd_data_export(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        data = await reference_data.export(uow)
    if args.format == "yaml":
        write_out(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), args.out)
        return 0
    out = Path(args.out or ".")
    out.mkdir(parents=True, exist_ok=True)
    for kind, rows in data.items():
        (out / f"{kind}.csv").write_text(reference_data.to_csv(kind, rows), encoding="utf-8")
        print(out / f"{kind}.csv")
    return 0


def register(sub: Subparsers) -> None:
    data = sub.add_parser("data", help="agencies, localities, routing rules").add_subparsers(
        dest="data_command", required=True
    )
    di = data.add_parser("import", help="YAML, or agencies.csv / localities.csv / rules.csv")
    di.add_argument("files", nargs="+")
    di.set_defaults(run=cmd_data_import)
    de = data.add_parser("export")
    de.add_argument("--format", choices=("yaml", "csv"), default="yaml")
    de.add_argument("--out", default="", help="file for YAML, folder for CSV")
    de.set_defaults(run=cmd_data_export)
