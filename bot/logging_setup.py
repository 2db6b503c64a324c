"""Logging that keeps phone numbers and bot tokens out of the logs and long lines short.

Every record is rendered, its traceback too, then any phone number and bot token in it is masked
and a line past `MAX_LINE` characters is cut. Free text is only cut, not redacted: what a person
wrote must not be logged in the first place (log codes and ids, never message text), which is why
the engine hides statement parameters from its errors (`hide_parameters`, bot/storage/database.py)
and the database drivers' parameter loggers are held at WARNING.
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){9}(?!\d)")
# Telegram's and Zalo Bot Platform's tokens (digits, a colon, a long tail) are part of every Bot API URL
# (`/bot<token>/method`), which HTTP clients log and put in their errors.
_BOT_TOKEN = re.compile(r"(?:(?<=bot)|(?<![\w-]))\d{5,}:[\w-]{20,}")
MAX_LINE = 2000
# A traceback is longer than a line, but not without end.
MAX_TRACEBACK = 20_000
_formatter = logging.Formatter()


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, "[secret]")
    text = _BOT_TOKEN.sub("[token]", text)
    text = _PHONE.sub("[phone]", text)
    return text


class RedactingFilter(logging.Filter):
    """Applied to every record: arguments are rendered, then phones, tokens and the configured
    secrets are masked and long text cut, in the message and in its traceback and stack."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        # Short values would mask ordinary words; no real secret is that short.
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg, record.args = self._clean(message, MAX_LINE), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        # The rendered traceback replaces the live one, so no handler renders it unredacted.
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text, MAX_TRACEBACK)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info, MAX_TRACEBACK)
        return True

    def _clean(self, text: str, limit: int) -> str:
        redacted = redact(text, self.secrets)
        return redacted[:limit] + "…" if len(redacted) > limit else redacted


# Loggers of database drivers print statement parameters (what people wrote) at DEBUG.
_PARAMETER_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


def setup_logging(level: str, stream: TextIO | None = None, secrets: tuple[str, ...] = ()) -> None:
    """One handler on the root logger, through the redacting filter; `secrets` (the configured
    tokens and keys) are masked wherever they appear."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Migration chatter on every start hides the conversation in the terminal chat.
    if root.level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
