"""What became of a registration: the person's answer to the follow-up, or the outcome staff record.
"Not yet, I still need help" reopens the request for its agency. Every change is on the request's
timeline."""

from __future__ import annotations

from datetime import datetime

from bot.storage.models import ListingPersonRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.choices import FollowupOutcome
from handlers.domain import NEW, OPEN_STATUSES

OUTCOMES = tuple(o.value for o in FollowupOutcome)
NEED_HELP = FollowupOutcome.NEED_HELP.value
EVENT = "listing_outcome"


class OutcomeError(ValueError):
    """An outcome that is none of OUTCOMES."""


async def record_outcome(
    uow: UnitOfWork, registration: ListingPersonRow, request: RequestRow, outcome: str, *, actor: str, now: datetime
) -> bool:
    """Keeps the outcome (the latest one recorded counts); True when it reopened the request."""
    if outcome not in OUTCOMES:
        raise OutcomeError(outcome)
    registration.outcome = outcome
    registration.outcome_at = now
    registration.outcome_by = actor[:120]
    await uow.listing_people.flush()
    await uow.requests.add_event(request.code, EVENT, now, actor, {"outcome": outcome})
    if outcome == NEED_HELP and request.status not in OPEN_STATUSES:
        await uow.requests.set_status(request.code, NEW, now, actor)
        return True
    return False
