"""What Hòa Nhập keeps about the person, shown to them, and erased when they ask.

"🔒 Quyền riêng tư" explains what is kept and offers both; /dulieucuatoi shows it, /xoadulieu asks
for a confirmation and then erases: personal fields and message texts go, requests stay only as
anonymous counts, and the agency of a request still open is told it was withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers import commands
from handlers.choices import PrivacyAction, PrivacyChoice
from handlers.context import Context
from handlers.domain import OPEN_STATUSES, PersonRequest
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, command
from handlers.messages import Choice, Notification

# The FAQ entry on data protection; a short text stands in without it.
PRIVACY_SLUG = "bao-mat-du-lieu"
SHOW = PrivacyChoice(PrivacyAction.SHOW)
ERASE = PrivacyChoice(PrivacyAction.ERASE)
ERASE_YES = PrivacyChoice(PrivacyAction.ERASE_YES)
# Everything the chat holds, whenever it was written.
_FROM_THE_START = datetime.min.replace(tzinfo=UTC)


def _choices(ctx: Context) -> list[Choice]:
    return [ctx.choice(SHOW, "privacy_show"), ctx.choice(ERASE, "privacy_erase"), menu.back_to_menu(ctx)]


async def _intro(turn: Turn, ctx: Context) -> None:
    entry = ctx.kb.entries.get(PRIVACY_SLUG)
    ctx.say(entry.answer if entry else ctx.t("privacy_short"), _choices(ctx))


def _request_line(ctx: Context, request: PersonRequest, agencies: dict[str, str]) -> str:
    if request.erased:
        return ctx.t("privacy_data_request_erased", code=request.code)
    return ctx.t(
        "privacy_data_request",
        code=request.code,
        status=ctx.t(f"status_{request.status}"),
        agency=agencies.get(request.agency_code, request.agency_code),
        created=ctx.local_time(request.created_at),
        consent_at=ctx.local_time(request.consent_at),
        version=request.consent_version or "—",
    )


async def show_data(ctx: Context) -> None:
    data = await ctx.privacy.summary(ctx.conversation_id)
    agencies: dict[str, str] = {}
    for request in data.requests:
        agency = await ctx.agencies.get(request.agency_code)
        agencies[request.agency_code] = agency.name if agency else request.agency_code
    lines = [_request_line(ctx, r, agencies) for r in data.requests] or [ctx.t("privacy_data_no_requests")]
    draft = ctx.t("privacy_data_draft") if ctx.state.draft else ""
    alerts = await ctx.alerts.of(ctx.conversation_id) if ctx.alerts is not None else ()
    if alerts:
        draft += ctx.t("privacy_data_alerts", count=len(alerts))
    text = ctx.t(
        "privacy_data",
        since=ctx.local_time(data.since),
        messages=data.messages,
        questions=data.questions,
        requests="\n".join(lines),
        draft=draft,
    )
    ctx.say(text, [ctx.choice(ERASE, "privacy_erase"), menu.back_to_menu(ctx)])


async def _show(turn: Turn, ctx: Context) -> None:
    await show_data(ctx)


async def _ask_erase(turn: Turn, ctx: Context) -> None:
    data = await ctx.privacy.summary(ctx.conversation_id)
    still_open = any(r.status in OPEN_STATUSES and not r.erased for r in data.requests)
    ctx.say(
        ctx.t("privacy_erase_confirm", open_note=ctx.t("privacy_erase_open_note") if still_open else ""),
        [ctx.choice(ERASE_YES, "privacy_erase_yes"), ctx.choice(menu.MAIN, "privacy_erase_no")],
    )


async def _erase(turn: Turn, ctx: Context) -> None:
    done = await ctx.privacy.erase(ctx.conversation_id, ctx.now)
    for agency_code, code in done.withdrawn:
        ctx.notifications.append(Notification(agency_code, code, "erased"))
    # A fresh conversation in the person's language; the transcript so far goes too.
    ctx.state.forget()
    ctx.forget_since = _FROM_THE_START
    ctx.say(
        ctx.t("privacy_erased", requests=done.requests, messages=done.messages, questions=done.questions),
        menu.main_choices(ctx),
    )


async def _stale(turn: Turn, ctx: Context) -> Outcome:
    return Outcome.STALE


FLOW = Flow(
    "privacy",
    (
        Route(chosen(menu.PRIVACY), _intro),
        Route(command(commands.MY_DATA) | chosen(SHOW), _show),
        Route(command(commands.ERASE) | chosen(ERASE), _ask_erase),
        Route(chosen(ERASE_YES), _erase),
        Route(chosen(PrivacyChoice), _stale),
    ),
)
