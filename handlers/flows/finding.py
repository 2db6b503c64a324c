"""Opening a request sent from another phone or chat: its code, then the phone given in it.

The code alone opens nothing (codes are short and read out loud); the code and the request's phone
together open it here and link it to this conversation, so the staff's later news reaches this chat
too. Tries are throttled per conversation and overall, in the database (every process counts the
same tries), and a wrong code and a wrong phone are answered alike.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import commands
from handlers.choices import RequestAction, RequestChoice, StopAddingChoice
from handlers.context import Context
from handlers.domain import find_code
from handlers.flows import faq, menu, request_view
from handlers.flows.base import Flow, Route, Turn, command, free_text, kind
from handlers.flows.cancel import CANCELS
from handlers.messages import START, Choice
from handlers.phone import normalize_phone
from knowledge_base.text import has_letters

# The conversation state's flow while the person is giving a request's code, then its phone.
FINDING = "find_request"
CODE, PHONE = "code", "phone"
WINDOW = timedelta(hours=1)


def ask_code(ctx: Context) -> None:
    ctx.state.reset_flow()
    ctx.state.flow, ctx.state.step = FINDING, CODE
    ctx.say(ctx.t("mine_find_code"), [ctx.choice(StopAddingChoice(), "form_cancel")])


async def ask_phone(ctx: Context, code: str) -> None:
    """The code is not one of this conversation's requests: the phone given in it may open it here."""
    ctx.state.reset_flow()
    ctx.state.flow, ctx.state.step, ctx.state.request_code = FINDING, PHONE, code
    ctx.say(ctx.t("mine_find_phone", code=code), [ctx.choice(StopAddingChoice(), "form_cancel")])


def _again(ctx: Context) -> list[Choice]:
    return [ctx.choice(RequestChoice(RequestAction.FIND, "-"), "mine_find"), menu.back_to_menu(ctx)]


async def _throttled(ctx: Context) -> bool:
    tries = await ctx.requests.lookups(ctx.conversation_id, ctx.now - WINDOW)
    return tries.mine >= ctx.settings.lookups_per_hour or tries.failed_overall >= ctx.settings.lookup_failures_per_hour


async def _on_phone(ctx: Context, text: str) -> None:
    code = ctx.state.request_code
    phone = normalize_phone(text)
    if phone is None:
        ctx.say(ctx.t("mine_find_bad_phone"), [ctx.choice(StopAddingChoice(), "form_cancel")])
        return
    ctx.state.reset_flow()
    if await _throttled(ctx):
        ctx.say(ctx.t("mine_find_throttled"), [menu.back_to_menu(ctx)])
        return
    request = await ctx.requests.open_with_phone(ctx.conversation_id, code, phone, ctx.now)
    if request is None:
        ctx.say(ctx.t("mine_find_no_match", code=code), _again(ctx))
        return
    text = ctx.t("mine_found", code=code) + "\n\n" + await request_view.detail(ctx, request)
    request_view.show(ctx, request, text)


async def _answer(turn: Turn, ctx: Context) -> None:
    if ctx.state.step == PHONE and not has_letters(turn.text):
        await _on_phone(ctx, turn.text)
        return
    if ctx.state.step == CODE and not has_letters(turn.text):
        # The digits alone, as a code is often read out ("735364"); a typed "YC-..." went to my_requests.
        code = find_code("YC-" + "".join(turn.text.split()))
        if code:
            await ask_phone(ctx, code)
        else:
            ctx.say(ctx.t("mine_find_code"), [ctx.choice(StopAddingChoice(), "form_cancel")])
        return
    # Words, not a code or a phone: the person moved on to a question.
    ctx.state.reset_flow()
    await faq.answer(ctx, turn.text)


def _finding(ctx: Context) -> bool:
    return ctx.state.flow == FINDING


async def _cancel(turn: Turn, ctx: Context) -> None:
    ctx.state.reset_flow()
    menu.show_cancelled(ctx)


class _FindingHolder:
    """The code, then the phone: asked again after an aside, left when the menu is pressed."""

    def holds(self, ctx: Context) -> bool:
        return _finding(ctx)

    async def ask_again(self, ctx: Context) -> None:
        if ctx.state.step == PHONE:
            await ask_phone(ctx, ctx.state.request_code)
        else:
            ask_code(ctx)

    def menu_pressed(self, ctx: Context) -> None:
        ctx.state.reset_flow()

    async def back_after_aside(self, ctx: Context) -> None:
        pass  # the question stays asked; its answer is still awaited


FLOW = Flow(
    "finding",
    (
        Route(CANCELS.when(_finding), _cancel),
        Route((kind(START) | command(commands.START, commands.MENU)).when(_finding), menu.leave_flow),
        Route(free_text().when(_finding), _answer),
    ),
    holder=_FindingHolder(),
)
