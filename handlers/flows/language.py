"""/lang: the next locale in turn (Vietnamese first, whatever the phone's language: see handlers.core);
"/lang en" that locale (the web chat's one language switch sends it for the page and the bot at once)."""

from __future__ import annotations

from handlers import commands
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Route, Turn, chosen, command


def switch_language(ctx: Context, wanted: str = "") -> None:
    locales = ctx.texts.locales
    if wanted in locales:
        ctx.state.locale = wanted
    else:
        current = locales.index(ctx.state.locale) if ctx.state.locale in locales else 0
        ctx.state.locale = locales[(current + 1) % len(locales)]
    menu.show_menu(ctx, "language_switched")


async def _switch(turn: Turn, ctx: Context) -> None:
    words = turn.text.split() if turn.command else []
    switch_language(ctx, words[1].lower() if len(words) > 1 else "")


FLOW = Flow("language", (Route(command(commands.LANGUAGE) | chosen(menu.LANGUAGE), _switch),))
