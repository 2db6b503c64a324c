"""A request's timeline and who read it, in the page's words: each event as a line (who, what,
the text written, how a reply was delivered), and the readers with how often they read it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.listings.registrations import OUTCOMES
from bot.storage.models import AgencyRow, RequestEventRow, RequestViewRow
from bot.web.deps import Translate

DELIVERY = {
    "pending": "queued",
    "sending": "queued",
    "held": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "failed": "failed",
}


# Events told in a fixed sentence: (the line's class, its text key).
_PLAIN = {
    "claimed": ("staff", "ws_event_claimed"),
    "escalated": ("escalated", "ws_event_escalated"),
    # The person opened the request in another chat with its code and phone: news goes there too.
    "linked": ("person", "ws_event_linked"),
    # The person moved from the web chat to a notifier (Telegram): news goes there instead.
    "moved": ("person", "ws_event_moved"),
    # The person's last message was meant for the assistant, not for the staff.
    "person_message_withdrawn": ("person", "ws_event_person_message_withdrawn"),
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline, in words."""

    css: str
    title: str
    actor: str
    created_at: datetime
    body: str = ""
    body_label: str = ""
    delivery: str = ""
    delivery_text: str = ""
    delivery_error: str = ""


def _actor(actor: str, labels: dict[str, str], t: Translate) -> str:
    if actor == "person":
        return t("ws_actor_person")
    if actor == "system":
        return t("ws_actor_system")
    return labels.get(actor, actor)


class Timeline:
    def __init__(
        self,
        t: Translate,
        status_name: Callable[[str], str],
        agencies: dict[str, AgencyRow],
        labels: dict[str, str],
        deliveries: dict[int, tuple[str, str]],
    ) -> None:
        self.t = t
        self.status_name = status_name
        self.agencies = agencies
        self.labels = labels
        self.deliveries = deliveries

    def agency(self, code: object) -> str:
        found = self.agencies.get(str(code or ""))
        return found.name if found else str(code or "")

    def entry(self, event: RequestEventRow, routing: str) -> Entry:
        t, data = self.t, event.data or {}
        actor = _actor(event.actor, self.labels, t)
        kind = event.type

        def line(css: str, title: str, **extra: str) -> Entry:
            return Entry(css, title, actor, event.created_at, **extra)

        if kind == "created":
            return line("person", t("ws_event_created"))
        if kind == "routed":
            return line("system", t("ws_event_routed", agency=self.agency(data.get("agency")), how=routing))
        if kind == "person_message":
            return line("person", t("ws_event_person_message"), body=str(data.get("text", "")))
        if kind == "replied":
            state, error = self.deliveries.get(int(data.get("outbox_id") or 0), ("", ""))
            delivery = DELIVERY.get(state, "unknown") if data.get("outbox_id") else "none"
            return line(
                "reply",
                t("ws_event_replied"),
                body=str(data.get("text", "")),
                delivery=delivery,
                delivery_text=t(f"ws_delivery_{delivery}"),
                delivery_error=error if delivery == "failed" else "",
            )
        if kind == "note":
            return line("note", t("ws_event_note"), body=str(data.get("text", "")))
        if kind == "status":
            before, after = str(data.get("from", "")), str(data.get("to", ""))
            return line("status", t("ws_event_status", before=self.status_name(before), after=self.status_name(after)))
        if kind in _PLAIN:
            css, key = _PLAIN[kind]
            return line(css, t(key, channel=str(data.get("channel", ""))))
        if kind == "assigned":
            to = data.get("to")
            if not to:
                return line("staff", t("ws_event_unassigned"))
            return line("staff", t("ws_event_assigned", to=self.labels.get(str(to), str(to))))
        if kind == "transferred":
            return line(
                "transfer",
                t("ws_event_transferred", before=self.agency(data.get("from")), after=self.agency(data.get("to"))),
                body=str(data.get("reason", "")),
                body_label=t("ws_reason_staff_only"),
            )
        if kind == "erased":
            return line("person" if event.actor == "person" else "system", t(f"ws_event_erased_{erasure(event.actor)}"))
        if kind == "listing_outcome" and str(data.get("outcome")) in OUTCOMES:
            outcome = t(f"ws_outcome_{data['outcome']}")
            return line(
                "person" if event.actor == "person" else "staff", t("ws_event_listing_outcome", outcome=outcome)
            )
        return line("system", t("ws_event_other", type=kind))


def erasure(actor: str) -> str:
    """Who erased: the person, or the retention round."""
    return "person" if actor == "person" else "retention"


@dataclass(frozen=True)
class Viewer:
    who: str
    via: str
    times: int
    last_at: datetime


def viewers(views: Sequence[RequestViewRow], labels: dict[str, str], t: Translate) -> list[Viewer]:
    """Recent reads per reader (newest first): every read is kept, a page shows who and how often."""
    seen: dict[tuple[str, str], Viewer] = {}
    for view in views:
        key = (view.actor, view.via)
        before = seen.get(key)
        if before is None:
            seen[key] = Viewer(_actor(view.actor, labels, t), view.via, 1, view.created_at)
        else:
            seen[key] = replace(before, times=before.times + 1)
    return list(seen.values())
