"""✋ Registering interest in a listing: the request form's consent and contact steps, reusing what
the person gave last time if they agree, and a request routed to the listing's agency."""

from __future__ import annotations

from handlers.choices import FormAnswer
from handlers.context import Context
from handlers.domain import JOB, ListingItem
from handlers.flows import intake, menu
from handlers.flows.intake.cap import refused_for_too_many
from handlers.flows.intake.steps import has_draft
from handlers.listing_choices import ListingReuseChoice
from handlers.phone import mask_phone

CATEGORY_OF_KIND = {JOB: "employment"}
TRAINING = "training"


async def open_item(ctx: Context, listing_id: int) -> ListingItem | None:
    return await ctx.listings.get(listing_id, ctx.now) if ctx.listings is not None else None


def say_closed(ctx: Context, item: ListingItem) -> None:
    ctx.say(
        ctx.t("listings_expired" if item.expired else "listings_closed"),
        [ctx.choice(menu.JOBS, "listings_search_again"), menu.back_to_menu(ctx)],
    )


async def _refused(ctx: Context, item: ListingItem) -> bool:
    """Says why a registration cannot start now (closed, already registered, too many open)."""
    if ctx.listings is None or not item.open:
        say_closed(ctx, item)
        return True
    code = await ctx.listings.open_registration(ctx.conversation_id, item.id)
    if code:
        ctx.say(
            ctx.t("listings_already_registered", code=code),
            [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)],
        )
        return True
    if has_draft(ctx):
        # A request form left for the menu: finish or drop it first, never lose it silently.
        await intake.offer_resume(ctx)
        return True
    return await refused_for_too_many(ctx)


async def register(ctx: Context, item: ListingItem) -> None:
    if ctx.listings is None or await _refused(ctx, item):
        return
    prior = await ctx.listings.prior_contact(ctx.conversation_id)
    if prior is None or not prior.phone:
        await _start_form(ctx, item, reuse=False)
        return
    name = ctx.t("listings_reuse_name", name=prior.name) if prior.name else ""
    ctx.say(
        ctx.t("listings_reuse_prompt", title=item.title, phone=mask_phone(prior.phone), name=name),
        [
            ctx.choice(ListingReuseChoice(item.id, FormAnswer.YES), "listings_reuse_yes"),
            ctx.choice(ListingReuseChoice(item.id, FormAnswer.NO), "listings_reuse_no"),
            menu.back_to_menu(ctx),
        ],
    )


async def reuse(ctx: Context, choice: ListingReuseChoice) -> bool:
    """The answer to "use last time's contact?"; False for a button that fits nothing."""
    if choice.answer not in (FormAnswer.YES, FormAnswer.NO):
        return False
    item = await open_item(ctx, choice.listing)
    if item is None:
        return False
    if not await _refused(ctx, item):
        await _start_form(ctx, item, reuse=choice.answer == FormAnswer.YES)
    return True


async def _start_form(ctx: Context, item: ListingItem, *, reuse: bool) -> None:
    prefill: dict[str, str] = {"listing_id": str(item.id)}
    here = await ctx.localities.get(ctx.state.home_locality) if ctx.state.home_locality else None
    if here is not None:
        prefill |= {"locality": here.code, "province": here.province}
    prior = await ctx.listings.prior_contact(ctx.conversation_id) if reuse and ctx.listings else None
    if prior is not None and prior.phone:
        prefill |= {"phone": prior.phone, "name": prior.name, "contact_time": prior.contact_time or "any"}
    await intake.start(
        ctx,
        category=CATEGORY_OF_KIND.get(item.kind, TRAINING),
        description=ctx.t("listings_request_description", title=item.title, employer=item.employer, id=item.id),
        prefill=prefill,
    )
