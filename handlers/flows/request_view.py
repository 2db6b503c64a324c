"""One request as the person reads it: its status by name, what they sent, the staff's replies,
every event in plain words and local time, and when to expect the staff.

What staff keep among themselves (internal notes, who claimed it, a transfer's reason, an escalation)
is never shown. A conversation that opened the request with its code and phone sees what the person
sent and the news since, not the replies written before it was opened there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.choices import RequestAction, RequestChoice
from handlers.context import Context
from handlers.domain import OPEN_STATUSES, WAITING, RequestView
from handlers.flows import menu
from handlers.messages import Choice
from handlers.working_hours import working_days

# The last events shown: a phone screen, not the whole file.
SHOWN_EVENTS = 8
# Longer texts are cut in the view (the whole text is in the chat where it arrived).
SHOWN_CHARS = 1000
# Events the person reads, by kind, each with its text key; anything else stays with the staff.
_PLAIN = {
    "created": "event_created",
    "claimed": "event_claimed",
    "linked": "event_linked",
    "moved": "event_moved",
    "erased": "event_erased",
}


def status_name(ctx: Context, status: str) -> str:
    return ctx.t(f"status_{status}")


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive UTC; a link made in this very message is aware.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _cut(text: object) -> str:
    text = str(text or "").strip()
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1].rstrip() + "…"


async def _agency_name(ctx: Context, code: object) -> str:
    agency = await ctx.agencies.get(str(code or ""))
    return agency.name if agency else str(code or "")


async def event_words(ctx: Context, event: dict[str, Any], request: RequestView) -> str | None:
    """The event in the person's words, or None when it is not theirs to read."""
    kind, data = event["type"], event.get("data") or {}
    if kind in _PLAIN:
        return ctx.t(_PLAIN[kind])
    if kind == "assigned":
        return ctx.t("event_claimed") if data.get("to") else None
    if kind in ("routed", "transferred"):
        agency = await _agency_name(ctx, data.get("agency") if kind == "routed" else data.get("to"))
        return ctx.t(f"event_{kind}", agency=agency)
    if kind == "status":
        return ctx.t("event_status", status=status_name(ctx, str(data.get("to", ""))))
    if kind == "person_message":
        return ctx.t("event_person_message", text=_cut(data.get("text")))
    if kind == "replied":
        before_link = request.linked_at is not None and _utc(event["created_at"]) <= _utc(request.linked_at)
        return ctx.t("event_replied_hidden") if before_link else ctx.t("event_replied", text=_cut(data.get("text")))
    return None


async def timeline(ctx: Context, request: RequestView) -> str:
    lines = []
    for event in request.events:
        words = await event_words(ctx, event, request)
        if words is not None:
            lines.append(ctx.t("event_line", when=ctx.local_time(event["created_at"], "%d/%m %H:%M"), what=words))
    return "\n".join(lines[-SHOWN_EVENTS:])


async def promise(ctx: Context, request: RequestView) -> str:
    """What the person may expect next: the staff are waiting for them, or will be in touch within
    the agency's first-response target, in working days."""
    if request.status == WAITING:
        return ctx.t("mine_waiting_for_you")
    if request.status not in OPEN_STATUSES or request.first_response_at is not None:
        return ""
    return await contact_within(ctx, request.agency_code)


async def contact_within(ctx: Context, agency_code: str) -> str:
    agency = await ctx.agencies.get(agency_code)
    if agency is None or agency.first_response_hours <= 0:
        return ctx.t("mine_contact_soon")
    return ctx.t("mine_contact_within", days=working_days(agency.first_response_hours, agency.work_periods))


async def detail(ctx: Context, request: RequestView) -> str:
    expect = await promise(ctx, request)
    return ctx.t(
        "mine_detail",
        code=request.code,
        status=status_name(ctx, request.status),
        category=ctx.t(f"category_{request.category}"),
        agency=await _agency_name(ctx, request.agency_code),
        created=ctx.local_time(request.created_at, "%H:%M %d/%m/%Y"),
        description=_cut(request.description) or "—",
        expect=f"\n{expect}" if expect else "",
        timeline=await timeline(ctx, request),
    )


def action(ctx: Context, kind: RequestAction, code: str, text_key: str) -> Choice:
    return ctx.choice(RequestChoice(kind, code), text_key)


def show(ctx: Context, request: RequestView, text: str) -> None:
    """The request's text with what the person may do with it: add information while it is open
    (first: it is what a waiting request needs), withdraw it from the chat that sent it."""
    code = request.code
    choices: list[Choice] = []
    if request.status in OPEN_STATUSES:
        choices.append(action(ctx, RequestAction.ADD, code, "mine_add"))
        if request.linked_at is None:
            # Withdrawing erases it: only the chat that sent it may, not one that opened it later.
            choices.append(action(ctx, RequestAction.CANCEL, code, "mine_cancel"))
    choices += [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)]
    ctx.say(text, choices)
