"""Conversations as tables: rows of (what the person does, what the bot's answer shows), run by `talk`.

What the person does: typed text as a plain string, or `Press(...)` (a button by id or label words),
`PressRaw(id)` (a platform's press, offered or not), `Contact(phone, own)`, `START`, `StartWith(parameter)`.
What the answer shows: a fragment or a text key of the Vietnamese catalogue (its words before the
first placeholder), or several of them in a tuple; "#id" means that choice is offered, "^fragment"
that the first reply holds it (case-insensitively), "!fragment" that no reply holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_base.bot_texts import load_catalogues
from tests.harness import Person

VI = load_catalogues()["vi"]


@dataclass(frozen=True)
class Press:
    label: str


@dataclass(frozen=True)
class PressRaw:
    choice_id: str


@dataclass(frozen=True)
class Contact:
    phone: str
    own: bool = True


@dataclass(frozen=True)
class StartWith:
    """The start command with a parameter, as a Telegram deep link sends it."""

    parameter: str


class _Start:
    def __repr__(self) -> str:
        return "START"


START = _Start()
Action = str | Press | PressRaw | Contact | StartWith | _Start
Row = tuple[Action, str | tuple[str, ...]]


async def act(person: Person, action: Action) -> None:
    if isinstance(action, str):
        await person.says(action)
    elif isinstance(action, Press):
        await person.presses(action.label)
    elif isinstance(action, PressRaw):
        await person.presses_raw(action.choice_id)
    elif isinstance(action, Contact):
        await person.shares_contact(action.phone, own=action.own)
    elif isinstance(action, StartWith):
        await person.start(action.parameter)
    else:
        await person.start()


def shown(expected: str) -> str:
    """A text key's words (up to its first placeholder), or the fragment itself."""
    return VI[expected].split("{")[0].strip() if expected in VI else expected


def check(person: Person, expected: str, row: int) -> None:
    where = f"row {row}: {expected!r} in {person.text!r}"
    if expected.startswith("#"):
        assert expected[1:] in person.choice_ids, where
    elif expected.startswith("^"):
        assert shown(expected[1:]).lower() in person.replies[0].text.lower(), where
    elif expected.startswith("!"):
        assert shown(expected[1:]) not in person.text, where
    else:
        assert shown(expected) in person.text, where


async def talk(person: Person, rows: list[Row]) -> None:
    for number, (action, expected) in enumerate(rows, 1):
        await act(person, action)
        for item in (expected,) if isinstance(expected, str) else expected:
            check(person, item, number)
