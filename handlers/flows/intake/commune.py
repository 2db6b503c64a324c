"""The form's commune step: a province first when there are several, then the commune, by button
or typed (any spelling, old names too), a sure guess confirmed before it is taken."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.choices import FormLocalityChoice, FormProvinceChoice
from handlers.context import Context
from handlers.domain import Locality
from handlers.flows.intake.steps import (
    CANCEL_ID,
    COMMUNE,
    COMMUNE_CONFIRM,
    MAX_COMMUNE_BUTTONS,
    NO,
    PROVINCE,
    YES,
    draft_of,
)
from handlers.messages import Choice
from handlers.places import find_localities, find_old_names, read_address


async def provinces(ctx: Context) -> list[str]:
    return sorted({loc.province for loc in await ctx.localities.all()})


async def ask_commune(ctx: Context) -> None:
    draft = draft_of(ctx)
    cancel = ctx.choice(CANCEL_ID, "form_cancel")
    localities = await ctx.localities.all()
    if not localities:
        ctx.say(ctx.t("form_no_localities"), [cancel])
        return
    if ctx.state.step == COMMUNE_CONFIRM and draft.get("locality_guess"):
        guess = await ctx.localities.get(draft["locality_guess"])
        if guess is not None:
            old = draft.get("locality_guess_old", "")
            values = {"commune": guess.name, "province": guess.province}
            question = ctx.t("form_confirm_old_commune", old=old, **values) if old else None
            ctx.say(
                question or ctx.t("form_confirm_commune", **values),
                [ctx.choice(YES, "answer_yes"), ctx.choice(NO, "form_commune_other"), cancel],
            )
            return
    names = sorted({loc.province for loc in localities})
    province = draft.get("province") or (names[0] if len(names) == 1 else "")
    if not province:
        ctx.state.step = PROVINCE
        choices = [Choice.of(FormProvinceChoice(i), p) for i, p in enumerate(names)][:MAX_COMMUNE_BUTTONS]
        ctx.say(ctx.t("form_ask_province"), [*choices, cancel])
        return
    ctx.state.step = COMMUNE
    in_province = [loc for loc in localities if loc.province == province]
    if len(in_province) <= MAX_COMMUNE_BUTTONS:
        choices = [Choice.of(FormLocalityChoice(loc.code), loc.name) for loc in in_province]
        ctx.say(ctx.t("form_ask_commune_buttons", province=province), [*choices, cancel])
    else:
        ctx.say(ctx.t("form_ask_commune_typed", province=province), [cancel])


async def take_commune_text(ctx: Context, text: str) -> bool:
    """False when nothing like `text` is found; otherwise a guess to confirm, or a few to pick from.

    A current name said for sure comes first; then an old one ("xã X huyện Y cũ"), offered as the new
    commune it went into; then anything that sounds like the text."""
    localities = await ctx.localities.all()
    province = draft_of(ctx).get("province")
    pool = [loc for loc in localities if not province or loc.province == province] or list(localities)
    current, sure = find_localities(text, pool, with_aliases=False)
    if sure and not read_address(text).says_old:
        return await _guess(ctx, current[0])
    if await _take_old_name(ctx, text, pool) or (province and await _take_old_name(ctx, text, localities)):
        return True
    found, sure = find_localities(text, pool)
    if not found and province:
        found, sure = find_localities(text, localities)
    if not found:
        return False
    if sure:
        return await _guess(ctx, found[0])
    choices = [Choice.of(FormLocalityChoice(loc.code), f"{loc.name}, {loc.province}") for loc in found]
    ctx.say(ctx.t("form_pick_commune"), [*choices, ctx.choice(CANCEL_ID, "form_cancel")])
    return True


async def _guess(ctx: Context, locality: Locality, old: str = "") -> bool:
    draft = draft_of(ctx)
    draft["locality_guess"] = locality.code
    if old:
        draft["locality_guess_old"] = old
    else:
        draft.pop("locality_guess_old", None)
    ctx.state.step = COMMUNE_CONFIRM
    await ask_commune(ctx)
    return True


async def _take_old_name(ctx: Context, text: str, localities: Sequence[Locality]) -> bool:
    """An old commune's name: the new commune it went into to confirm, or its several to pick from."""
    found = find_old_names(text, localities)
    if not found:
        return False
    if len(found) == 1:
        return await _guess(ctx, found[0].locality, found[0].old)
    cancel = ctx.choice(CANCEL_ID, "form_cancel")
    if len(found) > MAX_COMMUNE_BUTTONS:
        ctx.say(ctx.t("form_old_commune_many", count=len(found)), [cancel])
        return True
    choices = [
        Choice.of(
            FormLocalityChoice(o.locality.code),
            ctx.t("form_old_commune_choice", commune=o.locality.name, province=o.locality.province, old=o.old),
        )
        for o in found
    ]
    ctx.say(ctx.t("form_pick_old_commune"), [*choices, cancel])
    return True


async def set_locality(ctx: Context, code: str) -> bool:
    locality = await ctx.localities.get(code)
    if locality is None:
        return False
    draft = draft_of(ctx)
    draft.pop("locality_guess", None)
    draft.pop("locality_guess_old", None)
    if draft.get("locality") and draft["locality"] != code:
        draft.pop("consent_at", None)  # the agency may change: consent names it
    draft["locality"] = code
    draft["province"] = locality.province
    return True
