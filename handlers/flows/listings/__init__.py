"""Jobs and courses in the chat: browse (kind, place, trade, pages, detail), register interest, and
answer the follow-up. Reads listings through the context's listings port (bot/listings/chat.py)."""

from __future__ import annotations

from handlers.context import Context
from handlers.domain import LISTING_KINDS
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, free_text
from handlers.flows.listings import browse, followup, register
from handlers.flows.listings.show import show_detail
from handlers.listing_choices import (
    FollowupChoice,
    ListingCommuneChoice,
    ListingKindChoice,
    ListingPlaceChoice,
    ListingRegisterChoice,
    ListingReuseChoice,
    ListingShowChoice,
    ListingTradeChoice,
)

__all__ = ["FLOW"]


class _CommuneHolder:
    """Asked to type their commune: a menu button leaves, an aside answer asks again."""

    def holds(self, ctx: Context) -> bool:
        return browse.asking_commune(ctx)

    async def ask_again(self, ctx: Context) -> None:
        await browse.ask_commune(ctx)

    def menu_pressed(self, ctx: Context) -> None:
        ctx.state.reset_flow()

    async def back_after_aside(self, ctx: Context) -> None:
        await browse.ask_commune(ctx)


def _offered(ctx: Context) -> bool:
    return ctx.listings is not None


async def _jobs(turn: Turn, ctx: Context) -> None:
    browse.ask_kind(ctx)


async def _kind(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    if not isinstance(choice, ListingKindChoice) or choice.kind not in LISTING_KINDS:
        return Outcome.STALE
    await browse.ask_place(ctx, choice.kind)
    return None


async def _place(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    if not isinstance(choice, ListingPlaceChoice | ListingCommuneChoice) or choice.kind not in LISTING_KINDS:
        return Outcome.STALE
    if isinstance(choice, ListingPlaceChoice) and choice.locality == browse.ASK_COMMUNE:
        await browse.start_commune(ctx, choice.kind)
        return None
    return None if await browse.choose_place(ctx, choice.kind, choice.locality) else Outcome.STALE


async def _commune_text(turn: Turn, ctx: Context) -> None:
    await browse.take_commune_text(ctx, turn.text.strip())


async def _page(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    return None if isinstance(choice, ListingTradeChoice) and await browse.show_page(ctx, choice) else Outcome.STALE


async def _show(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    item = await register.open_item(ctx, choice.listing) if isinstance(choice, ListingShowChoice) else None
    if item is None:
        return Outcome.STALE
    show_detail(ctx, item)
    return None


async def _register(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    item = await register.open_item(ctx, choice.listing) if isinstance(choice, ListingRegisterChoice) else None
    if item is None:
        return Outcome.STALE
    await register.register(ctx, item)
    return None


async def _reuse(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    return None if isinstance(choice, ListingReuseChoice) and await register.reuse(ctx, choice) else Outcome.STALE


async def _followup(turn: Turn, ctx: Context) -> Outcome | None:
    choice = turn.choice
    return None if isinstance(choice, FollowupChoice) and await followup.answer(ctx, choice) else Outcome.STALE


FLOW = Flow(
    "listings",
    (
        Route(chosen(menu.JOBS), _jobs),
        Route(chosen(ListingKindChoice).when(_offered), _kind),
        Route(chosen(ListingPlaceChoice, ListingCommuneChoice).when(_offered), _place),
        Route(chosen(ListingTradeChoice).when(_offered), _page),
        Route(chosen(ListingShowChoice), _show),
        Route(chosen(ListingRegisterChoice), _register),
        Route(chosen(ListingReuseChoice), _reuse),
        Route(chosen(FollowupChoice), _followup),
        Route(free_text().when(browse.asking_commune), _commune_text),
    ),
    holder=_CommuneHolder(),
)
