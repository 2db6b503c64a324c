"""Everything one message's handling may read or write, handed in by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.choices import ChoiceData
from handlers.domain import Awaiting
from handlers.messages import Choice, Notification, OutgoingMessage
from handlers.ports import (
    AgenciesPort,
    AlertsPort,
    HandoverPort,
    ListingsPort,
    LocalitiesPort,
    MatchLogPort,
    PrivacyPort,
    RequestsPort,
    RulesPort,
)
from handlers.state import ConversationState
from handlers.texts import Texts
from knowledge_base.matcher import Matcher


@dataclass(frozen=True)
class CoreSettings:
    max_question_chars: int = 600
    max_description_chars: int = 2000
    min_description_chars: int = 10
    # After this long away, a half-filled form asks "continue?" instead of taking the message as an answer.
    resume_after_hours: float = 6.0
    # Times people read are in the deployment's time zone, never UTC.
    timezone: str = "Asia/Ho_Chi_Minh"
    # Told in the consent text: how long after it is done a request is kept.
    request_retention_days: int = 365
    # Requests one person may have open at once: the form refuses another (against flooding agencies).
    max_open_requests: int = 3
    # For this long after a staff message, what the person types goes to that request as their answer.
    reply_window_days: float = 7.0
    # Subscriptions to new listings one person may hold at once.
    max_alerts: int = 5
    # Tries at opening a request by code and phone: per conversation, and failed ones overall, an hour.
    lookups_per_hour: int = 5
    lookup_failures_per_hour: int = 200
    # Listings shown on one page of the browser, and beside an answer to a free-text question.
    listings_per_page: int = 5
    listings_beside_answer: int = 3


@dataclass
class Context:
    channel: str
    conversation_id: int
    now: datetime
    state: ConversationState
    texts: Texts
    kb: Matcher
    match_log: MatchLogPort
    requests: RequestsPort
    localities: LocalitiesPort
    agencies: AgenciesPort
    rules: RulesPort
    privacy: PrivacyPort
    settings: CoreSettings = field(default_factory=CoreSettings)
    # Who asked, for the question log: changes every month, never the conversation itself.
    pseudonym: str = ""
    # Set when what the chat holds from this moment on must go (a refused consent, a cancelled
    # form, an erasure): the pipeline deletes the kept transcript since then, this message included.
    forget_since: datetime | None = None
    # The request whose staff last wrote to this chat: the pipeline reads it off the conversation's row.
    awaiting: Awaiting | None = None
    # Moving this conversation to a channel that reaches the person (None: no notifier set up).
    handover: HandoverPort | None = None
    # Subscriptions to new jobs and courses (None: not offered, as in tests of other flows).
    alerts: AlertsPort | None = None
    # Jobs and courses (None: the deployment offers none, and the menu shows only the answers).
    listings: ListingsPort | None = None
    notifications: list[Notification] = field(default_factory=list)
    replies: list[OutgoingMessage] = field(default_factory=list)

    def local_time(self, moment: datetime, pattern: str = "%d/%m/%Y") -> str:
        """A stored instant as the person reads it: in the deployment's time zone."""
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(self.settings.timezone)).strftime(pattern)

    def t(self, key: str, **values: Any) -> str:
        return self.texts.get(self.state.locale, key, **values)

    def choice(self, choice: ChoiceData, text_key: str, **values: Any) -> Choice:
        """A button for `choice`, labelled with the text `text_key` in the reader's language."""
        return Choice.of(choice, self.t(text_key, **values))

    def say(
        self,
        text: str,
        choices: list[Choice] | tuple[Choice, ...] = (),
        *,
        ask_phone: bool = False,
        remove_keyboard: bool = False,
        link: str = "",
    ) -> None:
        """Queue a reply; the choices of the last reply are what a typed number refers to."""
        self.replies.append(
            OutgoingMessage(text, tuple(choices), ask_phone=ask_phone, link=link, remove_keyboard=remove_keyboard)
        )
        if choices:
            self.state.choices = [[c.id, c.label] for c in choices]
