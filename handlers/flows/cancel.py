"""/huy and the words for "cancel": the flow that holds the conversation cancels its own work (its
routes come first in the table); this one answers when there is nothing to cancel."""

from __future__ import annotations

from handlers import commands
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Route, Turn, command, words

CANCEL_WORDS = frozenset({"huy", "huy bo", "thoi huy", "cancel"})
# What "cancel" is, for the flows that have something to cancel.
CANCELS = command(commands.CANCEL) | words(CANCEL_WORDS)


async def _nothing_to_cancel(turn: Turn, ctx: Context) -> None:
    ctx.say(ctx.t("nothing_to_cancel"), menu.main_choices(ctx))


FLOW = Flow("cancel", (Route(CANCELS, _nothing_to_cancel),))
