"""What happens to what people tell the bot."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Route, Turn, chosen

# The FAQ entry on data protection; a short text stands in without it.
PRIVACY_SLUG = "bao-mat-du-lieu"


async def _show(turn: Turn, ctx: Context) -> None:
    entry = ctx.kb.entries.get(PRIVACY_SLUG)
    ctx.say(entry.answer if entry else ctx.t("privacy_short"), [menu.back_to_menu(ctx)])


FLOW = Flow("privacy", (Route(chosen(menu.PRIVACY), _show),))
