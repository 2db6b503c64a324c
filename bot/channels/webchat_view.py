"""What the web chat page shows: a page of the transcript (the newest first, older ones on demand)
and the input's hint for the conversation's step (its placeholder, and whether it wants a phone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.messaging.pipeline import INCOMING
from bot.storage.models import ConversationRow, OutboxRow
from bot.storage.repos.listing_alerts import ALERT_KIND
from bot.storage.unit_of_work import UnitOfWork
from handlers.messages import OutgoingMessage
from handlers.state import ConversationState

CHANNEL = "web"
# The messages a visit shows at first, and each "older" page: a shared phone's screen, not the archive.
PAGE = 30
# The rows a transcript shows: the person's words and the bot's (or staff's) messages.
SHOWN = (INCOMING, "message", ALERT_KIND)
# The input's placeholder text key for a step, by (flow, step); "" matches any step of the flow.
STEP_HINTS: dict[tuple[str, str], str] = {
    ("intake", "description"): "chat_ph_description",
    ("intake", "commune"): "chat_ph_commune",
    ("intake", "province"): "chat_ph_commune",
    ("intake", "commune_ok"): "chat_ph_commune",
    ("alerts", "commune"): "chat_ph_commune",
    ("alerts", "province"): "chat_ph_commune",
    ("alerts", "commune_ok"): "chat_ph_commune",
    ("intake", "phone"): "chat_ph_phone",
    ("intake", "name"): "chat_ph_name",
    ("find_request", "code"): "chat_ph_code",
    ("find_request", "phone"): "chat_ph_phone",
    ("add_info", ""): "chat_ph_add",
}
PHONE_HINT = "chat_ph_phone"
REPLY_HINT = "chat_ph_reply"
FREE_HINT = "chat_placeholder"
# Steps where the core takes a description's length (what happened, more information, an answer
# to the staff) rather than a question's.
LONG_TEXT_HINTS = frozenset({"chat_ph_description", "chat_ph_add", REPLY_HINT})


def message_json(row: OutboxRow) -> dict[str, Any]:
    if row.kind == INCOMING:
        return {"id": row.id, "from": "me", "text": str(row.payload.get("text", ""))}
    message = OutgoingMessage.from_payload(row.payload)
    return {
        "id": row.id,
        "from": "bot",
        "text": message.text,
        "choices": [{"id": c.id, "label": c.label} for c in message.choices],
        "ask_phone": message.ask_phone,
        "link": message.link,
    }


@dataclass(frozen=True)
class Window:
    messages: list[dict[str, Any]]
    # The id to ask "older than" for the page before this one; 0 when there is none.
    older: int


async def window(
    uow: UnitOfWork,
    clock: Callable[[], datetime],
    chat_id: str,
    *,
    after: int = 0,
    before: int | None = None,
    limit: int = 200,
) -> Window:
    """The chat's newest `limit` messages after `after` (before `before`, a page further back);
    the bot's messages in it count as delivered from now on."""
    rows = await uow.outbox.transcript(CHANNEL, chat_id, after, limit + 1, before_id=before, kinds=SHOWN)
    more = len(rows) > limit
    rows = rows[1:] if more else rows
    fresh = [r.id for r in rows if r.kind != INCOMING and r.status in ("pending", "sending")]
    await uow.outbox.mark_delivered(fresh, clock())
    await uow.commit()
    return Window([message_json(r) for r in rows], rows[0].id if more and rows else 0)


async def transcript(uow: UnitOfWork, clock: Callable[[], datetime], chat_id: str, after: int) -> list[dict[str, Any]]:
    """The chat since `after`; the bot's messages in it count as delivered from now on."""
    return (await window(uow, clock, chat_id, after=after)).messages


def hint_key(row: ConversationRow | None, now: datetime, reply_window_days: float) -> str:
    """The placeholder's text key for what the bot waits for now: a phone, a commune, a code, the
    person's answer to the staff, or a question."""
    if row is None:
        return FREE_HINT
    state = ConversationState.from_dict(row.state)
    if state.flow == "intake" and state.draft.get("paused"):
        return FREE_HINT
    key = STEP_HINTS.get((state.flow, state.step)) or STEP_HINTS.get((state.flow, ""))
    if key:
        return key
    if row.awaiting_code and row.awaiting_since is not None and not state.flow:
        since = row.awaiting_since if row.awaiting_since.tzinfo else row.awaiting_since.replace(tzinfo=UTC)
        # As handlers/flows/replying.py reads it: paused until the staff write again.
        if state.reply_paused != since.isoformat() and now - since <= timedelta(days=reply_window_days):
            return REPLY_HINT
    return FREE_HINT
