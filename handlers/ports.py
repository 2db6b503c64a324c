"""What the core needs from the outside, as protocols. bot/storage's repositories implement them;
tests run the core against those same repositories on a real database, not against stand-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from handlers.domain import (
    Agency,
    Alert,
    Erasure,
    FollowupAnswer,
    Handover,
    ListingItem,
    ListingPage,
    Locality,
    Lookups,
    NewRequest,
    PersonData,
    PriorContact,
    RequestView,
    Rule,
)


class MatchLogPort(Protocol):
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
    ) -> int: ...

    async def mark_chosen(self, match_id: int, slug: str) -> None: ...


class LocalitiesPort(Protocol):
    async def all(self) -> Sequence[Locality]: ...

    async def get(self, code: str) -> Locality | None: ...


class AgenciesPort(Protocol):
    async def get(self, code: str) -> Agency | None: ...


class RulesPort(Protocol):
    async def active_rules(self) -> Sequence[Rule]: ...


class RequestsPort(Protocol):
    async def create(self, request: NewRequest, now: datetime) -> str: ...

    async def for_conversation(self, conversation_id: int, limit: int = 10) -> Sequence[RequestView]: ...

    async def get_own(self, conversation_id: int, code: str) -> RequestView | None: ...

    async def open_codes(self, conversation_id: int) -> Sequence[str]:
        """The codes of this conversation's requests not yet resolved, closed or cancelled, oldest first."""
        ...

    async def add_event(
        self, code: str, event_type: str, now: datetime, actor: str = "", data: dict[str, Any] | None = None
    ) -> None: ...

    async def set_status(self, code: str, status: str, now: datetime, actor: str = "") -> None: ...

    async def lookups(self, conversation_id: int, since: datetime) -> Lookups: ...

    async def open_with_phone(self, conversation_id: int, code: str, phone: str, now: datetime) -> RequestView | None:
        """The request `code` if `phone` is the one given in it, linked to this conversation from now
        on (the try is counted either way); None when code and phone do not match."""
        ...


class PrivacyPort(Protocol):
    """What the person may see and erase of what is kept about them."""

    async def summary(self, conversation_id: int) -> PersonData: ...

    async def erase(self, conversation_id: int, now: datetime) -> Erasure:
        """Personal fields and message texts erased; open requests withdrawn (the caller tells their agencies)."""
        ...

    async def erase_request(self, code: str, now: datetime) -> None:
        """One request's personal fields and texts erased (the person cancelled it)."""
        ...

    async def remember_consent(self, version: str, locale: str, text: str, now: datetime) -> None:
        """Keeps the words of a consent text by its version, the first time it is agreed to."""
        ...


class HandoverPort(Protocol):
    """Moving a conversation to a channel that reaches the person when this one is closed (the web
    chat to Telegram): a one-time link offered here, handed back there."""

    def destinations(self, channel: str) -> Sequence[str]:
        """The notifiers (channel kinds) a conversation on `channel` may move to now; none when none
        is set up, or when `channel` reaches the person by itself."""
        ...

    async def offer(self, conversation_id: int, kind: str, now: datetime) -> Handover:
        """A new one-time link to `kind` for this conversation (OFFERED), or why not."""
        ...

    async def claim(self, conversation_id: int, channel: str, token: str, now: datetime) -> Handover:
        """The link's conversation and its requests moved to this one (MOVED), or why not."""
        ...


class AlertsPort(Protocol):
    """A person's subscriptions to new jobs and courses (bot/storage's ListingAlertRepo)."""

    async def of(self, conversation_id: int) -> Sequence[Alert]: ...

    async def subscribe(
        self, conversation_id: int, kind: str, locality_code: str, trade: str, now: datetime
    ) -> tuple[Alert, bool] | None:
        """The subscription and whether it is new (False: the same one was there); None: unknown commune."""
        ...

    async def remove(self, conversation_id: int, alert_id: int | None = None) -> int:
        """One subscription, or every one, removed with its notices not yet sent; how many went."""
        ...

    async def trades(self, kind: str, limit: int = 12) -> Sequence[str]:
        """The trades of published listings of the kind, most common first."""
        ...


class ListingsPort(Protocol):
    """Jobs and courses people may be offered (published, not past their last day), and a person's
    registered interest in one. `locality` is a commune's code, "" for the whole province: a commune
    finds its own listings and the whole province's."""

    async def trades(self, kind: str, locality: str, now: datetime) -> Sequence[str]:
        """The trades of the open listings of that kind there, sorted, none empty."""
        ...

    async def page(
        self, kind: str, locality: str, trade: str, now: datetime, *, offset: int, limit: int
    ) -> ListingPage: ...

    async def get(self, listing_id: int, now: datetime) -> ListingItem | None:
        """Any listing a person was shown (open or not, so its detail can say it closed); None for a
        draft or an unknown id."""
        ...

    async def search(self, text: str, now: datetime, *, limit: int) -> Sequence[ListingItem]:
        """Open listings whose trade (or the start of whose title) the text names, in the commune
        it names (and the whole province's) if it names one."""
        ...

    async def open_registration(self, conversation_id: int, listing_id: int) -> str | None:
        """The code of this conversation's open request about the listing, if there is one."""
        ...

    async def register(self, listing_id: int, request_code: str, now: datetime) -> None:
        """Links the request just sent to the listing."""
        ...

    async def prior_contact(self, conversation_id: int) -> PriorContact | None:
        """The phone, name and contact time of this conversation's latest request still kept."""
        ...

    async def answer_followup(
        self, registration_id: int, conversation_id: int, outcome: str, now: datetime
    ) -> FollowupAnswer:
        """The person's answer to the follow-up, kept once; "need_help" reopens the request."""
        ...
