"""`hoanhap telegram …` and `hoanhap zalo …`: registering the platforms' webhooks and storing their tokens."""

from __future__ import annotations

import argparse
import sys

from bot.app import App
from bot.cli.common import Subparsers


async def cmd_telegram_set_webhook(app: App, args: argparse.Namespace) -> int:
    from bot.channels.telegram.client import make_bot
    from bot.channels.telegram.webhook import set_telegram_webhook

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
    from bot.channels.zalo.bot_platform import ZaloBotError, set_zalo_webhook

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


def register(sub: Subparsers) -> None:
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
