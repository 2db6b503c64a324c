"""/lang: the next locale in turn (Vietnamese first, whatever the phone's language: see handlers.core)."""

from __future__ import annotations

from handlers import commands
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Route, Turn, chosen, command


def switch_language(ctx: Context) -> None:
    locales = ctx.texts.locales
    current = locales.index(ctx.state.locale) if ctx.state.locale in locales else 0
    ctx.state.locale = locales[(current + 1) % len(locales)]
    menu.show_menu(ctx, "language_switched")


async def _switch(turn: Turn, ctx: Context) -> None:
    switch_language(ctx)


FLOW = Flow("language", (Route(command(commands.LANGUAGE) | chosen(menu.LANGUAGE), _switch),))
