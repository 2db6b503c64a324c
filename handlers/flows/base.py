"""What a flow is: routes (what it takes, what it does with it) and, for a flow that keeps the
conversation between messages, a holder the core asks to repeat its question or step aside."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from handlers.choices import ChoiceData
from handlers.commands import SlashCommand
from handlers.context import Context
from handlers.messages import TEXT
from knowledge_base.text import clean, fold


@dataclass(frozen=True)
class Turn:
    """One incoming message as the flows read it."""

    kind: str
    # Typed text, stripped; for a command, the whole line.
    text: str = ""
    # "/name" in lower case, without "@BotName", when the text is a command.
    command: str = ""
    # The pressed button's id, or the offered choice the typed text names.
    choice_id: str = ""
    choice: ChoiceData | None = None
    # A typed number past the offered choices.
    out_of_range: bool = False
    # The person comes back after hours away.
    away: bool = False
    contact_phone: str = ""
    contact_is_own: bool = False
    # A start command's parameter (a deep link's token), as the platform sent it.
    start: str = ""

    @property
    def typed(self) -> bool:
        """Typed words that are not a command (they may still name an offered choice)."""
        return self.kind == TEXT and bool(self.text) and not self.command

    @property
    def free_text(self) -> bool:
        """Typed words that name no offered choice: a question, or an answer to a step."""
        return self.typed and not self.choice_id and not self.out_of_range


class Outcome(Enum):
    DONE = "done"
    # A button that fits nothing now (old, forged, or for a step already past).
    STALE = "stale"
    # The message was answered with a reason; the current question is asked again.
    ASK_AGAIN = "ask_again"
    # Answered beside the flow that holds the conversation, which goes back to its step.
    ASIDE = "aside"


Condition = Callable[[Context], bool]


@dataclass(frozen=True)
class Takes:
    """What a route takes: `a | b` takes either, `a.when(condition)` only while the condition holds."""

    test: Callable[[Turn, Context], bool]

    def __call__(self, turn: Turn, ctx: Context) -> bool:
        return self.test(turn, ctx)

    def __or__(self, other: Takes) -> Takes:
        return Takes(lambda turn, ctx: self(turn, ctx) or other(turn, ctx))

    def when(self, condition: Condition) -> Takes:
        return Takes(lambda turn, ctx: self(turn, ctx) and condition(ctx))


def _turn(test: Callable[[Turn], bool]) -> Takes:
    return Takes(lambda turn, _ctx: test(turn))


def kind(name: str) -> Takes:
    return _turn(lambda turn: turn.kind == name)


def command(*commands: SlashCommand) -> Takes:
    return _turn(lambda turn: any(c.matches(turn.command) for c in commands))


def any_command() -> Takes:
    return _turn(lambda turn: bool(turn.command))


def empty_text() -> Takes:
    return _turn(lambda turn: turn.kind == TEXT and not turn.text)


def words(phrases: frozenset[str]) -> Takes:
    """Typed words that, folded (no case, no diacritics, no punctuation), are one of `phrases`."""
    return _turn(lambda turn: turn.typed and fold(clean(turn.text)) in phrases)


def chosen(*kinds: type[ChoiceData] | ChoiceData) -> Takes:
    """A choice of one of these kinds (every id of a kind), or exactly one of these choices."""

    def test(turn: Turn) -> bool:
        return any(turn.choice == k if isinstance(k, ChoiceData) else isinstance(turn.choice, k) for k in kinds)

    return _turn(test)


def claimed(kind_: type[ChoiceData]) -> Takes:
    """Any id with this kind's prefix, well formed or not: the flow tells a stale one itself."""
    return _turn(lambda turn: bool(turn.choice_id) and kind_.claims(turn.choice_id))


def free_text() -> Takes:
    return _turn(lambda turn: turn.free_text)


def typed_after_away() -> Takes:
    return _turn(lambda turn: turn.typed and turn.away)


def out_of_range() -> Takes:
    return _turn(lambda turn: turn.kind == TEXT and turn.out_of_range)


Run = Callable[[Turn, Context], Awaitable[Outcome | None]]


@dataclass(frozen=True)
class Route:
    takes: Takes
    run: Run


class Holder(Protocol):
    """A flow that keeps the conversation between messages (a form, a prompt for one answer)."""

    def holds(self, ctx: Context) -> bool:
        """The conversation is waiting for this flow's answer."""
        ...

    async def ask_again(self, ctx: Context) -> None: ...

    def menu_pressed(self, ctx: Context) -> None:
        """A main-menu button was pressed while this flow held the conversation."""
        ...

    async def back_after_aside(self, ctx: Context) -> None:
        """Another flow answered beside this one (an FAQ button pressed mid-form)."""
        ...


@dataclass(frozen=True)
class Flow:
    name: str
    # Walked in order; the first route that takes the turn runs.
    routes: tuple[Route, ...]
    holder: Holder | None = None

    def route_for(self, turn: Turn, ctx: Context) -> Route | None:
        return next((route for route in self.routes if route.takes(turn, ctx)), None)
