"""The agency API's listings: an agency's own system reads the jobs and courses of the token's agency,
and the interest people registered in them with what became of it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from bot.clock import as_utc, as_utc_or_none
from bot.listings.registrations import PERSON
from bot.listings.service import summaries
from bot.requests.api.routes import MAX_PAGE, AuthenticatedCall
from bot.requests.api.shapes import ERRORS
from bot.storage.models import ListingRow
from bot.storage.repos.listings import ListingFilter

DEFAULT_PAGE = 50
MAX_ID = 2**63 - 1

router = APIRouter()


class ListingItem(BaseModel):
    id: int
    kind: Literal["job", "course"]
    title: str
    employer: str = Field(description="the employer of a job, the school of a course")
    locality_code: str = Field(description="the commune's code; empty for the whole province")
    locality_name: str
    trade: str
    description: str
    conditions: str
    fair_chance: bool = Field(description="the employer or school takes people with a record")
    start_date: date | None
    deadline: date | None
    places: int | None
    pay: str
    cost_kind: str = Field(description="courses: free, supported or fee; empty for jobs")
    contact: str
    status: Literal["draft", "published", "closed"]
    expires: date = Field(description="the last day it is offered")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ListingPage(BaseModel):
    items: list[ListingItem]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


def _item(row: ListingRow, code: str, name: str) -> ListingItem:
    return ListingItem(
        id=row.id, kind=row.kind, title=row.title, employer=row.employer, locality_code=code,  # type: ignore[arg-type]
        locality_name=name, trade=row.trade, description=row.description, conditions=row.conditions,
        fair_chance=row.fair_chance, start_date=row.start_date, deadline=row.deadline, places=row.places,
        pay=row.pay, cost_kind=row.cost_kind, contact=row.contact, status=row.status,  # type: ignore[arg-type]
        expires=row.expires, created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
        published_at=as_utc_or_none(row.published_at),
    )  # fmt: skip


@router.get("/listings", response_model=ListingPage, responses=ERRORS)
async def list_listings(
    call: AuthenticatedCall,
    status: Annotated[Literal["draft", "published", "closed"] | None, Query(description="only this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="`next_after` of the previous page")] = 0,
) -> ListingPage:
    """Your agency's listings, oldest first; follow `next_after` until it is null."""
    agency = await call.uow.agencies.get_row(call.token.agency_code)
    rows: list[ListingRow] = []
    if agency is not None:
        found = ListingFilter(agency_id=agency.id, status=status)
        rows = await call.uow.listings.page_after(found, after_id=after, limit=limit + 1)
    page = rows[:limit]
    named = {s.id: (s.locality, s.locality_name) for s in await summaries(call.uow, page)}
    await call.commit()  # last_used_at
    return ListingPage(
        items=[_item(r, *named[r.id]) for r in page], next_after=page[-1].id if len(rows) > limit else None
    )


class RegistrationItem(BaseModel):
    id: int
    listing_id: int
    request_code: str = Field(description="the request the registration made (GET /requests/{code} for it)")
    created_at: datetime
    followup_asked_at: datetime | None = Field(description="when the person was asked what became of it")
    outcome: Literal["working", "studying", "need_help", "no_answer"] | None = Field(
        description="started work, started the course, still needs help, or would rather not say"
    )
    outcome_at: datetime | None
    outcome_by: Literal["person", "staff", ""] = Field(description="who recorded the outcome")


class RegistrationPage(BaseModel):
    items: list[RegistrationItem]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


@router.get("/registrations", response_model=RegistrationPage, responses=ERRORS)
async def list_registrations(
    call: AuthenticatedCall,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="`next_after` of the previous page")] = 0,
) -> RegistrationPage:
    """Interest registered in your agency's listings, oldest first: what each person's request is
    about and what became of it (no personal data here; the request holds what the person sent)."""
    agency = await call.uow.agencies.get_row(call.token.agency_code)
    rows = await call.uow.listing_people.page_for_agency(agency.id, after, limit + 1) if agency is not None else []
    page = rows[:limit]
    await call.commit()  # last_used_at
    items = [
        RegistrationItem(
            id=row.id, listing_id=row.listing_id, request_code=code, created_at=as_utc(row.created_at),
            followup_asked_at=as_utc_or_none(row.followup_asked_at), outcome=row.outcome,  # type: ignore[arg-type]
            outcome_at=as_utc_or_none(row.outcome_at),
            outcome_by="" if not row.outcome else ("person" if row.outcome_by == PERSON else "staff"),
        )
        for row, code in page
    ]  # fmt: skip
    return RegistrationPage(items=items, next_after=page[-1][0].id if len(rows) > limit else None)
