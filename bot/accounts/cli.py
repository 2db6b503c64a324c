"""`hoanhap users …` and `hoanhap tokens …`: staff and admin accounts, and agencies' API tokens, from the
command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.accounts import two_factor
from bot.accounts.api_tokens import ApiTokenError, create_token, revoke_token
from bot.accounts.service import ROLES, AccountError, create_user, set_password, user_summary
from bot.app import App
from bot.cli.common import Subparsers, print_json

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
        print_json(data)
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
        if not active:
            row.session_version += 1
            await uow.web_sessions.end_all_of(row.id)
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


async def cmd_users_reset_2fa(app: App, args: argparse.Namespace) -> int:
    """For a user who lost their phone and their recovery codes: no second factor, and every session
    ends (the lost phone may be in someone's hands). They sign in with the password and enrol again."""
    async with app.uow() as uow:
        row = await uow.users.by_username(args.username)
        if row is None:
            print(f"no user {args.username}", file=sys.stderr)
            return 1
        had = row.totp_secret is not None
        await two_factor.switch_off(uow, row, app.clock(), actor=ACTOR)
        ended = await uow.web_sessions.end_all_of(row.id)
        await uow.commit()
    print_json({"username": row.username, "had_2fa": had, "two_factor": False, "sessions_ended": ended})
    return 0


async def cmd_tokens_create(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        try:
            token = await create_token(uow, args.agency, args.label, ACTOR, app.clock())
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
            row = await revoke_token(uow, args.id, ACTOR, app.clock())
        except ApiTokenError as error:
            print(str(error), file=sys.stderr)
            return 1
        await uow.commit()
    print(f"token {row.id} ({row.prefix}…, {row.agency_code}) revoked")
    return 0


def register(sub: Subparsers) -> None:
    _register_users(sub)
    _register_tokens(sub)


def _register_users(sub: Subparsers) -> None:
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
    reset = users.add_parser("reset-2fa", help="switch off a user's second factor and end their sessions (JSON)")
    reset.add_argument("username")
    reset.set_defaults(run=cmd_users_reset_2fa)


def _register_tokens(sub: Subparsers) -> None:
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
