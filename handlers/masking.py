"""Masks what identifies a person in a question before it is kept for improving the answers:
phone numbers, identity-card and other long numbers, e-mail addresses, and a name the person gives
("tôi tên là …", "em là …") or gave the form."""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge_base.text import fold

MASK = "[…]"
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
# A citizen-identity number has 12 digits, the old card 9; an account number more: any run of 8+.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){7,}")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# "tôi tên là Nguyễn Văn An", "ten em la an", "mình là Lan": the words after it, up to four, while
# they look like a name (start with a capital letter, or the person typed no capitals at all).
_INTRODUCTION = re.compile(
    r"\b(?:t[eê]n\s+(?:t[oô]i|em|m[iì]nh|con|ch[aá]u)\s+l[aà]"
    r"|(?:t[oô]i|em|m[iì]nh|con|ch[aá]u)\s+t[eê]n(?:\s+l[aà])?"
    r"|(?:t[oô]i|em|m[iì]nh)\s+l[aà])\s+((?:[^\W\d_]+\s*){1,4})",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[^\W\d_]+")
# Words that end a name: "tôi là người đã ra tù" introduces no name.
_NOT_NAME_WORDS = frozenset(
    fold(w)
    for w in (
        "người",
        "nguoi",
        "phạm",
        "pham",
        "ở",
        "o",
        "đang",
        "dang",
        "đã",
        "da",
        "mới",
        "moi",
        "vừa",
        "vua",
        "có",
        "co",
        "không",
        "khong",
        "muốn",
        "muon",
        "cần",
        "can",
        "bị",
        "bi",
        "được",
        "duoc",
        "từ",
        "tu",
        "con",
        "em",
        "chị",
        "chi",
        "anh",
        "và",
        "va",
        "nay",
        "năm",
        "nam",
        "sinh",
        "hiện",
        "hien",
    )
)


def _mask_introduction(match: re.Match[str]) -> str:
    """The introduction kept, the name's words masked, and what follows the name kept."""
    group_start = match.start(1)
    end = group_start
    for word in _NAME_WORD.finditer(match.group(1)):
        if fold(word.group(0)) in _NOT_NAME_WORDS:
            break
        end = group_start + word.end()
    if end == group_start:
        return match.group(0)
    whole = match.group(0)
    offset = match.start(0)
    return whole[: group_start - offset] + MASK + whole[end - offset :]


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """The text with phones, long numbers, e-mails and names replaced by a mark."""
    masked = _EMAIL.sub(MASK, text)
    masked = _PHONE.sub(MASK, masked)
    masked = _LONG_NUMBER.sub(MASK, masked)
    masked = _INTRODUCTION.sub(_mask_introduction, masked)
    for given in names:
        name = given.strip()
        if len(name) >= 2:
            masked = re.sub(re.escape(name), MASK, masked, flags=re.IGNORECASE)
    return masked
