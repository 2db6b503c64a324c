"""Text from outside, cleaned once at the door every channel passes through (the message processor
for people, the agency desk for staff), so neither the core nor the database ever sees it raw.

What goes: control characters other than new line and tab (a NUL makes PostgreSQL refuse the whole
transaction; escapes and bells have no business in a request), lone surrogates (not encodable as
UTF-8, so no database can store them), and text past the configured limit. Format characters
(zero-width joiners, direction marks) stay: Vietnamese and emoji sequences use them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# C0 and C1 controls except \t and \n (\r is turned into \n first; \v, \f and NEL into spaces).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACES = re.compile(r"[\x0b\x0c\x85]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Ids live in String(128) columns (chat, update, user ids); one longer is shortened but kept distinct.
MAX_ID = 128
_ID_FIELDS = frozenset({"channel", "chat_id", "user_id", "update_id"})
M = TypeVar("M", bound="DataclassInstance")
# Telegram's own ceiling for one message: more than any person types, less than a flood.
DEFAULT_LIMIT = 4096


def clean_text(text: str, limit: int) -> str:
    """`text` without controls (but \\n and \\t) or lone surrogates, cut to `limit` characters."""
    if text.isascii() and text.isprintable():
        return text[:limit]  # the common case, and the cheap one
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SURROGATES.sub("", _CONTROLS.sub("", _SPACES.sub(" ", text)))
    return text[:limit]


def clean_id(value: str) -> str:
    """An id cleaned like text; past MAX_ID, its head and a digest of the whole, so two long ids that
    differ stay different (a redelivery check compares them)."""
    cleaned = clean_text(value, len(value))
    if len(cleaned) <= MAX_ID:
        return cleaned
    digest = hashlib.sha256(cleaned.encode()).hexdigest()[:32]
    return cleaned[: MAX_ID - len(digest) - 1] + "~" + digest


def sanitise(message: M, limit: int) -> M:
    """Every text field of a frozen message dataclass cleaned; ids fitted to their columns."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(message):
        value = getattr(message, field.name)
        if isinstance(value, str):
            cleaned = clean_id(value) if field.name in _ID_FIELDS else clean_text(value, limit)
            if cleaned != value:
                changes[field.name] = cleaned
    return dataclasses.replace(message, **changes) if changes else message
