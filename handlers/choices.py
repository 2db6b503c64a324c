"""Choice ids, typed, and typed answers read as one of the choices offered.

Choice ids: what a button carries (a prefix and typed fields), packed into a short string.

Like aiogram's `CallbackData`, without aiogram: a packed id travels as Telegram callback data (at most
64 bytes), as the web chat's button value, and in the conversation state's last offered choices, so
`pack()` refuses what would not fit and `unpack()` refuses whatever is not an id of its kind (a forged,
truncated or stale one) by answering None, never by raising.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from rapidfuzz import fuzz

from knowledge_base.text import clean, fold

# Telegram refuses an inline button whose callback data is longer (in UTF-8 bytes).
CALLBACK_DATA_LIMIT = 64
SEPARATOR = ":"
# Labels carry emoji and punctuation; people type the words. Close enough counts as the choice.
_LABEL_SIMILARITY = 88


class ChoiceIdError(ValueError):
    """A choice id that cannot be packed: a field holding the separator, or an id over the limit."""


@dataclass(frozen=True)
class ChoiceData:
    """Base of every kind of choice id: subclass as a frozen dataclass with `prefix=`."""

    prefix: ClassVar[str] = ""
    _kinds: ClassVar[dict[str, type[ChoiceData]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or any(not part for part in prefix.split(SEPARATOR)):
            raise ValueError(f"bad choice prefix {prefix!r}")
        if prefix in ChoiceData._kinds:
            raise ValueError(f"two kinds of choice share the prefix {prefix!r}")
        cls.prefix = prefix
        ChoiceData._kinds[prefix] = cls

    @classmethod
    @functools.cache
    def _field_types(cls) -> tuple[tuple[str, type], ...]:
        hints = typing.get_type_hints(cls)
        return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))

    def pack(self) -> str:
        parts = [self.prefix]
        for name, _ in self._field_types():
            value = getattr(self, name)
            text = str(value.value if isinstance(value, StrEnum) else value)
            if SEPARATOR in text or (isinstance(value, int) and value < 0):
                raise ChoiceIdError(f"{self.prefix}: {name}={text!r} cannot be packed")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        try:
            size = len(packed.encode("utf-8"))
        except UnicodeEncodeError as error:
            raise ChoiceIdError(f"{self.prefix}: not encodable") from error
        if size > CALLBACK_DATA_LIMIT:
            raise ChoiceIdError(f"{self.prefix}: {size} bytes, over {CALLBACK_DATA_LIMIT}")
        return packed

    @classmethod
    def claims(cls, value: str) -> bool:
        """Whether `value` starts with this kind's prefix (well formed or not)."""
        return value == cls.prefix or value.startswith(cls.prefix + SEPARATOR)

    @classmethod
    def unpack(cls, value: object) -> Self | None:
        if not isinstance(value, str) or len(value.encode("utf-8", "surrogatepass")) > CALLBACK_DATA_LIMIT:
            return None
        fields = cls._field_types()
        if not fields:
            return cls() if value == cls.prefix else None
        if not value.startswith(cls.prefix + SEPARATOR):
            return None
        raw = value[len(cls.prefix) + 1 :].split(SEPARATOR)
        if len(raw) != len(fields):
            return None
        values: dict[str, Any] = {}
        for (name, kind), text in zip(fields, raw, strict=True):
            read = _read(kind, text)
            if read is None:
                return None
            values[name] = read
        return cls(**values)


def _read(kind: type, text: str) -> object | None:
    if issubclass(kind, StrEnum):
        return kind(text) if text in {member.value for member in kind} else None
    if kind is int:
        # Canonical digits only: no sign, no leading zero, no other script's digits.
        canonical = text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))
        return int(text) if canonical else None
    return text if kind is str else None


def parse(value: object) -> ChoiceData | None:
    """The choice an id names, of whichever kind claims it; None for anything else."""
    if not isinstance(value, str):
        return None
    for prefix in sorted(ChoiceData._kinds, key=len, reverse=True):
        kind = ChoiceData._kinds[prefix]
        if kind.claims(value) and (choice := kind.unpack(value)) is not None:
            return choice
    return None


# -- the kinds -------------------------------------------------------------------------------------


class MenuItem(StrEnum):
    MAIN = "main"
    ASK = "ask"
    JOBS = "jobs"
    TOPICS = "topics"
    REQUEST = "request"
    MINE = "mine"
    PERSON = "person"
    PRIVACY = "privacy"
    HELP = "help"
    LANGUAGE = "lang"
    ALERTS = "alerts"


@dataclass(frozen=True)
class MenuChoice(ChoiceData, prefix="menu"):
    item: MenuItem


@dataclass(frozen=True)
class CategoryChoice(ChoiceData, prefix="cat"):
    category: str


@dataclass(frozen=True)
class FaqChoice(ChoiceData, prefix="faq"):
    slug: str


@dataclass(frozen=True)
class FaqMoreChoice(ChoiceData, prefix="more"):
    slug: str


@dataclass(frozen=True)
class NeedHelpChoice(ChoiceData, prefix="help"):
    """ "I need help with this" under an answer: the request form, for the entry's category."""

    slug: str


@dataclass(frozen=True)
class AskPersonChoice(ChoiceData, prefix="ask:person"):
    """Send the last unanswered question to a person, as a request."""


class RequestAction(StrEnum):
    SHOW = "show"
    ADD = "add"
    CANCEL = "cancel"
    CANCEL_YES = "cancelyes"
    # Open a request of another device or chat: its code, then the phone given in it.
    FIND = "find"


@dataclass(frozen=True)
class RequestChoice(ChoiceData, prefix="req"):
    action: RequestAction
    code: str


@dataclass(frozen=True)
class StopAddingChoice(ChoiceData, prefix="req:stopadd"):
    pass


@dataclass(frozen=True)
class NewQuestionChoice(ChoiceData, prefix="newq"):
    """ "This is a new question": the words just passed to a request go to the FAQ instead."""

    n: int


@dataclass(frozen=True)
class HandoverChoice(ChoiceData, prefix="move"):
    """ "Get the replies on Telegram": a one-time link to the notifier `kind` (a channel kind)."""

    kind: str


class PrivacyAction(StrEnum):
    SHOW = "show"
    ERASE = "erase"
    ERASE_YES = "eraseyes"


@dataclass(frozen=True)
class PrivacyChoice(ChoiceData, prefix="data"):
    """The person's own data: see it, erase it, confirm the erasure."""

    action: PrivacyAction


class FormAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    SKIP = "skip"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    RESUME = "resume"
    DISCARD = "discard"
    EDIT_MENU = "editmenu"


@dataclass(frozen=True)
class FormChoice(ChoiceData, prefix="form"):
    answer: FormAnswer


@dataclass(frozen=True)
class FormCategoryChoice(ChoiceData, prefix="form:cat"):
    category: str


@dataclass(frozen=True)
class FormProvinceChoice(ChoiceData, prefix="form:prov"):
    """A province by its place in the sorted list: names can be longer than a button id allows."""

    index: int


@dataclass(frozen=True)
class FormLocalityChoice(ChoiceData, prefix="form:loc"):
    code: str


@dataclass(frozen=True)
class FormContactTimeChoice(ChoiceData, prefix="form:time"):
    time: str


@dataclass(frozen=True)
class FormEditChoice(ChoiceData, prefix="form:edit"):
    field: str


class StaffAction(StrEnum):
    CLAIM = "claim"
    DONE = "done"
    # Shows the person's whole number to the one who pressed (recorded); the post shows it masked.
    PHONE = "phone"


@dataclass(frozen=True)
class StaffChoice(ChoiceData, prefix="staff"):
    """The buttons under a request posted to an agency's group."""

    action: StaffAction
    code: str


# -- typed answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    choice_id: str = ""
    out_of_range: bool = False


def _plain(text: str) -> str:
    return fold(clean(text))


def resolve(text: str, offered: Sequence[Sequence[str]]) -> Resolution:
    """Turns a typed answer ("2", "vay von", "Tiếp tục") into one of the choices last offered."""
    typed = _plain(text)
    if not typed or not offered:
        return Resolution()
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if typed.isdecimal() and len(typed) <= 3:
        number = int(typed)
        if 1 <= number <= len(offered):
            return Resolution(offered[number - 1][0])
        return Resolution(out_of_range=True)
    best_id, best_score = "", 0.0
    for choice_id, label in offered:
        plain_label = _plain(label)
        if not plain_label:
            continue
        if typed == plain_label:
            return Resolution(choice_id)
        score = fuzz.ratio(typed, plain_label)
        if score > best_score:
            best_id, best_score = choice_id, score
    if best_score >= _LABEL_SIMILARITY:
        return Resolution(best_id)
    return Resolution()


# Buttons that carry an FAQ slug: a slug must leave room for the longest of their prefixes.
SLUG_CHOICES: tuple[type[ChoiceData], ...] = (FaqChoice, FaqMoreChoice, NeedHelpChoice)
MAX_SLUG_BYTES = CALLBACK_DATA_LIMIT - max(len(kind.prefix) + 1 for kind in SLUG_CHOICES)
