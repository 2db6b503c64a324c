"""The form's last steps: consent naming the agency it goes to, the summary, and sending it."""

from __future__ import annotations

import hashlib

from handlers.context import Context
from handlers.domain import ListingItem, Locality, NewRequest, RoutingDecision
from handlers.flows import menu, request_view
from handlers.flows.intake.cap import refused_for_too_many
from handlers.flows.intake.steps import CANCEL_ID, CONFIRM_ID, EDIT_MENU, NO, YES, draft_of, forget_form
from handlers.messages import Notification
from handlers.phone import mask_phone
from handlers.routing import route

CONSENT_KEY = "form_ask_consent"
# How a registration's request was routed: to the listing's agency, whatever the rules say.
LISTING_SCOPE = "listing"


async def _listing(ctx: Context) -> ListingItem | None:
    """The listing this form registers interest in, if it is one (open or not)."""
    raw = draft_of(ctx).get("listing_id", "")
    if not raw.isdecimal() or ctx.listings is None:
        return None
    return await ctx.listings.get(int(raw), ctx.now)


async def _decision(ctx: Context, locality: Locality | None) -> RoutingDecision | None:
    """Interest in a listing goes to the listing's agency; any other request, where the rules say."""
    draft = draft_of(ctx)
    if draft.get("listing_id"):
        listing = await _listing(ctx)
        if listing is None:
            return None
        return RoutingDecision(listing.agency_code, None, LISTING_SCOPE, f"listing {listing.id}")
    return route(draft.get("category", ""), locality, await ctx.rules.active_rules()) if locality else None


async def _routed_agency_name(ctx: Context) -> tuple[str, str]:
    draft = draft_of(ctx)
    locality = await ctx.localities.get(draft.get("locality", ""))
    decision = await _decision(ctx, locality)
    if decision is None:
        return "", ctx.t("agency_unknown")
    agency = await ctx.agencies.get(decision.agency_code)
    return decision.agency_code, agency.name if agency else decision.agency_code


async def ask_consent(ctx: Context) -> None:
    _, agency_name = await _routed_agency_name(ctx)
    ctx.say(
        ctx.t(CONSENT_KEY, agency=agency_name, keep_days=ctx.settings.request_retention_days),
        [ctx.choice(YES, "form_consent_yes"), ctx.choice(NO, "form_consent_no")],
    )


def consent_version(template: str) -> str:
    """A consent text's version: a digest of its words, so that any change to them is a new version."""
    return "c-" + hashlib.sha256(template.encode("utf-8")).hexdigest()[:12]


async def record_consent(ctx: Context) -> None:
    """The person agreed: when, and to which words (kept by version, the first time they are agreed to)."""
    locale = ctx.state.locale if ctx.texts.supports(ctx.state.locale) else ctx.texts.default_locale
    template = ctx.texts.get(locale, CONSENT_KEY)
    version = consent_version(template)
    draft = draft_of(ctx)
    draft["consent_at"] = ctx.now.isoformat()
    draft["consent_version"] = version
    await ctx.privacy.remember_consent(version, locale, template, ctx.now)


async def ask_confirm(ctx: Context) -> None:
    draft = draft_of(ctx)
    locality = await ctx.localities.get(draft.get("locality", ""))
    _, agency_name = await _routed_agency_name(ctx)
    summary = ctx.t(
        "form_summary",
        category=ctx.t(f"category_{draft.get('category', 'question')}"),
        description=draft.get("description", ""),
        commune=f"{locality.name}, {locality.province}" if locality else "?",
        phone=mask_phone(draft.get("phone", "")),
        name=draft.get("name") or ctx.t("form_no_name"),
        contact_time=ctx.t(f"contact_time_{draft.get('contact_time', 'any')}"),
        agency=agency_name,
    )
    ctx.say(
        summary,
        [
            ctx.choice(CONFIRM_ID, "form_send"),
            ctx.choice(EDIT_MENU, "form_edit"),
            ctx.choice(CANCEL_ID, "form_cancel"),
        ],
    )


async def submit(ctx: Context) -> bool:
    """Sends the request; False (nothing sent) when the draft lacks its commune or consent."""
    draft = draft_of(ctx)
    locality = await ctx.localities.get(draft.get("locality", ""))
    if locality is None or "consent_at" not in draft:
        return False
    if await refused_for_too_many(ctx):
        # Opened elsewhere meanwhile (another request reopened, say): this form is not sent, nor kept.
        forget_form(ctx)
        return True
    category = draft.get("category", "question")
    listing = await _listing(ctx)
    if draft.get("listing_id") and (listing is None or not listing.open):
        # Closed or past its last day while the form was open: nothing is sent, nor kept.
        forget_form(ctx)
        again = ctx.choice(menu.JOBS, "listings_search_again")
        ctx.say(ctx.t("listings_closed_meanwhile"), [again, menu.back_to_menu(ctx)])
        return True
    decision = await _decision(ctx, locality)
    if decision is None:
        ctx.say(ctx.t("form_no_route"), menu.main_choices(ctx))
        ctx.state.reset_flow()
        return True
    code = await ctx.requests.create(
        NewRequest(
            conversation_id=ctx.conversation_id,
            category=category,
            description=draft.get("description", ""),
            locality_code=locality.code,
            phone=draft.get("phone", ""),
            name=draft.get("name", ""),
            contact_time=draft.get("contact_time", "any"),
            consent_at=ctx.now,
            routing=decision,
            faq_slug=draft.get("faq_slug") or None,
            consent_version=draft.get("consent_version", ""),
        ),
        ctx.now,
    )
    if listing is not None and ctx.listings is not None:
        await ctx.listings.register(listing.id, code, ctx.now)
    ctx.notifications.append(Notification(decision.agency_code, code, "created"))
    agency = await ctx.agencies.get(decision.agency_code)
    ctx.state.reset_flow()
    within = await request_view.contact_within(ctx, decision.agency_code)
    ctx.say(
        ctx.t("form_sent", code=code, agency=agency.name if agency else decision.agency_code, within=within),
        [*menu.handover_choices(ctx), ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)],
    )
    return True
