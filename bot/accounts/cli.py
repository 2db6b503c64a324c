"""`hoanhap users …`: staff and admin accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from bot.accounts.service import ROLES, AccountError, create_user, set_password, user_summary
from bot.app import App

ACTOR = "cli"


def _read_password(args: argparse.Namespace) -> str:
    """From standard input (--password-stdin, for scripts) or asked twice at a prompt, never an argument."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise AccountError("the two passwords differ")
    return first


async def cmd_users_add(app: App, args: argparse.Namespace) -> int:
    try:
        password = _read_password(args)
        async with app.uow() as uow:
            row = await create_user(
                uow,
                args.username,
                password,
                args.role,
                app.clock(),
                actor=ACTOR,
                agency_code=args.agency,
                display_name=args.name,
                is_lead=args.lead,
            )
            await uow.commit()
    except AccountError as error:
        print(str(error), file=sys.stderr)
        return 1
    agency = f" of {row.agency_code}" if row.agency_code else ""
    print(f"user {row.username} ({row.role}{agency}) created")
    return 0


async def cmd_users_list(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        rows = await uow.users.all()
        data: list[dict[str, Any]] = [
            {**user_summary(r), "last_login_at": r.last_login_at.isoformat() if r.last_login_at else None} for r in rows
        ]
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    for item in data:
        flags = " lead" if item["is_lead"] else ""
        flags += "" if item["active"] else " DISABLED"
        print(f"{item['username']:<20} {item['role']:<6} {item['agency_code'] or '-':<24}{flags}")
    return 0


async def cmd_users_set_active(app: App, args: argparse.Namespace) -> int:
    active = args.users_command == "enable"
    async with app.uow() as uow:
        row = await uow.users.by_username(args.username)
        if row is None:
            print(f"no user {args.username}", file=sys.stderr)
            return 1
        before = user_summary(row)
        row.active = active
        # Disabling ends every open session at once.
        row.session_version += 0 if active else 1
        row.updated_at = app.clock()
        await uow.audit.add(ACTOR, f"user.{args.users_command}", row.username, app.clock(), before, user_summary(row))
        await uow.commit()
    print(f"user {args.username} {'enabled' if active else 'disabled'}")
    return 0


async def cmd_users_passwd(app: App, args: argparse.Namespace) -> int:
    try:
        password = _read_password(args)
        async with app.uow() as uow:
            row = await uow.users.by_username(args.username)
            if row is None:
                raise AccountError(f"no user {args.username}")
            await set_password(uow, row, password, app.clock(), actor=ACTOR)
            await uow.commit()
    except AccountError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"password of {args.username} changed; their sessions have ended")
    return 0


def add_users_parser(sub: Any) -> None:
    users = sub.add_parser("users", help="staff and admin accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a staff or admin user")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agency", default=None, help="the agency code (required for staff)")
    add.add_argument("--name", default="", help="the name colleagues see")
    add.add_argument("--lead", action="store_true", help="told when a request passes its first-response target")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=cmd_users_add)
    listing = users.add_parser("list")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_users_list)
    for verb in ("disable", "enable"):
        toggle = users.add_parser(verb)
        toggle.add_argument("username")
        toggle.set_defaults(run=cmd_users_set_active)
    passwd = users.add_parser("passwd", help="set a new password (ends the user's sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(run=cmd_users_passwd)
