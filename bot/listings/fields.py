"""A listing as typed (a form, a CSV row, an employer's proposal) read into checked, typed values.

Every text is cut of control characters and checked against its column's width; dates are
YYYY-MM-DD (or D/M/YYYY as people write them); the locality is a code or an exact name (folded, or
an old name), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from bot.clock import read_day
from bot.listings.errors import ListingError
from bot.storage.models import LocalityRow
from knowledge_base.text import fold

KINDS = ("job", "course")
COST_KINDS = ("free", "supported", "fee")
MAX_PLACES = 100_000
# Column widths (PostgreSQL refuses longer values) and, for texts, what a phone screen can carry.
LIMITS = {
    "title": 200,
    "employer": 200,
    "trade": 80,
    "description": 4000,
    "conditions": 2000,
    "pay": 200,
    "contact": 300,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MULTILINE = ("description", "conditions")
_YES = {"yes", "y", "true", "1", "co", "x"}
_NO = {"no", "n", "false", "0", "khong", ""}


@dataclass(frozen=True)
class ListingInput:
    """What was typed, every field a string (a form's, a CSV cell's); empty means not given."""

    kind: str = ""
    title: str = ""
    employer: str = ""
    locality: str = ""
    trade: str = ""
    description: str = ""
    conditions: str = ""
    fair_chance: str = ""
    start_date: str = ""
    deadline: str = ""
    places: str = ""
    pay: str = ""
    cost_kind: str = ""
    contact: str = ""
    expires: str = ""

    @classmethod
    def of(cls, values: dict[str, Any]) -> ListingInput:
        """From a mapping of names to values (a form, a CSV row): unknown names are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: "" if v is None else str(v) for k, v in values.items() if k in names})


def _text(data: ListingInput, name: str) -> str:
    value = _CONTROL.sub("", getattr(data, name)).strip()
    if name not in _MULTILINE:
        value = " ".join(value.split())
    if len(value) > LIMITS[name]:
        raise ListingError("too_long", name, limit=LIMITS[name])
    return value


def parse_date(text: str, name: str) -> date | None:
    """YYYY-MM-DD, or D/M/YYYY; empty is None; anything else, or a year out of 2000-2100, refused."""
    if not text.strip():
        return None
    try:
        return read_day(text)
    except ValueError:
        raise ListingError("bad_date", name, value=text.strip()[:40]) from None


def _places(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PLACES):
        raise ListingError("bad_places", "places", value=text[:20], max=MAX_PLACES)
    return int(text)


def _fair_chance(text: str) -> bool:
    folded = fold(text).strip()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ListingError("bad_fair_chance", "fair_chance", value=text[:20])


def _kind_and_cost(data: ListingInput) -> tuple[str, str]:
    kind = data.kind.strip().lower()
    if kind not in KINDS:
        raise ListingError("unknown_kind", "kind", kind=data.kind.strip()[:20])
    cost = data.cost_kind.strip().lower()
    if kind == "job" and cost:
        raise ListingError("cost_kind_for_job", "cost_kind")
    if kind == "course" and cost not in (*COST_KINDS, ""):
        raise ListingError("bad_cost_kind", "cost_kind", value=data.cost_kind.strip()[:20])
    return kind, cost


_PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu) ")


def _bare(name: str) -> str:
    """A folded name without its "xã"/"phường" word: a CSV may write "Gia Lộc" for "Xã Gia Lộc"."""
    return _PREFIX.sub("", " ".join(fold(name).split()))


class Places:
    """The localities by code, by bare folded name and by old name: built once for a whole import."""

    def __init__(self, localities: Sequence[LocalityRow]) -> None:
        self.by_code = {r.code: r for r in localities}
        self.by_name: dict[str, list[LocalityRow]] = {}
        self.by_alias: dict[str, list[LocalityRow]] = {}
        for row in localities:
            self.by_name.setdefault(_bare(row.name), []).append(row)
            for alias in {_bare(str(a)) for a in row.aliases or []}:
                self.by_alias.setdefault(alias, []).append(row)

    def find(self, typed: str) -> LocalityRow | None:
        """None for the whole province (empty); by code, else by exact name, else by old name."""
        typed = " ".join(typed.split())
        if not typed:
            return None
        if typed in self.by_code:
            return self.by_code[typed]
        wanted = _bare(typed)
        found = self.by_name.get(wanted) or self.by_alias.get(wanted) or []
        if len(found) > 1:
            raise ListingError("ambiguous_locality", "locality", locality=typed[:80])
        if not found:
            raise ListingError("unknown_locality", "locality", locality=typed[:80])
        return found[0]


def find_locality(typed: str, localities: Sequence[LocalityRow]) -> LocalityRow | None:
    return Places(localities).find(typed)


def read_input(data: ListingInput, localities: Sequence[LocalityRow] | Places, today: date) -> dict[str, Any]:
    """The columns of a listing from what was typed, or the first ListingError found.

    `today` is the deployment's local day: a listing may not expire before it."""
    kind, cost_kind = _kind_and_cost(data)
    texts = {name: _text(data, name) for name in LIMITS}
    # One spelling per trade, so the chat offers "hàn" once, not "Hàn" and "hàn".
    texts["trade"] = texts["trade"].lower()
    if not texts["title"]:
        raise ListingError("title_required", "title")
    start, deadline = parse_date(data.start_date, "start_date"), parse_date(data.deadline, "deadline")
    expires = parse_date(data.expires, "expires")
    if expires is None:
        raise ListingError("expires_required", "expires")
    if expires < today:
        raise ListingError("already_expired", "expires")
    if deadline is not None and deadline > expires:
        raise ListingError("deadline_after_expiry", "deadline")
    places = localities if isinstance(localities, Places) else Places(localities)
    locality = places.find(data.locality)
    return {
        "kind": kind,
        **texts,
        "locality_id": locality.id if locality else None,
        "fair_chance": _fair_chance(data.fair_chance),
        "start_date": start,
        "deadline": deadline,
        "places": _places(data.places),
        "cost_kind": cost_kind,
        "expires": expires,
    }
