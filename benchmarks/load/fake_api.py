"""A lean Bot API for the load harness: it answers every method as Telegram would and notes the
time each sendMessage reaches it. The tests' FakeTelegram checks every parameter; at hundreds of
messages a second that checking would be the bottleneck, so the harness has this one instead."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
BOT_USER = {"id": 1, "is_bot": True, "first_name": "Hoa Nhap", "username": "hoanhap_bench_bot"}


@dataclass
class Received:
    chat_id: str
    text: str
    markup: JSON | None
    at: float


@dataclass
class Fault:
    """From `start` to `end` (monotonic seconds) every sendMessage is answered with `status`."""

    start: float
    end: float
    status: int  # 429 (with retry_after) or a 5xx


@dataclass
class LeanBotApi:
    token: str
    received: list[Received] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    refused: int = 0
    listeners: list[Any] = field(default_factory=list)
    _message_id: int = 0
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=4_000_000)
        app.router.add_post("/bot{token}/{method}", self._method)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _params(self, request: web.Request) -> JSON:
        if request.content_type == "application/json":
            loaded: JSON = await request.json()
            return loaded
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"].lower()
        params = await self._params(request)
        if method == "getme":
            return _ok(BOT_USER)
        if method != "sendmessage":
            return _ok(True)
        now = time.monotonic()
        for fault in self.faults:
            if fault.start <= now < fault.end:
                self.refused += 1
                if fault.status == 429:
                    body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1"}
                    return web.json_response({**body, "parameters": {"retry_after": 1}}, status=429)
                body = {"ok": False, "error_code": fault.status, "description": "Bad Gateway"}
                return web.json_response(body, status=fault.status)
        chat_id = str(params.get("chat_id", ""))
        markup = params.get("reply_markup")
        if isinstance(markup, str) and markup:
            markup = json.loads(markup)
        item = Received(chat_id, str(params.get("text", "")), markup if isinstance(markup, dict) else None, now)
        self.received.append(item)
        for listener in self.listeners:
            listener(item)
        self._message_id += 1
        chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"}
        return _ok({"message_id": self._message_id, "date": int(time.time()), "chat": chat, "text": item.text})


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})
