"""Open listings beside the answer to a free-text question that names a trade (and maybe a commune):
"co lop hoc han nao khong", "tìm việc phụ hồ ở Gia Lộc". The words come from the listings and the
localities themselves (bot/listings/chat.py matches them), never from a list kept here."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.context import Context
from handlers.domain import ListingItem
from handlers.flows import menu
from handlers.flows.listings.show import short_line, show_button


async def find(ctx: Context, text: str) -> Sequence[ListingItem]:
    if ctx.listings is None:
        return ()
    return await ctx.listings.search(text, ctx.now, limit=ctx.settings.listings_beside_answer)


def offer(ctx: Context, items: Sequence[ListingItem]) -> None:
    if not items:
        return
    lines = [ctx.t("listings_matches"), *(short_line(ctx, item) for item in items)]
    buttons = [show_button(item) for item in items]
    ctx.say("\n".join(lines), [*buttons, ctx.choice(menu.JOBS, "listings_see_all"), menu.back_to_menu(ctx)])
