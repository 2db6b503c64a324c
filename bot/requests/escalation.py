"""Tell an agency's leads, and its group, when a request has waited past its first-response target.

Each request is escalated once per agency stay: `escalated_at` marks it, and a transfer clears it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock, as_utc
from bot.messaging.notify import enqueue_agency
from bot.requests.sla import AgencyClocks
from bot.storage.database import Database
from bot.storage.models import RequestRow, UserRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.messages import Notification
from handlers.texts import Texts
from handlers.working_hours import Target

log = logging.getLogger(__name__)
OVERDUE = "overdue"
ESCALATED = "escalated"


def _warn_unusable_dates(request: RequestRow, error: ValueError) -> None:
    log.warning("request %s: no first-response target (%s)", request.code, error)


def _first_response(clocks: AgencyClocks, request: RequestRow) -> Target | None:
    targets = clocks.targets(request)
    # No agency, no leads and no target to count against: nothing to escalate to.
    return targets.first_response if targets is not None else None


async def escalate_overdue(database: Database, texts: Texts, tz_name: str, now: datetime) -> int:
    """Escalate every open, unanswered request past its first-response target; how many were.

    One transaction: the mark, the timeline event, the leads' notifications and the agency's post
    are written together or not at all.
    """
    now = as_utc(now)
    async with UnitOfWork(database) as uow:
        clocks = await AgencyClocks.load(uow, tz_name, now, _warn_unusable_dates)
        # A first look without locks: most waiting requests are not yet due and are left untouched.
        waiting = await uow.queue.unanswered()
        due = [row.id for row in waiting if (target := _first_response(clocks, row)) and target.overdue]
        if not due:
            return 0
        locked = await uow.queue.unanswered(lock_ids=due)
        leads: dict[str, list[UserRow]] = {}
        escalated = 0
        for row in locked:
            target = _first_response(clocks, row)
            if target is None or not target.overdue:
                continue
            due_at = target.due_at.isoformat()
            row.escalated_at = now
            await uow.requests.add_event(row.code, ESCALATED, now, actor="system", data={"due_at": due_at})
            if row.agency_code not in leads:
                leads[row.agency_code] = await uow.users.of_agency(row.agency_code, leads_only=True)
            for lead in leads[row.agency_code]:
                await uow.notifications.add(
                    lead.id, OVERDUE, now, request_id=row.id, data={"code": row.code, "due_at": due_at}
                )
            await enqueue_agency(uow, texts, Notification(row.agency_code, row.code, OVERDUE, {}), now)
            escalated += 1
        await uow.commit()
    return escalated


async def run_escalations(
    database: Database,
    texts: Texts,
    clock: Clock,
    tz_name: str,
    stop: asyncio.Event,
    interval: float,
    wake: Callable[[], None] | None = None,
) -> None:
    """Escalate every `interval` seconds until `stop`; `wake` tells the outbox sender new posts wait."""
    while not stop.is_set():
        try:
            count = await escalate_overdue(database, texts, tz_name, clock())
        except Exception:
            # The database may be away for a moment; the next round tries again.
            log.exception("escalation round failed")
        else:
            if count:
                log.info("escalated %d overdue request(s)", count)
                if wake is not None:
                    wake()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
