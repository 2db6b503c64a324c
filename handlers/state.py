"""A conversation's state: stored as JSON in the database between messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

IDLE = ""


@dataclass
class ConversationState:
    locale: str = "vi"
    # The choices last offered, so "2" or the label's words select the same thing as a button.
    choices: list[list[str]] = field(default_factory=list)
    flow: str = IDLE
    step: str = ""
    draft: dict[str, Any] = field(default_factory=dict)
    # The match-log row of the last suggestion shown, so a chosen suggestion can be recorded.
    last_match_id: int | None = None
    # A request whose "add information" step is open.
    request_code: str = ""
    # The last free-text question, offered to a person when the bot could not answer it.
    draft_question: str = ""
    greeted: bool = False
    # When the person last wrote (ISO time): a form left for hours asks "continue?" on return.
    last_seen: str = ""
    # The last words passed to a request as the person's answer to its staff, and their number: the
    # "this is a new question" button under them names that number, so an older one is stale.
    forwarded_text: str = ""
    forwarded_code: str = ""
    forwarded_n: int = 0
    # The staff message (its time, ISO) after which the person said "new question": typed words go
    # to the FAQ again until the staff write anew.
    reply_paused: str = ""
    # The commune (its code) the person said they look for jobs and courses in: offered first next time.
    home_locality: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        if not isinstance(data, dict):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            # A state written by an older version that no longer fits: start afresh, lose nothing else.
            return cls()

    def reset_flow(self) -> None:
        self.flow = IDLE
        self.step = ""
        self.draft = {}
        self.request_code = ""

    def forget(self) -> None:
        """Everything the person told the bot goes; their language and the greeting stay."""
        fresh = ConversationState(locale=self.locale, greeted=self.greeted, last_seen=self.last_seen)
        self.__dict__.update(fresh.__dict__)
