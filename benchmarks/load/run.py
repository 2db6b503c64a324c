"""`make bench-load`: throughput and latency from webhook receipt to the reply reaching the Bot API,
Hòa Nhập beside a bare aiogram echo bot in the same harness, then fault runs with their counts.

python -m benchmarks.load.run [--quick] [--out docs/benchmarks-load.md] [--only echo,pg1,...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.load.checks import Counts, count
from benchmarks.load.driver import Load, Replies, Step, Updates, Webhook
from benchmarks.load.fake_api import Fault, LeanBotApi
from benchmarks.load.metrics import gc_pauses
from benchmarks.load.seed import seed_entries
from benchmarks.load.servers import (
    SECRET,
    TOKEN,
    EchoBot,
    HoaNhap,
    cpu_seconds,
    fresh_postgres_database,
    postgres_answers,
    postgres_pids,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# A rate is held when nearly every reply arrived within 2 s of the step's end, nothing had to be
# offered again (no 503) and the 99th percentile stayed under a second.
HELD_SHARE = 0.995
HELD_P99_MS = 1000.0


def questions() -> list[str]:
    found: list[str] = []
    for name in ("dev-questions.jsonl", "informal-questions-tuning.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("expect"):
                found.append(str(item["q"]))
    return found


def held(step: Step) -> bool:
    return step.accepted == step.offered and step.replied >= HELD_SHARE * step.offered and step.p99 <= HELD_P99_MS


@dataclass
class Result:
    name: str
    steps: list[Step] = field(default_factory=list)
    half: Step | None = None
    memory_mib: list[tuple[float, float]] = field(default_factory=list)  # RSS, PSS per serving process
    gc_max_ms: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> Step | None:
        kept = [s for s in self.steps if held(s)]
        return max(kept, key=lambda s: s.rate) if kept else None


@dataclass
class Harness:
    step_seconds: float
    api: LeanBotApi = field(default_factory=lambda: LeanBotApi(TOKEN))
    first_chat: int = 10_000

    async def ramp(self, target: HoaNhap | EchoBot, name: str, start: float, form_share: float) -> Result:
        """Offer rates from `start` upward (x1.5) until one is not held, then half the best one."""
        result = Result(name)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:
            load = self._load(target, session, form_share)
            await load.offer(min(20.0, start), 2.0)  # warm-up: connections, caches, the first compiles
            rate = start
            while rate < 5000:
                pids, database = target.pids(), postgres_pids()
                before = cpu_seconds(pids), cpu_seconds(database)
                step = await load.offer(rate, self.step_seconds)
                after = cpu_seconds(pids), cpu_seconds(database)
                if step.replied:
                    step.cpu_ms = 1000 * (after[0] - before[0]) / step.replied
                    step.db_cpu_ms = 1000 * (after[1] - before[1]) / step.replied
                result.steps.append(step)
                print(
                    f"  {name}: {step.rate:.0f}/s offered, p50 {step.p50:.0f} ms, p99 {step.p99:.0f} ms, "
                    f"{step.replied}/{step.offered} replied, {step.retries} retries",
                    flush=True,
                )
                if not held(step):
                    break
                rate *= 1.5
                await asyncio.sleep(1.0)
            best = result.best
            if best is not None:
                # The rate not held left a backlog: half the best rate is measured once it has drained
                # (every message of the steps before answered or given up on), not behind it.
                await load.settle(60.0)
                await asyncio.sleep(2.0)
                result.half = await load.offer(best.rate / 2, self.step_seconds)
        result.memory_mib = target.memory()
        return result

    def _load(self, target: HoaNhap | EchoBot, session: aiohttp.ClientSession, form_share: float) -> Load:
        updates = Updates(self.first_chat)
        self.first_chat += 1_000_000
        webhook = Webhook(target.webhook_url, SECRET, session)
        return Load(webhook, Replies(self.api), updates, questions(), form_share=form_share)


async def echo_run(harness: Harness) -> Result:
    bot = EchoBot(harness.api.base_url)
    await bot.start()
    try:
        return await harness.ramp(bot, "aiogram echo bot (ceiling)", 200, form_share=0.0)
    finally:
        await bot.stop()


async def product(harness: Harness, backend: str, workers: int, work: Path, entries: int) -> HoaNhap:
    data_dir = work / f"{backend}-{workers}"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = (
        fresh_postgres_database(f"hoanhap_bench_{workers}")
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{data_dir / 'hoanhap.db'}"
    )
    target = HoaNhap(url, harness.api.base_url, data_dir, workers)
    target.init()
    if entries:
        await seed_entries(url, entries)
    await target.start()
    return target


async def product_run(harness: Harness, backend: str, workers: int, work: Path, entries: int) -> Result:
    target = await product(harness, backend, workers, work, entries)
    try:
        # One SQLite file has one writer: its ramp starts lower.
        start = 10 if backend == "sqlite" else 50
        result = await harness.ramp(target, f"Hòa Nhập, {backend}, {workers} worker(s)", start, form_share=0.1)
        result.gc_max_ms = await gc_pauses(target.port)
        return result
    finally:
        await target.stop()


@dataclass
class FaultRun:
    name: str
    counts: Counts
    lost_updates: int
    retries: int
    recovery_s: list[float]


async def fault_run(harness: Harness, name: str, work: Path, rate: float, seconds: float, fault: str) -> FaultRun:
    target = await product(harness, "postgresql", 2, work / name, 0)
    recovery: list[float] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:
            load = harness._load(target, session, form_share=0.1)
            # The fake Bot API is shared by the runs: only what reaches it from now on is this run's.
            seen_before = len(harness.api.received)
            began = time.monotonic()
            if fault == "api":
                harness.api.faults = [
                    Fault(began + 5, began + 8, 429),
                    Fault(began + 14, began + 17, 502),
                    Fault(began + 22, began + 24, 500),
                ]
            offered = asyncio.create_task(load.offer(rate, seconds))
            if fault == "kill":
                for at in (6.0, 14.0, 22.0):
                    await asyncio.sleep(began + at - time.monotonic())
                    recovery.append(await _kill_and_time(target, load))
            elif fault == "postgres":
                await asyncio.sleep(began + 10 - time.monotonic())
                subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True)
            await offered
            await load.settle(60.0)
            harness.api.faults = []
            await _drained(target, load)
        counts = await count(target.database_url, harness.api.received[seen_before:])
        return FaultRun(name, counts, load.webhook.lost, load.webhook.retries, recovery)
    finally:
        await target.stop()


async def _kill_and_time(target: HoaNhap, load: Load) -> float:
    """kill -9 of a worker; the seconds from the new process's start (the supervisor's restart)
    until every chat waiting at the kill had its reply."""
    waiting = [s for s in load.samples if not s.lost and s.replied is None]
    dead = target.kill_worker()
    killed = restarted = time.monotonic()
    while time.monotonic() - killed < 30:
        pids = target.worker_pids()
        if dead not in pids and len(pids) == target.workers:
            restarted = time.monotonic()
            break
        await asyncio.sleep(0.05)
    while time.monotonic() - killed < 60 and any(s.replied is None for s in waiting):
        await asyncio.sleep(0.1)
    return time.monotonic() - restarted


async def _drained(target: HoaNhap, load: Load, seconds: float = 40.0) -> None:
    """Wait for the stragglers: the outbox empty of due rows, or `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts = await count(target.database_url, [])
        if counts.not_yet_sent == 0:
            return
        await asyncio.sleep(1.0)


def machine() -> str:
    cpus = len([line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("processor")])
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{cpus} cores ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def report(results: list[Result], faults: list[FaultRun], args: argparse.Namespace) -> str:
    from benchmarks.load.report import render_report

    return render_report(results, faults, machine(), args, datetime.now(UTC))


async def main(args: argparse.Namespace) -> None:
    harness = Harness(step_seconds=4.0 if args.quick else 6.0)
    await harness.api.start()
    only = set(args.only.split(",")) if args.only else None
    results: list[Result] = []
    faults: list[FaultRun] = []
    work = Path(tempfile.mkdtemp(prefix="hoanhap-load-"))
    pg = postgres_answers()
    try:
        plan: list[tuple[str, Any]] = [("echo", lambda: echo_run(harness))]
        for backend, workers in (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4)):
            if backend == "postgresql" and not pg:
                continue
            key = f"{'pg' if backend == 'postgresql' else 'sqlite'}{workers}"
            entries = args.entries if (backend, workers) == ("postgresql", 2) else 0
            plan.append((key, lambda b=backend, w=workers, e=entries: product_run(harness, b, w, work, e)))
        for key, run in plan:
            if only is None or key in only:
                results.append(await run())
        if pg:
            for key, fault in (("kill", "kill"), ("api", "api"), ("postgres", "postgres")):
                if only is None or key in only:
                    faults.append(await fault_run(harness, key, work, args.fault_rate, 30.0, fault))
    finally:
        await harness.api.stop()
        shutil.rmtree(work, ignore_errors=True)
    text = report(results, faults, args)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4 s steps instead of 6")
    parser.add_argument("--only", default="", help="comma-separated: echo,sqlite1,pg1,pg2,pg4,kill,api,postgres")
    parser.add_argument("--entries", type=int, default=5000, help="knowledge-base size for the 2-worker run")
    parser.add_argument("--fault-rate", type=float, default=100.0)
    parser.add_argument("--out", default="docs/benchmarks-load.md")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
