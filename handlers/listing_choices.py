"""The choice ids of jobs and courses: browsing listings, registering interest, the follow-up, and
subscribing to new ones (handlers/flows/listings, handlers/flows/alerts). Their own module, as the
request form's are in choices.py; the kinds register with ChoiceData on import, as every kind does."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.choices import ChoiceData, FormAnswer


class AlertKind(StrEnum):
    JOB = "job"
    COURSE = "course"
    ANY = "any"


class AlertAnswer(StrEnum):
    COMMUNE = "commune"
    PROVINCE = "province"
    ANY_TRADE = "anytrade"
    CONFIRM = "confirm"
    CANCEL = "cancel"


@dataclass(frozen=True)
class AlertChoice(ChoiceData, prefix="alert"):
    """A step of subscribing to new jobs and courses: where, any trade, confirm, cancel."""

    answer: AlertAnswer


@dataclass(frozen=True)
class AlertKindChoice(ChoiceData, prefix="alert:kind"):
    kind: AlertKind


@dataclass(frozen=True)
class AlertTradeChoice(ChoiceData, prefix="alert:trade"):
    """A trade by its place in the list offered (kept in the draft): a trade's name may not fit an id."""

    index: int


@dataclass(frozen=True)
class AlertStopChoice(ChoiceData, prefix="alert:stop"):
    """ "Stop these notices", under every notice: the subscription it came from."""

    id: int


@dataclass(frozen=True)
class ListingKindChoice(ChoiceData, prefix="lst:kind"):
    kind: str


@dataclass(frozen=True)
class ListingPlaceChoice(ChoiceData, prefix="lst:place"):
    """`locality` is a commune's code, "" for the whole province; "?" asks for another commune."""

    kind: str
    locality: str


@dataclass(frozen=True)
class ListingTradeChoice(ChoiceData, prefix="lst:trade"):
    """A trade by its place in the sorted list of open trades (a trade's name may not fit an id),
    and the page's first item."""

    kind: str
    locality: str
    trade: int
    offset: int


@dataclass(frozen=True)
class ListingCommuneChoice(ChoiceData, prefix="lst:loc"):
    kind: str
    locality: str


@dataclass(frozen=True)
class ListingShowChoice(ChoiceData, prefix="lst:show"):
    listing: int


@dataclass(frozen=True)
class ListingRegisterChoice(ChoiceData, prefix="lst:reg"):
    listing: int


@dataclass(frozen=True)
class ListingReuseChoice(ChoiceData, prefix="lst:reuse"):
    """Registering interest: use the contact given last time (yes), or give it anew (no)."""

    listing: int
    answer: FormAnswer


class FollowupOutcome(StrEnum):
    WORKING = "working"
    STUDYING = "studying"
    NEED_HELP = "need_help"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class FollowupChoice(ChoiceData, prefix="lst:fu"):
    """The answer to "did you start work / the course?", for one registration."""

    registration: int
    outcome: FollowupOutcome
