"""A conversation that continues: after a staff message, what the person types is their answer.

When the staff of a request write to the person (a reply, or "waiting for you"), the words the
person types next go to that request, as if they had pressed "↩️ Answer the officer", and its agency
is told; they never reach the FAQ's question log. This lasts while the request is open, for
`reply_window_days` after the staff's last message. Under each passed message, one tap ("this is a
new question") takes it back from the request and asks the FAQ instead; typed words then go to the
FAQ until the staff write again. Commands and buttons keep working as everywhere else: only free
text, in a conversation no form or prompt holds, comes here.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.choices import NewQuestionChoice, RequestAction
from handlers.context import Context
from handlers.domain import OPEN_STATUSES, Awaiting
from handlers.flows import faq, menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, free_text
from handlers.flows.my_requests import add_to_request
from handlers.flows.request_view import action
from handlers.messages import Notification
from handlers.state import IDLE


def answering(ctx: Context) -> Awaiting | None:
    """The request the person's typed words answer now, if any."""
    awaiting = ctx.awaiting
    if awaiting is None or ctx.state.flow != IDLE:
        return None
    if ctx.now - awaiting.since > timedelta(days=ctx.settings.reply_window_days):
        return None
    if ctx.state.reply_paused == awaiting.since.isoformat():
        return None
    return awaiting


def _pause(ctx: Context, awaiting: Awaiting) -> None:
    # Until the staff write again: a newer message has another time, so it resumes by itself.
    ctx.state.reply_paused = awaiting.since.isoformat()


async def _forward(turn: Turn, ctx: Context) -> None:
    awaiting = answering(ctx)
    text = turn.text.strip()
    request = await ctx.requests.get_own(ctx.conversation_id, awaiting.code) if awaiting else None
    if awaiting is None or request is None or request.status not in OPEN_STATUSES:
        # Closed or gone since the staff wrote: the words are a question after all.
        if awaiting is not None:
            _pause(ctx, awaiting)
        await faq.answer(ctx, text)
        return
    limit = ctx.settings.max_description_chars
    if len(text) > limit:
        ctx.say(ctx.t("form_description_too_long", limit=limit), [menu.back_to_menu(ctx)])
        return
    if ctx.kb.normalizer.is_crisis(text):
        # Safety first, as for any question: the numbers now, and the staff read the words too.
        ctx.say(ctx.t("crisis"))
    await add_to_request(ctx, request, text)
    ctx.state.forwarded_text, ctx.state.forwarded_code = text, request.code
    ctx.state.forwarded_n += 1
    ctx.say(
        ctx.t("reply_forwarded", code=request.code),
        [
            ctx.choice(NewQuestionChoice(ctx.state.forwarded_n), "reply_new_question"),
            action(ctx, RequestAction.SHOW, request.code, "mine_view"),
            menu.back_to_menu(ctx),
        ],
    )


async def _new_question(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    text = ctx.state.forwarded_text
    if not isinstance(choice, NewQuestionChoice) or choice.n != ctx.state.forwarded_n or not text:
        return Outcome.STALE
    ctx.state.forwarded_text = ""
    if ctx.awaiting is not None:
        _pause(ctx, ctx.awaiting)
    request = await ctx.requests.get_own(ctx.conversation_id, ctx.state.forwarded_code)
    if request is not None:
        # The staff saw the words arrive: they are told not to answer them.
        await ctx.requests.add_event(request.code, "person_message_withdrawn", ctx.now, actor="person")
        ctx.notifications.append(Notification(request.agency_code, request.code, "person_message_withdrawn"))
    await faq.answer(ctx, text)
    return None


FLOW = Flow(
    "replying",
    (
        Route(chosen(NewQuestionChoice), _new_question),
        Route(free_text().when(lambda ctx: answering(ctx) is not None), _forward),
    ),
)
