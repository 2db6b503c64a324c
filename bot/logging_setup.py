"""Logging that keeps phone numbers out of the logs and long lines short.

Every record is rendered, then any phone number in it is masked and a line past `MAX_LINE`
characters is cut. Free text is only cut, not redacted: what a person wrote must not be logged in
the first place (log codes and ids, never message text). The database drivers' parameter loggers,
which would print what people wrote, are held at WARNING.
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){9}(?!\d)")
MAX_LINE = 2000


def redact(text: str) -> str:
    text = _PHONE.sub("[phone]", text)
    return text


class RedactingFilter(logging.Filter):
    """Applied to every record: arguments are rendered, then phones are masked and long text cut."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact(message)
        if len(redacted) > MAX_LINE:
            redacted = redacted[:MAX_LINE] + "…"
        record.msg, record.args = redacted, None
        return True


# Loggers of database drivers print statement parameters (what people wrote) at DEBUG.
_PARAMETER_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


def setup_logging(level: str, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Migration chatter on every start hides the conversation in the terminal chat.
    if root.level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
