"""What the running assistant counts, for Prometheus: the counters the pipeline, the webhooks and the
outbox sender move (one line each where they happen), the garbage collector's pauses (gc_pauses.py),
the figures read from the database when scraped (database.py), and /metrics itself (views.py).

Only this module is imported where things happen, and it imports nothing of the project but the
delivery error and the core's port it counts through: the messaging and channel code can count
without pulling in the storage queries or the web stack.

With PROMETHEUS_MULTIPROC_DIR set (several `serve` workers), prometheus_client keeps every process's
values in files there and /metrics adds them up; the directory must exist, be writable, and be
emptied before the processes start (stale files of dead processes would be added in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import Counter

from bot.channels.base import DeliveryError
from handlers.ports import MatchLogPort

# Only labels with few values: channel kinds, decisions, statuses, outcomes. Never a chat, a person,
# a request code or a path taken from the request (each distinct value is a time series kept forever).
updates_received = Counter(
    "hoanhap_updates_received", "Incoming messages handed to the pipeline, by channel", ["channel"]
)
updates_duplicate = Counter(
    "hoanhap_updates_duplicate",
    "Incoming messages whose update id was already recorded (a platform's redelivery), by channel",
    ["channel"],
)
matcher_decisions = Counter(
    "hoanhap_matcher_decisions", "What the matcher decided for a question: answer, suggest or fallback", ["decision"]
)
webhook_responses = Counter(
    "hoanhap_webhook_responses", "Webhook answers by route and HTTP status (503: back-pressure)", ["webhook", "status"]
)
deliveries = Counter(
    "hoanhap_deliveries",
    "Delivery attempts of outbox rows by channel and outcome (sent, retry, failed, held)",
    ["channel", "outcome"],
)
delivery_failures = Counter(
    "hoanhap_delivery_failures",
    "Attempts a platform refused, by channel and kind of DeliveryError "
    "(rate_limited, transient, permanent, unreachable, held)",
    ["channel", "kind"],
)

DELIVERY_KINDS = ("rate_limited", "transient", "permanent", "unreachable", "held")


def failure_kind(error: DeliveryError) -> str:
    """The kind of a DeliveryError, as bot/channels/base.py defines them: the most specific first."""
    if error.unreachable:
        return "unreachable"
    if error.held:
        return "held"
    if error.permanent:
        return "permanent"
    return "rate_limited" if error.retry_after is not None else "transient"


def count_delivery(channel: str, result: object, outcome: str) -> None:
    """One attempt of the sender: its outcome, and the kind of refusal when the platform refused.
    `result` is what the transport gave (the platform's id) or the DeliveryError it raised."""
    deliveries.labels(channel, outcome).inc()
    if isinstance(result, DeliveryError):
        delivery_failures.labels(channel, failure_kind(result)).inc()


class CountedMatchLog:
    """The question log as the core sees it, counting each decision as it is logged (the one place
    every decision passes): the pipeline hands the core this instead of the repository itself."""

    def __init__(self, inner: MatchLogPort) -> None:
        self._inner = inner

    async def record(
        self,
        *,
        channel: str,
        pseudonym: str | None,
        question: str,
        normalized: str,
        decision: str,
        slug: str | None,
        score: float,
        suggestions: Sequence[str],
        now: datetime,
    ) -> int:
        match_id = await self._inner.record(
            channel=channel,
            pseudonym=pseudonym,
            question=question,
            normalized=normalized,
            decision=decision,
            slug=slug,
            score=score,
            suggestions=suggestions,
            now=now,
        )
        matcher_decisions.labels(decision).inc()
        return match_id

    async def mark_chosen(self, match_id: int, slug: str) -> None:
        await self._inner.mark_chosen(match_id, slug)
