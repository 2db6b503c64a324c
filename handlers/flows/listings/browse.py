"""Browsing jobs and courses: the kind, then the place (the person's commune, remembered, or the
whole province), then a trade that has open listings, then pages of five, then one listing."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.choices import CategoryChoice
from handlers.context import Context
from handlers.domain import LISTING_KINDS, Locality
from handlers.flows import menu
from handlers.flows.listings.show import kind_name, short_line, show_button
from handlers.listing_choices import ListingCommuneChoice, ListingKindChoice, ListingPlaceChoice, ListingTradeChoice
from handlers.messages import Choice
from handlers.places import find_localities

# The conversation state's flow while the person is asked to type their commune.
BROWSING = "listings"
COMMUNE = "commune"
# Another commune: asks which.
ASK_COMMUNE = "?"
MAX_TRADE_BUTTONS = 15
MAX_COMMUNE_BUTTONS = 15
COMMUNE_TEXT_LIMIT = 200
# A page's first item past this is no page anyone reached by pressing "more".
MAX_OFFSET = 1000
# In a button, a commune's code longer than this (codes may have 64 characters; a button id 64 bytes
# in all) stands as HOME: the commune the person chose last, which is the one the button was for.
HOME = "~"
MAX_CODE_IN_ID = 24


def place_ref(code: str) -> str:
    return code if len(code.encode("utf-8")) <= MAX_CODE_IN_ID else HOME


def place_of(ctx: Context, ref: str) -> str:
    return ctx.state.home_locality if ref == HOME else ref


def commune_buttons(kind: str, localities: Sequence[Locality], *, with_province: bool) -> list[Choice]:
    """A button per commune whose code fits a button id (the others are typed by name)."""
    found = []
    for loc in localities:
        if len(loc.code.encode("utf-8")) <= MAX_CODE_IN_ID:
            label = f"{loc.name}, {loc.province}" if with_province else loc.name
            found.append(Choice.of(ListingCommuneChoice(kind, loc.code), label))
    return found


def asking_commune(ctx: Context) -> bool:
    return ctx.state.flow == BROWSING and ctx.state.step == COMMUNE


def ask_kind(ctx: Context) -> None:
    """The jobs-and-courses menu: find a job, find a course, or the answers about them."""
    if ctx.listings is None:
        menu.show_categories(ctx, menu.JOB_CATEGORIES)
        return
    choices = [ctx.choice(ListingKindChoice(kind), f"listings_kind_{kind}") for kind in LISTING_KINDS]
    choices += menu.alert_choices(ctx)
    choices += [ctx.choice(CategoryChoice(c), f"category_{c}") for c in menu.JOB_CATEGORIES]
    ctx.say(ctx.t("listings_ask_kind"), [*choices, menu.back_to_menu(ctx)])


async def home(ctx: Context) -> Locality | None:
    code = ctx.state.home_locality
    return await ctx.localities.get(code) if code else None


async def ask_place(ctx: Context, kind: str) -> None:
    here = await home(ctx)
    whole = ctx.choice(ListingPlaceChoice(kind, ""), "listings_place_province")
    if here is not None:
        choices = [
            ctx.choice(ListingPlaceChoice(kind, place_ref(here.code)), "listings_place_home", commune=here.name),
            whole,
            ctx.choice(ListingPlaceChoice(kind, ASK_COMMUNE), "listings_place_other"),
        ]
    else:
        choices = [ctx.choice(ListingPlaceChoice(kind, ASK_COMMUNE), "listings_place_pick"), whole]
    ctx.say(ctx.t("listings_ask_place", kind=kind_name(ctx, kind)), [*choices, menu.back_to_menu(ctx)])


async def ask_commune(ctx: Context) -> None:
    kind = str(ctx.state.draft.get("kind", ""))
    whole = ctx.choice(ListingPlaceChoice(kind, ""), "listings_place_province")
    localities = await ctx.localities.all()
    if len(localities) <= MAX_COMMUNE_BUTTONS:
        choices = commune_buttons(kind, localities, with_province=False)
        ctx.say(ctx.t("listings_ask_commune_buttons"), [*choices, whole, menu.back_to_menu(ctx)])
    else:
        ctx.say(ctx.t("listings_ask_commune_typed"), [whole, menu.back_to_menu(ctx)])


async def start_commune(ctx: Context, kind: str) -> None:
    ctx.state.reset_flow()
    ctx.state.flow, ctx.state.step = BROWSING, COMMUNE
    ctx.state.draft = {"kind": kind}
    await ask_commune(ctx)


async def take_commune_text(ctx: Context, text: str) -> None:
    kind = str(ctx.state.draft.get("kind", ""))
    whole = ctx.choice(ListingPlaceChoice(kind, ""), "listings_place_province")
    found: list[Locality] = []
    sure = False
    if len(text) <= COMMUNE_TEXT_LIMIT:
        found, sure = find_localities(text, await ctx.localities.all())
    if sure:
        await choose_place(ctx, kind, found[0].code)
    elif found:
        choices = commune_buttons(kind, found, with_province=True)
        ctx.say(ctx.t("listings_pick_commune"), [*choices, whole, menu.back_to_menu(ctx)])
    else:
        ctx.say(ctx.t("listings_commune_not_found"), [whole, menu.back_to_menu(ctx)])


async def choose_place(ctx: Context, kind: str, code: str) -> bool:
    """The trades open there; False when the commune is unknown (a stale or forged button)."""
    code = place_of(ctx, code)
    if code:
        locality = await ctx.localities.get(code)
        if locality is None:
            return False
        ctx.state.home_locality = code
    if ctx.state.flow == BROWSING:
        ctx.state.reset_flow()
    await show_trades(ctx, kind, code)
    return True


async def place_label(ctx: Context, code: str) -> str:
    locality = await ctx.localities.get(code) if code else None
    return locality.name if locality else ctx.t("listings_whole_province")


async def show_trades(ctx: Context, kind: str, code: str) -> None:
    trades = await ctx.listings.trades(kind, code, ctx.now) if ctx.listings is not None else ()
    place = await place_label(ctx, code)
    if not trades:
        choices = [ctx.choice(ListingPlaceChoice(kind, ""), "listings_place_province")] if code else []
        choices += [*menu.alert_choices(ctx), ctx.choice(menu.REQUEST, "menu_request"), menu.back_to_menu(ctx)]
        ctx.say(ctx.t("listings_none", kind=kind_name(ctx, kind), place=place), choices)
        return
    ref = place_ref(code)
    buttons = [Choice.of(ListingTradeChoice(kind, ref, i, 0), t) for i, t in enumerate(trades[:MAX_TRADE_BUTTONS])]
    ctx.say(
        ctx.t("listings_ask_trade", kind=kind_name(ctx, kind), place=place),
        [*buttons, ctx.choice(menu.JOBS, "listings_search_again"), menu.back_to_menu(ctx)],
    )


async def show_page(ctx: Context, choice: ListingTradeChoice) -> bool:
    """A page of at most five listings of the trade; False when the button no longer fits the data."""
    if ctx.listings is None or choice.kind not in LISTING_KINDS or choice.offset > MAX_OFFSET:
        return False
    code = place_of(ctx, choice.locality)
    trades = await ctx.listings.trades(choice.kind, code, ctx.now)
    if choice.trade >= min(len(trades), MAX_TRADE_BUTTONS):
        return False
    size = ctx.settings.listings_per_page
    trade = trades[choice.trade]
    page = await ctx.listings.page(choice.kind, code, trade, ctx.now, offset=choice.offset, limit=size)
    if not page.items:
        return False
    place = await place_label(ctx, code)
    lines = [ctx.t("listings_page", kind=kind_name(ctx, choice.kind).capitalize(), trade=trade, place=place)]
    lines += [short_line(ctx, item) for item in page.items]
    buttons = [show_button(item) for item in page.items]
    if page.more:
        more = ListingTradeChoice(choice.kind, choice.locality, choice.trade, choice.offset + size)
        buttons.append(ctx.choice(more, "listings_more"))
    buttons.append(ctx.choice(ListingPlaceChoice(choice.kind, choice.locality), "listings_other_trade"))
    ctx.say("\n".join(lines), [*buttons, menu.back_to_menu(ctx)])
    return True
