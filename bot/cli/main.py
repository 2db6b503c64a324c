"""The `hoanhap` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.accounts.api_tokens import ApiTokenError, create_token, revoke_token
from bot.accounts.cli import add_users_parser
from bot.accounts.demo import credentials_path, ensure_demo_accounts, remember, remembered
from bot.app import App, create_app
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChannel, ConsoleTransport
from bot.config import Settings
from bot.faq.knowledge import import_entries
from bot.logging_setup import setup_logging
from bot.messaging.agency_desk import create_link_code
from bot.reference import files as reference_data
from bot.requests.cli import add_requests_parser, print_json
from bot.requests.errors import MACHINE_LOCALE, RequestError, describe
from handlers.places import find_localities
from handlers.routing import route
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

Command = Callable[[App, argparse.Namespace], Awaitable[int]]


# -- init and chat -------------------------------------------------------------------------------


async def cmd_init(app: App, args: argparse.Namespace) -> int:
    created: list[tuple[str, str]] = []
    async with app.uow() as uow:
        entries = await uow.faq.count()
        if args.demo:
            counts = await reference_data.apply(
                uow, reference_data.load_file(reference_data.DEMO_FILE), "system:demo", app.clock()
            )
            created = await ensure_demo_accounts(uow, app.clock())
            # Kept before the commit: a crash between the two must not lose a password in use.
            remember(app.settings.data_dir, created)
        await uow.commit()
    print(f"database ready: {app.settings.resolved_database_url()}")
    print(f"knowledge base: {entries} entries")
    if args.demo:
        print(
            f"demo data (fictional): {counts['agencies']} agencies, {counts['localities']} localities, "
            f"{counts['rules']} routing rules"
        )
        if created:
            print(f"demo accounts created: {', '.join(u for u, _ in created)} (see `hoanhap serve` for passwords)")
    return 0


async def cmd_chat(app: App, args: argparse.Namespace) -> int:
    sender = app.sender({CONSOLE: ConsoleTransport(sys.stdout)})
    await ConsoleChannel(app.processor, sender, args.chat_id or app.settings.console_chat_id).run()
    return 0


# -- knowledge base ------------------------------------------------------------------------------


async def _matcher(app: App) -> Any:
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
    matchers: list[tuple[str, Callable[[str], MatchResult]]] = [("Hòa Nhập", matcher.match)]
    if args.baselines:
        entries = list(matcher.entries.values())
        matchers += [(name, PhrasingBaseline(entries, kind).match) for kind, name in BASELINES.items()]
    reports = [(file, name, evaluate(items, match)) for file, items in sets for name, match in matchers]
    _print_eval(reports, args)
    failed = [
        f"{file}: {name}"
        for file, matcher_name, report in reports
        if matcher_name == "Hòa Nhập"
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
            if name != "Hòa Nhập":
                continue
            for question, expect, decision, slug in report.misses:
                print(f"  MISS {file}: {question!r}: expected {list(expect)}, got {decision} {slug}")


async def cmd_kb_export(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        text = dump_entries(await uow.faq.all())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
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


# -- reference data ------------------------------------------------------------------------------


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
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    out = Path(args.out or ".")
    out.mkdir(parents=True, exist_ok=True)
    for kind, rows in data.items():
        (out / f"{kind}.csv").write_text(reference_data.to_csv(kind, rows), encoding="utf-8")
        print(out / f"{kind}.csv")
    return 0


async def cmd_agencies_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows = [{f: getattr(r, f) for f in reference_data.AGENCY_FIELDS} for r in await uow.agencies.all_rows()]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['code']:24} {row['kind']:20} {row['name']}")
    return 0


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


# -- API tokens ----------------------------------------------------------------------------------


async def cmd_tokens_create(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            token = await create_token(uow, args.agency, args.label, "cli", app.clock())
        except ApiTokenError as error:
            print(str(error), file=sys.stderr)
            return 1
        await uow.commit()
    print(f"API token for {args.agency}. It is shown only now and cannot be recovered; store it safely.")
    print("Agencies send it as the header  Authorization: Bearer <token>  to /api/v1.")
    # Last line, alone: scripts take it with `tail -1`.
    print(token)
    return 0


async def cmd_tokens_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "agency": r.agency_code,
                "prefix": r.prefix,
                "label": r.label,
                "created_at": r.created_at.isoformat(),
                "created_by": r.created_by,
                "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in await uow.api_tokens.all()
        ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            state = f"revoked {row['revoked_at'][:16]}" if row["revoked_at"] else "active"
            used = row["last_used_at"][:16] if row["last_used_at"] else "never used"
            print(
                f"{row['id']:>4}  {row['agency']:20} {row['prefix']}…  {row['created_at'][:16]}  {used:16}  "
                f"{state:24} {row['label']}"
            )
    return 0


async def cmd_tokens_revoke(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            row = await revoke_token(uow, args.id, "cli", app.clock())
        except ApiTokenError as error:
            print(str(error), file=sys.stderr)
            return 1
        await uow.commit()
    print(f"token {row.id} ({row.prefix}…, {row.agency_code}) revoked")
    return 0


# -- serving and channels ------------------------------------------------------------------------


async def cmd_serve(app: App, args: argparse.Namespace) -> int:
    from bot.runtime import serve  # the web and channel stack loads only for the commands that need it

    base = app.settings.base_url()
    print(f"Hòa Nhập on {base}  (health: /healthz, /readyz)", flush=True)
    print(f"  web chat (for people):     {base}/", flush=True)
    print(f"  staff workspace:           {base}/staff", flush=True)
    print(f"  admin console:             {base}/admin", flush=True)
    print(f"  agency API (OpenAPI):      {base}/api/v1/openapi.json", flush=True)
    demo = remembered(app.settings.data_dir)
    if demo:
        print(f"  demo accounts (from {credentials_path(app.settings.data_dir)}):", flush=True)
        for username, password in demo:
            print(f"    {username:<10} {password}", flush=True)
    if app.settings.telegram_token is None:
        print("Telegram: off (set HOANHAP_TELEGRAM_TOKEN to turn it on)", flush=True)
    elif app.settings.telegram_webhook_url:
        print(f"Telegram: webhook at {app.settings.telegram_webhook_url}", flush=True)
    else:
        print("Telegram: long polling", flush=True)
    await serve(app)
    return 0


async def cmd_worker(app: App, args: argparse.Namespace) -> int:
    from bot.runtime import run_worker

    stop = asyncio.Event()
    await run_worker(app, stop)
    return 0


async def cmd_telegram_set_webhook(app: App, args: argparse.Namespace) -> int:
    from bot.channels.telegram.client import make_bot
    from bot.runtime import set_telegram_webhook

    token = app.settings.telegram_token
    if token is None or not token.get_secret_value():
        print("HOANHAP_TELEGRAM_TOKEN is not set", file=sys.stderr)
        return 2
    bot = make_bot(token.get_secret_value(), app.settings.telegram_api_base)
    try:
        target = await set_telegram_webhook(app, bot)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    finally:
        await bot.session.close()
    print(f"webhook registered: {target} (its secret is kept in the database)")
    return 0


async def cmd_zalo_set_webhook(app: App, args: argparse.Namespace) -> int:
    from bot.channels.zalo.bot_platform import ZaloBotError
    from bot.runtime import set_zalo_webhook

    try:
        target = await set_zalo_webhook(app, args.url)
    except (ValueError, ZaloBotError) as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"Zalo webhook registered: {target} (its secret is kept in the database)")
    return 0


async def cmd_zalo_oa_token(app: App, args: argparse.Namespace) -> int:
    # Read from standard input when not given, so the tokens need not sit in shell history.
    access = args.access_token or sys.stdin.readline().strip()
    refresh = args.refresh_token or sys.stdin.readline().strip()
    if not access or not refresh:
        print("give the access token and the refresh token (options, or two lines on standard input)", file=sys.stderr)
        return 2
    async with app.uow() as uow:
        await uow.zalo_tokens.store(access, refresh, app.clock())
        await uow.audit.add("cli", "zalo.oa_token", "zalo_oa_tokens", app.clock())
        await uow.commit()
    print("Zalo OA token pair stored")
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


# -- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hoanhap", description="Hòa Nhập: trợ lý tái hòa nhập cộng đồng")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create or migrate the database and load the shipped knowledge base")
    init.add_argument("--demo", action="store_true", help="also load the fictional demo province")
    init.set_defaults(run=cmd_init)

    chat = sub.add_parser("chat", help="talk to the assistant in the terminal (reads standard input)")
    chat.add_argument("--chat-id", default="", help="conversation id (default: HOANHAP_CONSOLE_CHAT_ID)")
    chat.set_defaults(run=cmd_chat)

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

    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    al = agencies.add_parser("list")
    al.add_argument("--json", action="store_true")
    al.set_defaults(run=cmd_agencies_list)
    lc = agencies.add_parser("link-code", help="a one-time code that links a Telegram group to an agency")
    lc.add_argument("agency")
    lc.add_argument("--hours", type=int, default=0)
    lc.set_defaults(run=cmd_agencies_link_code)

    localities = sub.add_parser("localities").add_subparsers(dest="localities_command", required=True)
    ll = localities.add_parser("list")
    ll.add_argument("--json", action="store_true")
    ll.set_defaults(run=cmd_localities_list)

    rt = sub.add_parser("route", help="which agency would receive a request")
    rt.add_argument("category")
    rt.add_argument("locality", help="a locality code, or its name (old names too)")
    rt.set_defaults(run=cmd_route)

    add_requests_parser(sub)
    add_users_parser(sub)
    tokens = sub.add_parser("tokens", help="API tokens of agencies' case systems").add_subparsers(
        dest="tokens_command", required=True
    )
    token_create = tokens.add_parser("create", help="a new token for an agency, printed once (last line)")
    token_create.add_argument("--agency", required=True)
    token_create.add_argument("--label", default="", help="whose system uses it, e.g. 'case system v2'")
    token_create.set_defaults(run=cmd_tokens_create)
    token_list = tokens.add_parser("list", help="every token (never the token itself)")
    token_list.add_argument("--json", action="store_true")
    token_list.set_defaults(run=cmd_tokens_list)
    token_revoke = tokens.add_parser("revoke", help="stop a token working, at once")
    token_revoke.add_argument("id", type=int)
    token_revoke.set_defaults(run=cmd_tokens_revoke)
    sv = sub.add_parser("serve", help="web server, channels whose settings are present, and the outbox sender")
    sv.set_defaults(run=cmd_serve)
    sub.add_parser("worker", help="only the outbox sender").set_defaults(run=cmd_worker)
    telegram = sub.add_parser("telegram").add_subparsers(dest="telegram_command", required=True)
    telegram.add_parser("set-webhook", help="register HOANHAP_TELEGRAM_WEBHOOK_URL with a new secret").set_defaults(
        run=cmd_telegram_set_webhook
    )
    zalo = sub.add_parser("zalo").add_subparsers(dest="zalo_command", required=True)
    zw = zalo.add_parser("set-webhook", help="register our Zalo Bot Platform webhook under a new secret")
    zw.add_argument("url", help="the public base URL of this server (…/zalo/webhook is added)")
    zw.set_defaults(run=cmd_zalo_set_webhook)
    zt = zalo.add_parser("oa-token", help="store the Zalo Official Account token pair")
    zt.add_argument("--access-token", default="")
    zt.add_argument("--refresh-token", default="")
    zt.set_defaults(run=cmd_zalo_oa_token)
    return parser


async def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    app = await create_app(settings)
    try:
        run: Command = args.run
        return await run(app, args)
    finally:
        await app.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(Settings().log_level)
    # Windows consoles and pipes may default to a legacy code page; Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(encoding="utf-8", errors="replace")
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`hoanhap kb match | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
