"""The conversation core: one incoming message in, the replies out (through the context).

The message is read into a turn and handed to the first flow of the table that takes it. Adding a
flow is one module in handlers/flows/ and one line here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.choices import MenuChoice, parse, resolve
from handlers.context import Context
from handlers.flows import (
    alerts,
    cancel,
    faq,
    finding,
    handover,
    intake,
    language,
    listings,
    menu,
    my_requests,
    person,
    privacy,
    replying,
    unexpected,
)
from handlers.flows.base import Flow, Holder, Outcome, Route, Turn
from handlers.messages import CHOICE, CONTACT, TEXT, Choice, IncomingMessage, OutgoingMessage

# In order: a start command carrying a link's token first (the conversation moving here); then a
# flow's routes that take a command or a word only while it holds the conversation (/huy, /menu,
# /start with a form open) come before the flows that take them otherwise; free text
# goes to the open form, then to an open "add information" prompt, then to a request code, then to
# the code-and-phone search, then to a request whose staff just wrote (the person's answer), then to
# the FAQ; `unexpected` takes what is left.
FLOWS: tuple[Flow, ...] = (
    handover.FLOW,
    alerts.FLOW,
    intake.FLOW,
    my_requests.FLOW,
    finding.FLOW,
    cancel.FLOW,
    menu.FLOW,
    language.FLOW,
    listings.FLOW,
    person.FLOW,
    privacy.FLOW,
    replying.FLOW,
    faq.FLOW,
    unexpected.FLOW,
)


async def handle(message: IncomingMessage, ctx: Context) -> list[OutgoingMessage]:
    state = ctx.state
    # Vietnamese first, whatever language the phone is set to: the answers themselves are Vietnamese,
    # and many people here keep an English phone. /lang switches.
    if not state.last_seen and message.locale in ctx.texts.locales:
        # A new conversation, from a page whose language the person had already switched.
        state.locale = message.locale
    away = _away_since(state.last_seen, ctx.now) > timedelta(hours=ctx.settings.resume_after_hours)
    state.last_seen = ctx.now.isoformat()
    turn = read(message, ctx, away=away)
    if turn.kind == TEXT and not state.greeted and not turn.command:
        # Channels without a start command (Zalo): a person's first message gets the greeting too.
        menu.greet(ctx)
    await _dispatch(turn, ctx)
    return ctx.replies


def read(message: IncomingMessage, ctx: Context, *, away: bool = False) -> Turn:
    """The message as flows read it: a command named, a typed answer turned into the choice it names."""
    if message.kind == CONTACT:
        return Turn(CONTACT, contact_phone=message.contact_phone, contact_is_own=message.contact_is_own)
    if message.kind == CHOICE:
        return Turn(CHOICE, choice_id=message.choice, choice=parse(message.choice), away=away)
    if message.kind != TEXT:
        return Turn(message.kind, away=away, start=message.start)
    text = message.text.strip()
    if text.startswith("/"):
        return Turn(TEXT, text, command=text.split()[0].split("@")[0].lower(), away=away)
    resolution = resolve(text, ctx.state.choices)
    return Turn(
        TEXT,
        text,
        choice_id=resolution.choice_id,
        choice=parse(resolution.choice_id) if resolution.choice_id else None,
        out_of_range=resolution.out_of_range,
        away=away,
    )


def _away_since(last_seen: str, now: datetime) -> timedelta:
    try:
        return now - datetime.fromisoformat(last_seen)
    except (TypeError, ValueError):
        return timedelta(0)


def taker(turn: Turn, ctx: Context) -> tuple[Flow, Route] | None:
    """The first flow of the table that takes the turn, and the route of it that does."""
    for flow in FLOWS:
        if (route := flow.route_for(turn, ctx)) is not None:
            return flow, route
    return None


def _holding(ctx: Context) -> tuple[Flow, Holder] | None:
    for flow in FLOWS:
        if flow.holder is not None and flow.holder.holds(ctx):
            return flow, flow.holder
    return None


async def _dispatch(turn: Turn, ctx: Context) -> None:
    taken = taker(turn, ctx)
    holding = _holding(ctx)
    if holding and turn.choice_id and MenuChoice.claims(turn.choice_id) and (not taken or taken[0] is not holding[0]):
        # A main-menu button leaves the flow that holds the conversation (a form pauses, keeping its draft).
        holding[1].menu_pressed(ctx)
    outcome = (await taken[1].run(turn, ctx) or Outcome.DONE) if taken else Outcome.STALE
    if outcome is Outcome.STALE:
        ctx.say(ctx.t("stale_button"))
    if outcome is Outcome.ASK_AGAIN and turn.out_of_range and not _holding(ctx) and ctx.state.choices:
        # No question to ask again (a listing's detail, an answer): the choices the number was meant for.
        ctx.say(ctx.t("choices_again"), [Choice(choice_id, label) for choice_id, label in ctx.state.choices])
    elif outcome in (Outcome.STALE, Outcome.ASK_AGAIN):
        await ask_again_or_menu(ctx)
    elif outcome is Outcome.ASIDE and (holding := _holding(ctx)):
        await holding[1].back_after_aside(ctx)


async def ask_again_or_menu(ctx: Context) -> None:
    holding = _holding(ctx)
    if holding:
        await holding[1].ask_again(ctx)
    else:
        menu.show_menu(ctx)
