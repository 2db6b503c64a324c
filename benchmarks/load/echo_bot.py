"""The ceiling: a bare aiogram 3 bot on aiogram's own aiohttp webhook server that answers every text
with itself through the same (fake) Bot API. Run by the harness: `python -m benchmarks.load.echo_bot PORT API_BASE`."""

from __future__ import annotations

import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from benchmarks.load.servers import SECRET, TOKEN


def main() -> None:
    port, api_base = int(sys.argv[1]), sys.argv[2]
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(TOKEN, session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    app = web.Application()
    # handle_in_background=False: 200 only once the reply went out, as Hòa Nhập answers only after its commit.
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET, handle_in_background=False).register(
        app, path="/webhook"
    )
    app.router.add_get("/healthz", lambda _request: web.Response(text="ok"))
    setup_application(app, dispatcher, bot=bot)
    try:
        import uvloop  # the same event loop as `hoanhap serve` when it is installed

        uvloop.install()
    except ImportError:
        pass
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
