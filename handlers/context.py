"""Everything one message's handling may read or write, handed in by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.choices import ChoiceData
from handlers.messages import Choice, Notification, OutgoingMessage
from handlers.ports import AgenciesPort, LocalitiesPort, MatchLogPort, RequestsPort, RulesPort
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
    settings: CoreSettings = field(default_factory=CoreSettings)
    notifications: list[Notification] = field(default_factory=list)
    replies: list[OutgoingMessage] = field(default_factory=list)

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
    ) -> None:
        """Queue a reply; the choices of the last reply are what a typed number refers to."""
        self.replies.append(OutgoingMessage(text, tuple(choices), ask_phone=ask_phone, remove_keyboard=remove_keyboard))
        if choices:
            self.state.choices = [[c.id, c.label] for c in choices]
