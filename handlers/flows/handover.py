"""Moving the conversation to a channel that reaches the person's phone: from the web chat, whose
replies wait until the page is open again, to Telegram (or another notifier set up the same way).

Here, a one-time link is offered; there, the link comes back as the start command's parameter and
the conversation's requests move over, so the staff's news and the reply window follow the person.
Which notifiers exist, what a link looks like and what moving does are the port's (bot/messaging/
handover.py); the core only offers, hands back and says what came of it.
"""

from __future__ import annotations

from handlers.choices import HandoverChoice
from handlers.context import Context
from handlers.domain import HandoverResult
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Takes, Turn, chosen
from handlers.messages import START

# The refusals' text keys; an offer's and a move's own texts are named below.
_REFUSED = {
    HandoverResult.UNAVAILABLE: "handover_unavailable",
    HandoverResult.TOO_MANY: "handover_too_many",
    HandoverResult.INVALID: "handover_invalid",
    HandoverResult.EXPIRED: "handover_expired",
    HandoverResult.USED: "handover_used",
}


def _with_token() -> Takes:
    return Takes(lambda turn, _ctx: turn.kind == START and bool(turn.start))


async def _offer(turn: Turn, ctx: Context) -> Outcome:
    choice = turn.choice
    if ctx.handover is None or not isinstance(choice, HandoverChoice):
        return Outcome.STALE
    if choice.kind not in ctx.handover.destinations(ctx.channel):
        return Outcome.STALE
    offer = await ctx.handover.offer(ctx.conversation_id, choice.kind, ctx.now)
    if offer.result is HandoverResult.OFFERED:
        text = ctx.t(f"handover_link_{choice.kind}", minutes=offer.minutes)
        ctx.say(text, [menu.back_to_menu(ctx)], link=offer.link)
    else:
        ctx.say(ctx.t(_REFUSED.get(offer.result, "handover_unavailable")), [menu.back_to_menu(ctx)])
    return Outcome.ASIDE


async def _claim(turn: Turn, ctx: Context) -> None:
    if ctx.handover is None:
        menu.greet(ctx)
        return
    moved = await ctx.handover.claim(ctx.conversation_id, ctx.channel, turn.start, ctx.now)
    if moved.result is not HandoverResult.MOVED:
        ctx.say(ctx.t(_REFUSED.get(moved.result, "handover_invalid")))
        menu.greet(ctx)
        return
    if moved.locale and ctx.texts.supports(moved.locale) and not ctx.state.greeted:
        # A chat opened by the link goes on in the language the person chose on the web.
        ctx.state.locale = moved.locale
    if moved.codes:
        ctx.say(ctx.t("handover_moved_here", codes=", ".join(moved.codes)), menu.main_choices(ctx))
    else:
        ctx.say(ctx.t("handover_moved_here_none"), menu.main_choices(ctx))
    ctx.state.greeted = True


FLOW = Flow(
    "handover",
    (
        # Before every other flow: a start with a token is this link coming back, even mid-form.
        Route(_with_token(), _claim),
        Route(chosen(HandoverChoice), _offer),
    ),
)
