"""How a listing reads in the chat: one short line in a page, or the whole of it in a detail view."""

from __future__ import annotations

from handlers.context import Context
from handlers.domain import COURSE, ListingItem
from handlers.flows import menu
from handlers.listing_choices import ListingRegisterChoice, ListingShowChoice
from handlers.messages import Choice

# A button's label: the start of the listing's title.
LABEL_CHARS = 40


def kind_name(ctx: Context, kind: str) -> str:
    return ctx.t(f"listings_kind_name_{kind}")


def place_name(ctx: Context, item: ListingItem) -> str:
    return item.locality_name or ctx.t("listings_whole_province")


def short_line(ctx: Context, item: ListingItem) -> str:
    fair = ctx.t("listings_fair_mark") if item.fair_chance else ""
    return ctx.t("listings_item", title=item.title, employer=item.employer, place=place_name(ctx, item), fair=fair)


def show_button(item: ListingItem) -> Choice:
    """The listing's title (its start): where there are no buttons, its number in the list to type."""
    title = item.title if len(item.title) <= LABEL_CHARS else item.title[: LABEL_CHARS - 1] + "…"
    return Choice.of(ListingShowChoice(item.id), title)


def _cost_line(ctx: Context, item: ListingItem) -> str:
    if item.kind != COURSE or not (item.cost_kind or item.pay):
        return ctx.t("listings_line_pay", pay=item.pay) if item.pay else ""
    cost = ctx.t(f"listings_cost_{item.cost_kind}") if item.cost_kind else ""
    pay = f" ({item.pay})" if item.pay and cost else item.pay
    return ctx.t("listings_line_cost", cost=cost, pay=pay)


def detail_text(ctx: Context, item: ListingItem) -> str:
    lines = [item.title, item.employer]
    lines.append(ctx.t("listings_line_place", place=place_name(ctx, item)))
    if item.trade:
        lines.append(ctx.t("listings_line_trade", trade=item.trade))
    if item.fair_chance:
        lines.append(ctx.t("listings_line_fair"))
    if item.description:
        lines += ["", item.description, ""]
    if item.conditions:
        lines.append(ctx.t("listings_line_conditions", conditions=item.conditions))
    if item.start_date:
        lines.append(ctx.t("listings_line_start", date=item.start_date))
    if item.deadline:
        lines.append(ctx.t("listings_line_deadline", date=item.deadline))
    if item.places:
        lines.append(ctx.t("listings_line_places", places=item.places))
    if cost := _cost_line(ctx, item):
        lines.append(cost)
    if item.contact:
        lines.append(ctx.t("listings_line_contact", contact=item.contact))
    if not item.open:
        lines += ["", ctx.t("listings_expired" if item.expired else "listings_closed")]
    return "\n".join(lines).replace("\n\n\n", "\n\n").strip()


def show_detail(ctx: Context, item: ListingItem) -> None:
    choices = [ctx.choice(ListingRegisterChoice(item.id), "listings_register")] if item.open else []
    choices += [ctx.choice(menu.JOBS, "listings_search_again"), menu.back_to_menu(ctx)]
    ctx.say(detail_text(ctx, item), choices)
