"""What both Zalo surfaces share: no buttons (choices become a numbered list), 2,000-character messages."""

from __future__ import annotations

from typing import Any

import httpx

from bot.channels.base import DeliveryError
from bot.channels.rendering import numbered, split_text
from handlers.messages import OutgoingMessage

MAX_TEXT = 2000


def pieces(payload: dict[str, Any]) -> list[str]:
    return split_text(numbered(OutgoingMessage.from_payload(payload)), MAX_TEXT)


def http_failure(error: httpx.HTTPError | None, status: int = 0, detail: str = "") -> DeliveryError:
    """Network trouble and 5xx / 429 are retried; other 4xx are permanent (403: the person blocked us)."""
    if error is not None or status >= 500 or status == 429:
        return DeliveryError(f"transient: {status or type(error).__name__} {detail}"[:300])
    return DeliveryError(f"rejected: {status} {detail}"[:300], permanent=True, unreachable=status == 403)
