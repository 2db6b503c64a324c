"""Plain records the core reads through its ports: localities, agencies, rules, requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# Request statuses, in the order a request usually moves through them.
NEW = "new"
IN_PROGRESS = "in_progress"
WAITING = "waiting"
RESOLVED = "resolved"
CLOSED = "closed"
CANCELLED = "cancelled"
STATUSES = (NEW, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED)
OPEN_STATUSES = (NEW, IN_PROGRESS, WAITING)
# Statuses that stop the resolution clock.
CLOSING_STATUSES = (RESOLVED, CLOSED, CANCELLED)
# "YC-123456", "yc 123456", "YC123456": how a request's code is read out or typed.
CODE_RE = re.compile(r"\byc[\s\-_.]*(\d{4,10})\b", re.IGNORECASE)


def find_code(text: str) -> str:
    """The request code written somewhere in `text`, in its canonical form, or ""."""
    match = CODE_RE.search(text)
    return f"YC-{match.group(1)}" if match else ""


# A listing alert's kinds: a job, a course, or either.
JOB, COURSE, ANY_KIND = "job", "course", "any"
ALERT_KINDS = (JOB, COURSE, ANY_KIND)


@dataclass(frozen=True)
class Alert:
    """A person's subscription to new listings: a kind, a commune ("": the whole province), a trade ("": any)."""

    id: int
    kind: str
    locality_code: str
    locality_name: str
    trade: str


@dataclass(frozen=True)
class Locality:
    code: str
    name: str
    province: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str
    contact: str = ""
    hours: str = ""
    # The first-response target in working hours, and the working periods of a day it counts in.
    first_response_hours: int = 0
    work_periods: str = ""


@dataclass(frozen=True)
class Rule:
    id: int
    agency_code: str
    category: str | None = None
    locality_code: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    agency_code: str
    rule_id: int | None
    scope: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency_code, "rule_id": self.rule_id, "scope": self.scope, "reason": self.reason}


@dataclass(frozen=True)
class NewRequest:
    conversation_id: int
    category: str
    description: str
    locality_code: str
    phone: str
    name: str
    contact_time: str
    consent_at: datetime
    routing: RoutingDecision
    faq_slug: str | None = None
    consent_version: str = ""


@dataclass(frozen=True)
class RequestView:
    code: str
    category: str
    status: str
    agency_code: str
    locality_code: str
    created_at: datetime
    description: str = ""
    events: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    first_response_at: datetime | None = None
    # Set when the reader's conversation did not send the request but opened it with its code and
    # phone (then): it sees what the person sent and the staff's news since, not earlier replies.
    linked_at: datetime | None = None


@dataclass(frozen=True)
class Awaiting:
    """The request whose staff last wrote to this conversation, and when: the person's next words
    may be their answer."""

    code: str
    since: datetime


@dataclass(frozen=True)
class Lookups:
    """Tries at opening a request by code and phone within the throttle's window."""

    mine: int
    failed_overall: int


@dataclass(frozen=True)
class PersonRequest:
    """One of the person's requests as "my data" lists it."""

    code: str
    status: str
    agency_code: str
    created_at: datetime
    consent_version: str
    consent_at: datetime
    erased: bool


@dataclass(frozen=True)
class PersonData:
    """What Hòa Nhập keeps about the person writing: for them to see before they erase it."""

    since: datetime
    messages: int
    questions: int
    requests: tuple[PersonRequest, ...] = ()


@dataclass(frozen=True)
class Erasure:
    """What erasing a person's data did: the open requests it withdrew (agency, code) and counts."""

    requests: int
    messages: int
    questions: int
    withdrawn: tuple[tuple[str, str], ...] = ()


class HandoverResult(StrEnum):
    """What came of offering a link to another channel, or of a link handed back there."""

    OFFERED = "offered"
    MOVED = "moved"
    # Refusals of an offer: no such notifier set up here now, or too many links asked for lately.
    UNAVAILABLE = "unavailable"
    TOO_MANY = "too_many"
    # Refusals of a link handed back: never issued (or malformed, or for another channel), too old,
    # already used. Told apart only so the person knows to ask for a new one.
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Handover:
    result: HandoverResult
    # An offer: where the person goes (a t.me deep link), and for how many minutes it works.
    link: str = ""
    minutes: int = 0
    # A move: the requests that now tell this conversation, and the language the person had there.
    codes: tuple[str, ...] = ()
    locale: str = ""


# What a listing is, for the conversation: a job or a course.
JOB, COURSE = "job", "course"
LISTING_KINDS = (JOB, COURSE)


@dataclass(frozen=True)
class ListingItem:
    """A listing as the person reads it. `open` is False once it is closed or past its last day."""

    id: int
    kind: str
    title: str
    employer: str
    agency_code: str
    locality_name: str
    trade: str
    fair_chance: bool
    open: bool
    description: str = ""
    conditions: str = ""
    start_date: str = ""
    deadline: str = ""
    places: int | None = None
    pay: str = ""
    cost_kind: str = ""
    contact: str = ""
    expired: bool = False


@dataclass(frozen=True)
class ListingPage:
    items: tuple[ListingItem, ...]
    # There are more after this page.
    more: bool


@dataclass(frozen=True)
class PriorContact:
    """What the person gave in their last request still kept (not erased): offered again, with consent."""

    phone: str
    name: str
    contact_time: str


class FollowupResult(StrEnum):
    """What came of an answer to the follow-up question."""

    RECORDED = "recorded"
    # Answered before (by the person, or staff recorded it): the first answer stands.
    ALREADY = "already"
    # No such registration, or not this conversation's, or its request erased.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FollowupAnswer:
    result: FollowupResult
    # The registration's request and its agency (to tell it when the person still needs help).
    request_code: str = ""
    agency_code: str = ""
