"""Figures a running instance gives about itself on /metrics (Prometheus text format)."""

from __future__ import annotations

import aiohttp

GC_HISTOGRAM = "hoanhap_gc_pause_seconds_bucket"


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        return await response.text() if response.status == 200 else ""


async def gc_pauses(port: int) -> float | None:
    """The smallest histogram bound under which every garbage collection paused, in ms (None: no
    histogram served). A bound, not the exact longest pause: the histogram keeps only buckets."""
    try:
        text = await scrape(port)
    except aiohttp.ClientError:
        return None
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if not line.startswith(GC_HISTOGRAM):
            continue
        labels, value = line.rsplit(" ", 1)
        bound = labels.split('le="', 1)[1].split('"', 1)[0]
        upper = float("inf") if bound == "+Inf" else float(bound)
        buckets[upper] = buckets.get(upper, 0.0) + float(value)
    if not buckets:
        return None
    total = buckets.get(float("inf"), max(buckets.values()))
    for upper in sorted(buckets):
        if buckets[upper] >= total:
            return upper * 1000
    return None
