"""The load generator: webhook updates offered at a fixed rate, as Telegram would deliver them.

Each FAQ question comes from a chat of its own that is idle, so the first sendMessage to that chat is
its reply and its latency is the time from the webhook POST to that reply reaching the Bot API. A
share of the offered messages are whole request forms: a form chat answers each step as a person
would (the button the bot offered, a description, a phone number) and waits for the next question.
Like Telegram, an update that was not answered 200 is delivered again (503's Retry-After obeyed, a
refused connection retried) until it is, so an update is lost only if it never is.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.load.fake_api import JSON, LeanBotApi, Received

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram gives up on an update after about a day; the harness after this long.
GIVE_UP_SECONDS = 90.0


@dataclass
class Sample:
    chat_id: str
    posted: float
    replied: float | None = None
    lost: bool = False


@dataclass
class Step:
    """What one offered rate came to."""

    rate: float
    seconds: float
    offered: int
    accepted: int
    replied: int
    latencies_ms: list[float]
    retries: int
    # CPU time per reply of the system under test, and of PostgreSQL, over the step (ms).
    cpu_ms: float | None = None
    db_cpu_ms: float | None = None

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def delivered_per_second(self) -> float:
        return self.replied / self.seconds


@dataclass
class Webhook:
    url: str
    secret: str
    session: aiohttp.ClientSession
    retries: int = 0
    lost: int = 0

    async def deliver(self, update: JSON) -> bool:
        """POST until answered 200, as Telegram does; False when given up on."""
        deadline = time.monotonic() + GIVE_UP_SECONDS
        wait = 0.2
        while time.monotonic() < deadline:
            try:
                async with self.session.post(self.url, json=update, headers={SECRET_HEADER: self.secret}) as response:
                    await response.read()
                    if response.status == 200:
                        return True
                    retry_after = response.headers.get("Retry-After", "")
                    pause = float(retry_after) if retry_after.isdigit() else wait
            except (aiohttp.ClientError, TimeoutError, ConnectionError):
                pause = wait
            self.retries += 1
            await asyncio.sleep(pause)
            wait = min(wait * 2, 2.0)
        self.lost += 1
        return False


@dataclass
class Replies:
    """Waits for the next sendMessage to a chat, by the Bot API's listener."""

    api: LeanBotApi
    waiting: dict[str, list[tuple[Callable[[Received], bool], asyncio.Future[Received]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.api.listeners.append(self._arrived)

    def _arrived(self, item: Received) -> None:
        for entry in list(self.waiting.get(item.chat_id, ())):
            wanted, future = entry
            if not future.done() and wanted(item):
                future.set_result(item)
                self.waiting[item.chat_id].remove(entry)

    def expect(self, chat_id: str, wanted: Callable[[Received], bool] = lambda _item: True) -> asyncio.Future[Received]:
        future: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(chat_id, []).append((wanted, future))
        return future


class Updates:
    """Telegram updates from made-up people, numbered as Telegram numbers them."""

    def __init__(self, first_chat: int) -> None:
        self._update_ids = itertools.count(1_000_000 + first_chat)
        self._message_ids = itertools.count(1)
        self.chats = itertools.count(first_chat)

    def text(self, chat: int, text: str) -> JSON:
        user = {"id": chat, "is_bot": False, "first_name": "Bench"}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "from": user,
            "text": text,
        }
        return {"update_id": next(self._update_ids), "message": message}

    def press(self, chat: int, data: str, message_id: int = 1) -> JSON:
        user = {"id": chat, "is_bot": False, "first_name": "Bench"}
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT_FROM,
            "text": "…",
        }
        query = {
            "id": str(next(self._message_ids)),
            "from": user,
            "chat_instance": "1",
            "message": message,
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}


BOT_FROM = {"id": 1, "is_bot": True, "first_name": "Hoa Nhap"}


def buttons(item: Received) -> list[str]:
    markup = item.markup or {}
    return [str(b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def has_button(prefix: str) -> Callable[[Received], bool]:
    return lambda item: any(data.startswith(prefix) for data in buttons(item))


def asks_contact(item: Received) -> bool:
    rows = (item.markup or {}).get("keyboard", [])
    return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)


@dataclass
class Load:
    webhook: Webhook
    replies: Replies
    updates: Updates
    questions: list[str]
    form_share: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    forms: list[int] = field(default_factory=list)
    forms_done: int = 0
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def offer(self, rate: float, seconds: float) -> Step:
        """Offer `rate` messages a second for `seconds`, then wait for the stragglers (at most 5 s)."""
        start = len(self.samples)
        retries = self.webhook.retries
        interval = 1.0 / rate
        began = time.monotonic()
        count = int(rate * seconds)
        # A form is nine messages: one form started per this many offered keeps its share of messages.
        form_every = max(1, round(9 / self.form_share)) if self.form_share else 0
        for n in range(count):
            delay = began + n * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if form_every and n % form_every == 0:
                self._spawn(self._form(next(self.updates.chats)))
            else:
                self._spawn(self._question(next(self.updates.chats), random.choice(self.questions)))
        ended = time.monotonic()
        await self.settle(5.0)
        # Form steps that came after the window belong to no rate: left out.
        window = [s for s in self.samples[start:] if s.posted <= ended]
        accepted = [s for s in window if not s.lost]
        replied = [s for s in accepted if s.replied is not None and s.replied <= ended + 2.0]
        latencies = [(s.replied - s.posted) * 1000 for s in replied if s.replied is not None]
        # Every message posted counts, form steps included (a form is nine messages, started as one).
        return Step(
            len(window) / (ended - began),
            ended - began,
            len(window),
            len(accepted),
            len(replied),
            latencies,
            self.webhook.retries - retries,
        )

    async def settle(self, seconds: float) -> None:
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=seconds)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _step(self, chat: int, update: JSON, wanted: Callable[[Received], bool]) -> Received | None:
        sample = Sample(str(chat), time.monotonic())
        self.samples.append(sample)
        first = self.replies.expect(str(chat))
        wanted_reply = self.replies.expect(str(chat), wanted)
        if not await self.webhook.deliver(update):
            sample.lost = True
            return None
        try:
            sample.replied = (await asyncio.wait_for(first, 30)).at
            return await asyncio.wait_for(wanted_reply, 30)
        except TimeoutError:
            return None

    async def _question(self, chat: int, question: str) -> None:
        await self._step(chat, self.updates.text(chat, question), lambda _item: True)

    async def _form(self, chat: int) -> None:
        """A whole request, the way a person fills it on Telegram (bot/flows: the intake form)."""
        self.forms.append(chat)
        u = self.updates
        steps: list[tuple[Callable[[Received | None], JSON], Callable[[Received], bool]]] = [
            (lambda _r: u.text(chat, "xin phieu ly lich tu phap o dau"), has_button("help:")),
            (lambda r: u.press(chat, _first(r, "help:")), lambda _i: True),
            (lambda _r: u.text(chat, "Tôi cần xin phiếu lý lịch tư pháp số 1 để đi làm"), has_button("form:loc:")),
            (lambda r: u.press(chat, _first(r, "form:loc:")), asks_contact),
            (lambda _r: u.text(chat, f"09{chat % 100_000_000:08d}"), has_button("form:skip")),
            (lambda _r: u.press(chat, "form:skip"), has_button("form:time:")),
            (lambda _r: u.press(chat, "form:time:any"), has_button("form:yes")),
            (lambda _r: u.press(chat, "form:yes"), has_button("form:confirm")),
            (lambda _r: u.press(chat, "form:confirm"), lambda item: "YC-" in item.text),
        ]
        reply: Received | None = None
        for make, wanted in steps:
            reply = await self._step(chat, make(reply), wanted)
            if reply is None:
                return
        self.forms_done += 1


def _first(reply: Received | None, *prefixes: str) -> str:
    options = buttons(reply) if reply is not None else []
    for prefix in prefixes:
        for data in options:
            if data.startswith(prefix):
                return data
    return options[0] if options else ""
