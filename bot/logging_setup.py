"""Logging that keeps phone numbers and bot tokens out of the logs and long lines short.

Every record is rendered, its traceback too, then any phone number and bot token in it is masked
and a line past `MAX_LINE` characters is cut. Free text is only cut, not redacted: what a person
wrote must not be logged in the first place (log codes and ids, never message text), which is why
the engine hides statement parameters from its errors (`hide_parameters`, bot/storage/database.py)
and the database drivers' parameter loggers are held at WARNING.

HOANHAP_LOG_FORMAT=json writes each record as one JSON object a line (time, level, logger, message,
request_id, exception) for a log collector; the fields are those the filter has already cleaned.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){9}(?!\d)")
# Telegram's and Zalo Bot Platform's tokens (digits, a colon, a long tail) are part of every Bot API URL
# (`/bot<token>/method`), which HTTP clients log and put in their errors.
_BOT_TOKEN = re.compile(r"(?:(?<=bot)|(?<![\w-]))\d{5,}:[\w-]{20,}")
MAX_LINE = 2000
# A traceback is longer than a line, but not without end.
MAX_TRACEBACK = 20_000
_formatter = logging.Formatter()
# The web request being served (bot.web.middleware.RequestIdMiddleware sets it), for every record
# logged while it is: one request's lines can be found together, and matched to the proxy's log.
request_id: ContextVar[str] = ContextVar("request_id", default="")


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
        # A client chose it (X-Request-ID): cleaned like anything else that came from outside.
        record.request_id = self._clean(request_id.get(), 200)
        return True

    def _clean(self, text: str, limit: int) -> str:
        redacted = redact(text, self.secrets)
        return redacted[:limit] + "…" if len(redacted) > limit else redacted


# Loggers of database drivers print statement parameters (what people wrote) at DEBUG.
_PARAMETER_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


class JsonFormatter(logging.Formatter):
    """One JSON object a line. Behind RedactingFilter: message, exception and request id are the
    cleaned ones (the live traceback is gone by then), and nothing else of the record is written."""

    def format(self, record: logging.LogRecord) -> str:
        exception = record.exc_text or None
        if record.stack_info:
            exception = f"{exception}\n{record.stack_info}" if exception else record.stack_info
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "exception": exception,
        }
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, stream: TextIO | None = None, secrets: tuple[str, ...] = (), fmt: str = "text") -> None:
    """One handler on the root logger, through the redacting filter; `secrets` (the configured
    tokens and keys) are masked wherever they appear. `fmt`: "text" or "json"."""
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
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
