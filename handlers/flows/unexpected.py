"""Messages no other flow takes: a sticker, an empty message, a number past the choices offered, a
contact nobody asked for, an unknown command. Each gets its reason, then the current question again."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, any_command, empty_text, kind, out_of_range
from handlers.messages import CONTACT, UNSUPPORTED


async def _unsupported(turn: Turn, ctx: Context) -> Outcome:
    ctx.say(ctx.t("unsupported"))
    return Outcome.ASK_AGAIN


async def _empty(turn: Turn, ctx: Context) -> Outcome:
    ctx.say(ctx.t("empty_message"))
    return Outcome.ASK_AGAIN


async def _out_of_range(turn: Turn, ctx: Context) -> Outcome:
    ctx.say(ctx.t("out_of_range", count=len(ctx.state.choices)))
    return Outcome.ASK_AGAIN


async def _contact(turn: Turn, ctx: Context) -> None:
    ctx.say(ctx.t("contact_not_needed"), menu.main_choices(ctx))


async def _unknown_command(turn: Turn, ctx: Context) -> None:
    ctx.say(ctx.t("unknown_command"))
    menu.show_help(ctx)


FLOW = Flow(
    "unexpected",
    (
        Route(kind(UNSUPPORTED), _unsupported),
        Route(empty_text(), _empty),
        Route(out_of_range(), _out_of_range),
        Route(kind(CONTACT), _contact),
        # Last: every command the other flows know has been tried.
        Route(any_command(), _unknown_command),
    ),
)
