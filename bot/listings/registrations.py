"""What became of a registration: the person's answer to the follow-up, or the outcome staff record.
"Not yet, I still need help" reopens the request for its agency. Every change is on the request's
timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.requests.errors import RequestError
from bot.storage.models import ListingPersonRow, RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import NEW, OPEN_STATUSES
from handlers.listing_choices import FollowupOutcome

OUTCOMES = tuple(o.value for o in FollowupOutcome)
NEED_HELP = FollowupOutcome.NEED_HELP.value
# The request's timeline event for an outcome recorded.
EVENT = "listing_outcome"
# Who recorded an outcome when the person answered the follow-up themselves (staff are named).
PERSON = "person"


@dataclass(frozen=True)
class Registration:
    """What the staff request page shows of a request made by registering interest in a listing."""

    listing_id: int
    title: str
    kind: str
    employer: str
    agency: str
    status: str
    followup_asked_at: datetime | None
    outcome: str
    outcome_at: datetime | None
    outcome_by: str


async def record_outcome(
    uow: UnitOfWork, registration: ListingPersonRow, request: RequestRow, outcome: str, *, actor: str, now: datetime
) -> bool:
    """Keeps the outcome (the latest recorded counts); True when it reopened the request."""
    if outcome not in OUTCOMES:
        raise RequestError("unknown_outcome", outcome=outcome[:40], choices=", ".join(OUTCOMES))
    registration.outcome = outcome
    registration.outcome_at = now
    registration.outcome_by = actor[:120]
    await uow.listing_people.flush()
    await uow.requests.add_event(request.code, EVENT, now, actor, {"outcome": outcome})
    if outcome == NEED_HELP and request.status not in OPEN_STATUSES:
        await uow.requests.set_status(request.code, NEW, now, actor)
        return True
    return False


async def record_staff_outcome(uow: UnitOfWork, request: RequestRow, outcome: str, actor: str, now: datetime) -> bool:
    """Staff record what became of it (a call, a visit): refused for a request made otherwise."""
    registration = await uow.listing_people.of_request(request.id)
    if registration is None:
        raise RequestError("not_a_registration", code=request.code)
    return await record_outcome(uow, registration, request, outcome.strip(), actor=actor, now=now)


async def registration_of(uow: UnitOfWork, request: RequestRow) -> Registration | None:
    registration = await uow.listing_people.of_request(request.id)
    listing = await uow.listing_people.listing_of(registration) if registration else None
    if registration is None or listing is None:
        return None
    agency = await uow.listings.agency_row(listing.agency_id)
    return Registration(
        listing.id, listing.title, listing.kind, listing.employer, agency.code if agency else "", listing.status,
        registration.followup_asked_at, registration.outcome or "", registration.outcome_at, registration.outcome_by,
    )  # fmt: skip
