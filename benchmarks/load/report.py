"""The load report as Markdown (docs/benchmarks-load.md, quoted in docs/benchmarks.md)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.load.run import FaultRun, Result


def _ms(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.0f}"


def render_report(
    results: list[Result], faults: list[FaultRun], machine: str, args: argparse.Namespace, when: datetime
) -> str:
    lines = [
        "# Load and fault runs",
        "",
        f"Made by `make bench-load` (`python -m benchmarks.load.run{' --quick' if args.quick else ''}`) on "
        f"{when:%Y-%m-%d %H:%M} UTC, {machine}. Telegram webhook mode against a fake Bot API on 127.0.0.1; each FAQ",
        "question from an idle chat of its own, one message in ten a step of a whole request form; latency from the",
        "webhook POST to the reply reaching the Bot API. A rate is *held* when every update was taken at once",
        "(no 503), at least 99.5% of the replies arrived within 2 s of the step's end and p99 stayed under 1 s;",
        "rates rise x1.5 per step until one is not held.",
        "",
        "| system | best held rate (msg/s) | p50 / p99 there (ms) | half that rate: p50 / p99 (ms) | first rate not held | CPU per message there: serving processes / PostgreSQL (ms) | RSS / PSS per process (MiB) | longest GC pause (ms, bucket bound) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ceiling = next((r.best.rate for r in results if r.name.startswith("aiogram") and r.best), None)
    for result in results:
        best, half = result.best, result.half
        failed = next((s for s in result.steps if s is not best and (best is None or s.rate > best.rate)), None)
        failed_text = (
            "-"
            if failed is None
            else f"{failed.rate:.0f}/s: p99 {_ms(failed.p99)} ms, {failed.replied}/{failed.offered} replied, {failed.retries} retries"
        )
        rss = ", ".join(f"{r:.0f} / {p:.0f}" for r, p in result.memory_mib) or "-"
        cpu = (
            f"{best.cpu_ms:.1f} / {best.db_cpu_ms:.1f}"
            if best and best.cpu_ms is not None and best.db_cpu_ms is not None
            else "-"
        )
        lines.append(
            f"| {result.name} | {best.rate:.0f} | {_ms(best.p50)} / {_ms(best.p99)} | "
            f"{_ms(half.p50) if half else '-'} / {_ms(half.p99) if half else '-'} | {failed_text} | {cpu} | {rss} | {_ms(result.gc_max_ms)} |"
            if best
            else f"| {result.name} | none held | - | - | {failed_text} | - | {rss} | {_ms(result.gc_max_ms)} |"
        )
    if ceiling:
        lines += ["", "Share of the echo ceiling:"]
        for result in results:
            if result.best and not result.name.startswith("aiogram"):
                lines.append(f"- {result.name}: {result.best.rate / ceiling:.0%}")
    if faults:
        lines += [
            "",
            f"## Faults (PostgreSQL, 2 workers, {args.fault_rate:.0f} msg/s offered for 30 s)",
            "",
            "| run | updates lost | webhook retries | replies expected / received | lost replies | duplicate replies | order breaks | requests | duplicate requests | every waiting chat answered, seconds after the restart (slowest of the kills) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        names = {
            "kill": "kill -9 of a worker, 3 times",
            "api": "Bot API 429 (3 s), 502 (3 s), 500 (2 s)",
            "postgres": "PostgreSQL restarted mid-run",
        }
        for run in faults:
            c = run.counts
            recovery = f"{max(run.recovery_s):.1f}" if run.recovery_s else "-"
            lines.append(
                f"| {names.get(run.name, run.name)} | {run.lost_updates} | {run.retries} | {c.rows} rows / {c.received} | "
                f"{c.lost_replies} | {c.duplicate_replies} | {c.order_breaks} | {c.requests} | {c.duplicate_requests} | {recovery} |"
            )
    return "\n".join(lines) + "\n"
