"""What the agency API reads and answers, as its OpenAPI document describes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, WithJsonSchema

from bot.clock import as_utc, as_utc_or_none
from bot.requests.service import MAX_TEXT
from bot.storage.models import RequestEventRow, RequestRow
from handlers.domain import STATUSES

MAX_BODY_BYTES = 64 * 1024
MAX_REPLY_CHARS = MAX_TEXT  # the service's limit, checked again there


def _known_status(value: str) -> str:
    if value not in STATUSES:
        raise ValueError(f"unknown status; one of {', '.join(STATUSES)}")
    return value


# The status list belongs to handlers.domain; it is read here rather than copied into a Literal so a
# new status reaches the API (and its documented enum) without a second edit.
StatusName = Annotated[str, AfterValidator(_known_status), WithJsonSchema({"type": "string", "enum": list(STATUSES)})]


class Event(BaseModel):
    type: str = Field(description="created, routed, replied, status, claimed, assigned, transferred, note, …")
    actor: str = Field(description="who did it: person, system, a staff member, or api:<token label>")
    created_at: datetime
    data: dict[str, Any] = Field(description="depends on the type, e.g. {'from': 'new', 'to': 'in_progress'}")


class RequestItem(BaseModel):
    code: str = Field(examples=["YC-123456"])
    status: str = Field(json_schema_extra={"enum": list(STATUSES)})
    category: str
    locality_code: str
    locality_name: str = Field(description="the commune's name, or its code if it is no longer known")
    created_at: datetime
    updated_at: datetime
    assignee: str | None = Field(description="the staff member working it, if claimed or assigned")
    description: str
    phone: str = Field(description="the person's full number, to call them back; never log it")
    name: str
    contact_time: str = Field(description="when the person prefers to be called; empty for any time")
    agency_since: datetime | None = Field(description="when your agency received it (a transfer resets it)")
    first_response_at: datetime | None
    resolved_at: datetime | None


class ListingLink(BaseModel):
    """The job or course the person registered interest in, when the request came from one."""

    id: int
    kind: str = Field(json_schema_extra={"enum": ["job", "course"]})
    title: str
    outcome: str | None = Field(description="working, studying, need_help, no_answer; null while unknown")
    outcome_at: datetime | None


class RequestDetail(RequestItem):
    events: list[Event] = Field(description="the timeline, oldest first")
    listing: ListingLink | None = Field(default=None, description="the listing, for a registration of interest")


class RequestPage(BaseModel):
    items: list[RequestItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ReplyIn(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY_CHARS)] = Field(
        description="sent to the person as written (plain text), on the channel they wrote from"
    )


class StatusIn(BaseModel):
    status: StatusName


class Error(BaseModel):
    detail: Any


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "missing, unknown or revoked token"},
    413: {"model": Error, "description": f"request body over {MAX_BODY_BYTES} bytes"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "no such request for your agency (another agency's request looks the same)"}
}


def request_item(row: RequestRow, locality_names: dict[str, str]) -> RequestItem:
    return RequestItem(
        code=row.code,
        status=row.status,
        category=row.category,
        locality_code=row.locality_code,
        locality_name=locality_names.get(row.locality_code, row.locality_code),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        assignee=row.assignee,
        description=row.description,
        phone=row.phone,
        name=row.name,
        contact_time=row.contact_time,
        agency_since=as_utc_or_none(row.agency_since),
        first_response_at=as_utc_or_none(row.first_response_at),
        resolved_at=as_utc_or_none(row.resolved_at),
    )


def event_of(row: RequestEventRow) -> Event:
    return Event(type=row.type, actor=row.actor, created_at=as_utc(row.created_at), data=row.data)
