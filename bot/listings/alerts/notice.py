"""A listing's notice as one subscriber reads it: in their language, with the button that stops it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.storage.models import ListingRow
from handlers.listing_choices import AlertStopChoice
from handlers.messages import Choice, OutgoingMessage
from handlers.texts import Texts


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def notice(texts: Texts, locale: str, listing: ListingRow, place: str, alert_id: int) -> OutgoingMessage:
    """What a subscriber is sent: the listing's essentials, one line each (a line with nothing to say
    is left out), and "stop these" for the subscription `alert_id` that matched."""
    locale = locale if texts.supports(locale) else texts.default_locale
    kind = "course" if listing.kind == "course" else "job"
    lines = [texts.get(locale, f"alert_notice_head_{kind}", title=listing.title)]
    optional: list[tuple[str, dict[str, Any]]] = [
        ("alert_notice_employer", {"employer": listing.employer}),
        ("alert_notice_place", {"place": place or texts.get(locale, "alert_place_province")}),
        ("alert_notice_pay", {"pay": listing.pay}),
        ("alert_notice_start", {"date": _day(listing.start_date)}),
        ("alert_notice_deadline", {"date": _day(listing.deadline)}),
        ("alert_notice_contact", {"contact": listing.contact}),
    ]
    lines += [texts.get(locale, key, **values) for key, values in optional if all(values.values())]
    if listing.fair_chance:
        lines.insert(2, texts.get(locale, "alert_notice_fair"))
    lines.append("")
    lines.append(texts.get(locale, "alert_notice_foot"))
    stop = Choice.of(AlertStopChoice(alert_id), texts.get(locale, "alert_stop_button"))
    return OutgoingMessage("\n".join(lines), (stop,))
