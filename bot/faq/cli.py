"""`hoanhap kb …`: the knowledge base from the command line (match, evaluate, export, import)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.app import App
from bot.cli.common import Subparsers, print_json, write_out
from bot.faq.knowledge import import_entries
from knowledge_base.baselines import BASELINES, PhrasingBaseline
from knowledge_base.evaluation import (
    TABLE_HEADER,
    Labelled,
    Report,
    evaluate,
    format_report,
    read_labelled,
    table_row,
)
from knowledge_base.faq import KnowledgeBaseError, dump_entries, load_directory, load_file
from knowledge_base.matcher import Matcher, MatchResult

OURS = "Hòa Nhập"


async def _matcher(app: App) -> Matcher:
    async with app.uow() as uow:
        return await app.kb.current(uow)


async def cmd_kb_match(app: App, args: argparse.Namespace) -> int:
    matcher = await _matcher(app)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            question = str(json.loads(line)["q"])
        except (ValueError, KeyError, TypeError):
            print(f'line {number}: expected {{"q": "..."}}', file=sys.stderr)
            return 2
        sys.stdout.write(json.dumps(matcher.match(question).to_json(), ensure_ascii=False) + "\n")
    return 0


async def cmd_kb_eval(app: App, args: argparse.Namespace) -> int:
    matcher = Matcher(load_directory(), app.kb.normalizer, app.kb.settings) if args.shipped else await _matcher(app)
    sets: list[tuple[str, list[Labelled]]] = []
    for file in args.files:
        try:
            sets.append((file, read_labelled(Path(file).read_text(encoding="utf-8").splitlines())))
        except (OSError, ValueError) as error:
            print(f"cannot read {file}: {error}", file=sys.stderr)
            return 2
    matchers: list[tuple[str, Callable[[str], MatchResult]]] = [(OURS, matcher.match)]
    if args.baselines:
        entries = list(matcher.entries.values())
        matchers += [(name, PhrasingBaseline(entries, kind).match) for kind, name in BASELINES.items()]
    reports = [(file, name, evaluate(items, match)) for file, items in sets for name, match in matchers]
    _print_eval(reports, args)
    failed = [
        f"{file}: {name}"
        for file, matcher_name, report in reports
        if matcher_name == OURS
        for name, ok in (
            ("answered correctly", report.correct_rate >= args.min_correct),
            ("wrong answers", report.wrong_rate <= args.max_wrong),
            ("out-of-scope rejection", report.rejection_rate >= args.min_rejection),
        )
        if not ok
    ]
    if failed:
        print(f"below the bar: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _print_eval(reports: list[tuple[str, str, Report]], args: argparse.Namespace) -> None:
    if args.json:
        rows = [
            {
                "file": file,
                "matcher": name,
                **report.summary(),
                "confusion": [[e, g, n] for (e, g), n in report.confusion.most_common()],
            }
            for file, name, report in reports
        ]
        print_json(rows[0] if len(rows) == 1 else rows)
        return
    if len(reports) == 1:
        print(format_report(reports[0][2]))
    else:
        print("\n".join([*TABLE_HEADER, *(table_row(file, name, report) for file, name, report in reports)]))
    if args.verbose:
        for file, name, report in reports:
            if name != OURS:
                continue
            for question, expect, decision, slug in report.misses:
                print(f"  MISS {file}: {question!r}: expected {list(expect)}, got {decision} {slug}")


async def cmd_kb_export(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        text = dump_entries(await uow.faq.all())
    write_out(text, args.out)
    return 0


async def cmd_kb_import(app: App, args: argparse.Namespace) -> int:
    try:
        entries = load_file(Path(args.file))
    except (OSError, yaml.YAMLError, KnowledgeBaseError) as error:
        print(f"cannot import {args.file}: {error}", file=sys.stderr)
        return 2
    async with app.uow() as uow:
        created, updated = await import_entries(uow, entries, app.clock(), "cli")
        await uow.commit()
    print(f"imported {len(entries)} entries: {created} new, {updated} changed")
    return 0


def register(sub: Subparsers) -> None:
    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    kb.add_parser("match", help='JSON lines {"q": ...} in, one decision per line out').set_defaults(run=cmd_kb_match)
    ev = kb.add_parser("eval", help='accuracy on JSON lines {"q": ..., "expect": [slugs]}')
    ev.add_argument("files", nargs="+", metavar="FILE")
    ev.add_argument("--baselines", action="store_true", help="the two string-similarity baselines beside ours")
    ev.add_argument("--shipped", action="store_true", help="the shipped content rather than the database's")
    ev.add_argument("--min-correct", type=float, default=0.0)
    ev.add_argument("--max-wrong", type=float, default=1.0)
    ev.add_argument("--min-rejection", type=float, default=0.0)
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--verbose", "-v", action="store_true", help="list every question not answered correctly")
    ev.set_defaults(run=cmd_kb_eval)
    ex = kb.add_parser("export", help="the knowledge base as YAML")
    ex.add_argument("--out", default="")
    ex.set_defaults(run=cmd_kb_export)
    im = kb.add_parser("import", help="create or update entries from YAML")
    im.add_argument("file")
    im.set_defaults(run=cmd_kb_import)
