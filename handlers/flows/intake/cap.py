"""A cap on the requests one person has open at once (settings.max_open_requests): past it, the form
is refused with the codes still open, so that nobody can bury an agency under requests."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import menu


async def refused_for_too_many(ctx: Context) -> bool:
    """True (and the refusal said) when this person already has the most requests open they may."""
    codes = await ctx.requests.open_codes(ctx.conversation_id)
    limit = ctx.settings.max_open_requests
    if len(codes) < limit:
        return False
    ctx.say(
        ctx.t("form_too_many_open", count=str(len(codes)), codes=", ".join(codes), limit=str(limit)),
        [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)],
    )
    return True
