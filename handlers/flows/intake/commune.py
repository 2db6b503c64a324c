"""The form's commune step: a province first when there are several, then the commune, by button
or typed (any spelling, old names too), a sure guess confirmed before it is taken."""

from __future__ import annotations

from handlers.choices import FormLocalityChoice, FormProvinceChoice
from handlers.context import Context
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
from handlers.places import find_localities


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
            ctx.say(
                ctx.t("form_confirm_commune", commune=guess.name, province=guess.province),
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
    """False when nothing like `text` is found; otherwise a guess to confirm, or a few to pick from."""
    localities = await ctx.localities.all()
    province = draft_of(ctx).get("province")
    pool = [loc for loc in localities if not province or loc.province == province] or list(localities)
    found, sure = find_localities(text, pool)
    if not found and province:
        found, sure = find_localities(text, localities)
    if not found:
        return False
    if sure:
        draft_of(ctx)["locality_guess"] = found[0].code
        ctx.state.step = COMMUNE_CONFIRM
        await ask_commune(ctx)
        return True
    choices = [Choice.of(FormLocalityChoice(loc.code), f"{loc.name}, {loc.province}") for loc in found]
    ctx.say(ctx.t("form_pick_commune"), [*choices, ctx.choice(CANCEL_ID, "form_cancel")])
    return True


async def set_locality(ctx: Context, code: str) -> bool:
    locality = await ctx.localities.get(code)
    if locality is None:
        return False
    draft = draft_of(ctx)
    draft.pop("locality_guess", None)
    if draft.get("locality") and draft["locality"] != code:
        draft.pop("consent_at", None)  # the agency may change: consent names it
    draft["locality"] = code
    draft["province"] = locality.province
    return True
