"""The request form: category, need, commune, phone, name, contact time, consent, confirm.

The draft lives in the conversation state, so it survives restarts and days of silence. Every step
validates its answer and asks again with a reason; a question asked mid-form is answered and the
step asked again; /huy cancels anywhere; refusing consent keeps nothing.
"""

from __future__ import annotations

from handlers import commands
from handlers.choices import FormChoice, NeedHelpChoice
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, claimed, command, free_text, kind, typed_after_away
from handlers.flows.cancel import CANCELS
from handlers.flows.intake.answers import on_choice, on_contact, on_text
from handlers.flows.intake.asking import ask_step, cancel, offer_resume, pause, start
from handlers.flows.intake.steps import has_draft, in_form
from handlers.messages import CONTACT, START

__all__ = ["FLOW", "offer_resume", "start"]


class _FormHolder:
    """A long form: a menu button pauses it (the draft is kept), an aside answer returns to its step."""

    def holds(self, ctx: Context) -> bool:
        return in_form(ctx)

    async def ask_again(self, ctx: Context) -> None:
        await ask_step(ctx)

    def menu_pressed(self, ctx: Context) -> None:
        pause(ctx)

    async def back_after_aside(self, ctx: Context) -> None:
        ctx.say(ctx.t("form_back_to_step"))
        await ask_step(ctx)


async def _greet_and_offer(turn: Turn, ctx: Context) -> None:
    menu.greet(ctx)
    await offer_resume(ctx)


async def _cancel(turn: Turn, ctx: Context) -> None:
    cancel(ctx)


async def _to_menu(turn: Turn, ctx: Context) -> None:
    pause(ctx)
    menu.show_menu(ctx)


async def _contact(turn: Turn, ctx: Context) -> None:
    await on_contact(ctx, turn.contact_phone, turn.contact_is_own)


async def _offer_resume(turn: Turn, ctx: Context) -> None:
    await offer_resume(ctx)


async def _button(turn: Turn, ctx: Context) -> Outcome | None:
    return None if has_draft(ctx) and await on_choice(ctx, turn.choice) else Outcome.STALE


async def _request(turn: Turn, ctx: Context) -> None:
    if has_draft(ctx):
        if in_form(ctx):
            pause(ctx)  # as any main-menu button does
        await offer_resume(ctx)
    else:
        await start(ctx)


async def _need_help(turn: Turn, ctx: Context) -> Outcome | None:
    entry = ctx.kb.entries.get(turn.choice.slug) if isinstance(turn.choice, NeedHelpChoice) else None
    if entry is None or not entry.category:
        return Outcome.STALE
    await start(ctx, category=entry.category, faq_slug=entry.slug)
    return None


async def _answer(turn: Turn, ctx: Context) -> None:
    await on_text(ctx, turn.text)


FLOW = Flow(
    "intake",
    (
        Route((kind(START) | command(commands.START)).when(has_draft), _greet_and_offer),
        Route(CANCELS.when(has_draft), _cancel),
        Route(command(commands.MENU).when(has_draft), _to_menu),
        Route(kind(CONTACT).when(in_form), _contact),
        # Hours later, "continue?" first: what is typed may not be meant for the step asked long ago.
        Route(typed_after_away().when(in_form), _offer_resume),
        Route(claimed(FormChoice), _button),
        Route(chosen(menu.REQUEST), _request),
        Route(chosen(NeedHelpChoice), _need_help),
        Route(free_text().when(in_form), _answer),
    ),
    holder=_FormHolder(),
)
