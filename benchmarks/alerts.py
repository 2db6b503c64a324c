"""A listing's notices to 5,000 subscribers, through the real sender, against the fake Bot API.

Run with `make bench-alerts` or `python -m benchmarks.alerts --out docs/benchmarks.md` (about six
minutes: the notices go at the paced rate, in real time); only this benchmark's section of the file
(between ALERTS_START and ALERTS_END) is replaced. `--subscribers N` for a shorter run,
`--database URL` for PostgreSQL (an empty, scratch database: it is migrated and filled).

What runs is what `hoanhap serve` runs: the listings service publishes, the alerts round writes the
notices (bot/listings/alerts/broadcast.py), the outbox sender (bot/messaging/outbox.py with its
pacer) sends them through aiogram to tests/fakes/telegram_api.py over HTTP on 127.0.0.1, which keeps
the moment it took each message on its own clock. Everything is measured there:

1. Listing A is published for N matching subscribers (and 500 who do not match). The alerts round
   is crashed after its second batch (an exception before the third batch's commit) and run again;
   the sender is then cancelled mid-broadcast, as a killed process would stop, and a new sender
   (another id) takes over.
   The sender is cancelled right after the server took a notice and before the sender heard back.
2. 200 subscribers stop (100 press the notice's button, 100 type /huydangky); listing B is published.

Checked: every subscriber receives A exactly once, and B exactly once unless they stopped (then not
at all); nobody else receives anything; in no 1 s window does the server take more than 30
messages; no chat is sent two notices within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, create_app
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.transport import TelegramTransport
from bot.config import Settings
from bot.listings.alerts.broadcast import broadcast_batch, broadcast_round
from bot.listings.fields import ListingInput
from bot.listings.service import create_listing, local_today
from bot.messaging.outbox import OutboxSender
from bot.reference import files as reference_data
from bot.storage.repos.outbox import ABANDONED
from handlers.messages import CHOICE, TEXT, IncomingMessage
from tests.fakes.telegram_api import FakeTelegram

ALERTS_START, ALERTS_END = "<!-- alerts:start -->", "<!-- alerts:end -->"
FIRST_CHAT = 50_000_000
OTHERS = 500
STOPPERS = 200
TZ = "Asia/Ho_Chi_Minh"
# What Telegram allows: about 30 messages a second overall, about one a second in one chat.
OVERALL_LIMIT, CHAT_GAP = 30, 1.0


@dataclass
class Result:
    subscribers: int
    seconds_a: float
    seconds_b: float
    once_a: bool
    once_b: bool
    stopped_got_b: int
    others_got: int
    duplicates: int
    max_per_second: int
    min_chat_gap: float
    taken_at_crash: int
    abandoned: int
    database: str


def _listing(title: str) -> ListingInput:
    return ListingInput(
        kind="job",
        title=title,
        employer="Xưởng cơ khí (mẫu)",
        locality="mh-gia-loc",
        trade="hàn",
        description="Hàn khung nhà xưởng.",
        fair_chance="yes",
        contact="0200 000 101 (số mẫu)",
        expires="2099-12-31",
    )


async def _seed(app: App, subscribers: int) -> dict[int, int]:
    """Subscribers who match a welding job in Gia Lộc (four kinds of subscription), and some who do not;
    chat id -> the id of its subscription."""
    shapes = [("job", "mh-gia-loc", ""), ("any", "", ""), ("job", "mh-gia-loc", "Hàn"), ("any", "mh-gia-loc", "")]
    alerts: dict[int, int] = {}
    now = app.clock()
    async with app.uow() as uow:
        await reference_data.apply(uow, reference_data.load_file(reference_data.DEMO_FILE), "bench", now)
        for n in range(subscribers + OTHERS):
            chat = FIRST_CHAT + n
            conversation = await uow.conversations.get_or_create("telegram", str(chat), str(chat), now)
            kind, commune, trade = shapes[n % 4] if n < subscribers else ("job", "mh-an-hoa", "")
            done = await uow.listing_alerts.subscribe(conversation.id, kind, commune, trade, now)
            assert done is not None
            alerts[chat] = done[0].id
        await uow.commit()
    return alerts


async def _publish(app: App, title: str) -> int:
    now = app.clock()
    async with app.uow() as uow:
        row = await create_listing(
            uow, _listing(title), agency_code="demo-vieclam", actor="bench", now=now,
            today=local_today(now, TZ), publish=True,
        )  # fmt: skip
        await uow.commit()
    return row.id


async def _crashing_round(app: App, listing: int) -> None:
    """The alerts round killed after two batches (the third rolled back), then run again."""
    for batch in range(3):
        try:
            async with app.uow() as uow:
                await broadcast_batch(uow, app.texts, listing, now=app.clock(), tz_name=TZ, batch=1000)
                if batch == 2:
                    raise RuntimeError("killed")
                await uow.commit()
        except RuntimeError:
            pass
    await broadcast_round(app.database, app.texts, app.clock, TZ)


async def _unsent(app: App) -> int:
    async with app.uow() as uow:
        return await uow.outbox.count("pending") + await uow.outbox.count("sending")


async def _abandoned(app: App) -> int:
    """Notices a dead sender had started: failed, never sent again."""
    async with app.uow() as uow:
        return await uow.outbox.count_with_error("failed", ABANDONED)


async def _send_all(app: App, sender: OutboxSender) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run_forever(stop, idle_seconds=0.05))
    while await _unsent(app):  # noqa: ASYNC110 (the database is what is watched, no event to wait on)
        await asyncio.sleep(0.2)
    stop.set()
    await task


async def _send_with_a_crash(app: App, transport: TelegramTransport, fake: FakeTelegram, after: int) -> int:
    """A sender cancelled (no SIGTERM, no goodbye) once the server took `after` messages, and another
    in its place; how many the server had taken at the crash."""
    first = app.sender({"telegram": transport})
    task = asyncio.create_task(first.run_forever(asyncio.Event(), idle_seconds=0.05))
    while len(fake.taken) < after:  # noqa: ASYNC110 (the fake server's list is what is watched)
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    taken = len(fake.taken)
    # A new process: on SQLite its start hands back the dead sender's rows; on PostgreSQL their lease runs out.
    await _send_all(app, app.sender({"telegram": transport}))
    return taken


async def _stop(app: App, alerts: dict[int, int], chats: list[int]) -> None:
    for n, chat in enumerate(chats):
        if n % 2:
            fields = {"kind": TEXT, "text": "/huydangky"}
        else:
            fields = {"kind": CHOICE, "choice": f"alert:stop:{alerts[chat]}"}
        message = IncomingMessage("telegram", str(chat), str(chat), update_id=f"stop-{chat}", **fields)  # type: ignore[arg-type]
        await app.processor.process(message)


def _max_in_a_second(times: list[float]) -> int:
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def _min_chat_gap(taken: list[tuple[int, float, str]], titles: tuple[str, ...]) -> float:
    last: dict[int, float] = {}
    gap = float("inf")
    for chat, at, text in taken:
        if not any(title in text for title in titles):
            continue
        if chat in last:
            gap = min(gap, at - last[chat])
        last[chat] = at
    return gap


async def run(subscribers: int, database_url: str | None) -> Result:
    fake = FakeTelegram(clock=time.monotonic)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'alerts.db'}"
        settings = Settings(
            database_url=url, data_dir=Path(tmp), telegram_token=fake.token, telegram_api_base=fake.base_url,
            outbox_lease_seconds=2, _env_file=None,
        )  # type: ignore[call-arg]  # fmt: skip
        app = await create_app(settings, lambda: datetime.now(UTC))
        bot = make_bot(fake.token, fake.base_url)
        transport = TelegramTransport(bot, "share")
        try:
            alerts = await _seed(app, subscribers)
            listing_a = await _publish(app, "Thợ hàn đợt A")
            await _crashing_round(app, listing_a)
            started = time.monotonic()
            crash_at = await _send_with_a_crash(app, transport, fake, subscribers // 2)
            seconds_a = time.monotonic() - started
            await asyncio.sleep(CHAT_GAP)
            stoppers = [FIRST_CHAT + n for n in range(0, subscribers, max(1, subscribers // STOPPERS))][:STOPPERS]
            await _stop(app, alerts, stoppers)
            await _send_all(app, app.sender({"telegram": transport}))
            listing_b = await _publish(app, "Thợ hàn đợt B")
            await broadcast_round(app.database, app.texts, app.clock, TZ)
            started = time.monotonic()
            await _send_all(app, app.sender({"telegram": transport}))
            seconds_b = time.monotonic() - started
            abandoned = await _abandoned(app)
        finally:
            await bot.session.close()
            await app.close()
            await fake.stop()
    del listing_b
    got: dict[str, Counter[int]] = defaultdict(Counter)
    for chat, _, text in fake.taken:
        for title in ("Thợ hàn đợt A", "Thợ hàn đợt B"):
            if title in text:
                got[title][chat] += 1
    matching = {FIRST_CHAT + n for n in range(subscribers)}
    others = {FIRST_CHAT + n for n in range(subscribers, subscribers + OTHERS)}
    a, b = got["Thợ hàn đợt A"], got["Thợ hàn đợt B"]
    return Result(
        subscribers=subscribers,
        seconds_a=seconds_a,
        seconds_b=seconds_b,
        once_a=set(a) == matching and set(a.values()) == {1},
        once_b=set(b) == matching - set(stoppers) and set(b.values()) == {1},
        stopped_got_b=sum(1 for chat in stoppers if b[chat]),
        others_got=sum(1 for chat in others if a[chat] or b[chat]),
        duplicates=sum(n - 1 for n in a.values()) + sum(n - 1 for n in b.values()),
        max_per_second=_max_in_a_second(sorted(at for _, at, _ in fake.taken)),
        min_chat_gap=_min_chat_gap(fake.taken, ("Thợ hàn đợt A", "Thợ hàn đợt B")),
        taken_at_crash=crash_at,
        abandoned=abandoned,
        database="PostgreSQL" if url.startswith("postgresql") else "SQLite",
    )


def report(r: Result) -> str:
    ok = (
        r.once_a and r.once_b and not r.duplicates and not r.others_got and not r.stopped_got_b
        and r.max_per_second <= OVERALL_LIMIT and r.min_chat_gap >= CHAT_GAP
    )  # fmt: skip
    rate_a = r.subscribers / r.seconds_a if r.seconds_a else 0.0
    rate_b = (r.subscribers - STOPPERS) / r.seconds_b if r.seconds_b else 0.0
    lines = [
        ALERTS_START,
        "## Listing alerts: one notice to 5,000 subscribers",
        "",
        "`make bench-alerts` (`python -m benchmarks.alerts --out docs/benchmarks.md`): the real listings",
        "service, alerts round and outbox sender (paced at `HOANHAP_TELEGRAM_SEND_RATE`, 28/s by default),",
        "through aiogram to the fake Bot API of the tests (tests/fakes/telegram_api.py) over local HTTP;",
        "every figure is taken on the fake server's clock. Listing A: the alerts round is crashed after two",
        "batches and run again, and the sender is cancelled mid-broadcast and replaced. Then 200 people stop",
        "(the notice's button or /huydangky) and listing B is published.",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {r.database}; {r.subscribers} matching"
        f" subscribers and {OTHERS} who do not match.",
        "",
        "| check | result |",
        "|---|---|",
        f"| every subscriber got A exactly once | {'yes' if r.once_a else 'NO'} |",
        f"| every subscriber who did not stop got B exactly once | {'yes' if r.once_b else 'NO'} |",
        f"| notices to the 200 who stopped, of B | {r.stopped_got_b} |",
        f"| notices to those who do not match | {r.others_got} |",
        f"| notices sent twice (the sender cancelled after the server took {r.taken_at_crash}) | {r.duplicates} |",
        f"| notices abandoned by the cancelled sender (started, not sent again) | {r.abandoned} |",
        f"| most messages the server took in any 1 s window (limit {OVERALL_LIMIT}) | {r.max_per_second} |",
        f"| shortest time between two notices to one chat (at least {CHAT_GAP:.0f} s) | {r.min_chat_gap:.2f} s |",
        f"| A: {r.subscribers} notices, crash included | {r.seconds_a:.0f} s ({rate_a:.1f}/s) |",
        f"| B: {r.subscribers - STOPPERS} notices | {r.seconds_b:.0f} s ({rate_b:.1f}/s) |",
        f"| all checks | {'pass' if ok else 'FAIL'} |",
        "",
        "The sender is cancelled the moment the server has taken its 2,500th notice, before the sender hears",
        "back: the worst moment, the one where a reply would be sent twice. A notice is marked started before",
        "it goes and is not sent again after such a death (`OutboxSender.at_most_once`); had the crash come",
        "before the server took it, that person would have missed A (the row of abandoned notices counts them).",
        "The pace is one sender process's: with `hoanhap serve --workers N` each of the N senders keeps its",
        "own, so set the rate to the platform's limit divided by N.",
        ALERTS_END,
    ]
    return "\n".join(lines) + "\n"


def write(out: Path, block: str) -> None:
    current = out.read_text(encoding="utf-8") if out.exists() else ""
    start, end = current.find(ALERTS_START), current.find(ALERTS_END)
    if start != -1 and end != -1:
        updated = current[:start] + block + current[end + len(ALERTS_END) + 1 :]
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    out.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--database", default=None, help="an empty PostgreSQL database URL (default: SQLite)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.subscribers, args.database))
    block = report(result)
    print(block)
    if args.out:
        write(args.out, block)
    ok = "| all checks | pass |" in block
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
