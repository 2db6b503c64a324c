"""Asking the form's questions: the first time, after an error or an aside, and on a return."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.choices import FormCategoryChoice, FormContactTimeChoice, FormEditChoice
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.intake.cap import refused_for_too_many
from handlers.flows.intake.commune import ask_commune
from handlers.flows.intake.confirm import ask_confirm, ask_consent
from handlers.flows.intake.steps import (
    CANCEL_ID,
    CATEGORY,
    COMMUNE_STEPS,
    CONFIRM,
    CONFIRM_ID,
    CONSENT,
    CONTACT_TIME,
    CONTACT_TIMES,
    DESCRIPTION,
    DISCARD,
    EDIT,
    EDITABLE,
    FORM,
    NAME,
    OFFERED_CATEGORIES,
    PHONE,
    RESUME,
    SKIP,
    draft_of,
    first_unanswered,
    forget_form,
)
from handlers.phone import mask_phone

# What a caller may fill in before the form starts (a listing's registration: its commune, and the
# contact given last time when the person agreed to reuse it).
PREFILLABLE = ("listing_id", "locality", "province", "phone", "name", "contact_time")


async def start(
    ctx: Context,
    *,
    category: str = "",
    description: str = "",
    faq_slug: str = "",
    prefill: Mapping[str, str] | None = None,
) -> None:
    ctx.state.reset_flow()
    if await refused_for_too_many(ctx):
        return
    ctx.state.flow = FORM
    draft = draft_of(ctx)
    # From here on, what the chat keeps goes if the form is cancelled or consent refused.
    draft["started_at"] = ctx.now.isoformat()
    if category:
        draft["category"] = category
    if description:
        draft["description"] = description[: ctx.settings.max_description_chars]
    if faq_slug:
        draft["faq_slug"] = faq_slug
    draft.update({k: v for k, v in (prefill or {}).items() if k in PREFILLABLE})
    if draft.get("contact_time", "any") not in CONTACT_TIMES:
        draft["contact_time"] = "any"
    ctx.say(ctx.t("form_intro"))
    ctx.state.step = first_unanswered(draft)
    await ask_step(ctx)


def ask_with_buttons(ctx: Context) -> None:
    """The questions that need nothing but the step itself."""
    step = ctx.state.step
    cancel = ctx.choice(CANCEL_ID, "form_cancel")
    if step == CATEGORY:
        choices = [ctx.choice(FormCategoryChoice(c), f"category_{c}") for c in OFFERED_CATEGORIES]
        ctx.say(ctx.t("form_ask_category"), [*choices, cancel])
    elif step == DESCRIPTION:
        ctx.say(ctx.t("form_ask_description"), [cancel])
    elif step == PHONE:
        ctx.say(ctx.t("form_ask_phone"), [cancel], ask_phone=True)
    elif step == NAME:
        ctx.say(ctx.t("form_ask_name"), [ctx.choice(SKIP, "form_skip"), cancel])
    elif step == CONTACT_TIME:
        choices = [ctx.choice(FormContactTimeChoice(t), f"contact_time_{t}") for t in CONTACT_TIMES]
        ctx.say(ctx.t("form_ask_contact_time"), [*choices, cancel])
    elif step == EDIT:
        choices = [ctx.choice(FormEditChoice(f), f"field_{f}") for f in EDITABLE]
        ctx.say(ctx.t("form_ask_edit"), [*choices, ctx.choice(CONFIRM_ID, "form_back_to_summary")])


async def ask_step(ctx: Context) -> None:
    """Ask the current step's question (first time, after an error, a mid-form answer, a resume)."""
    step = ctx.state.step
    if step in COMMUNE_STEPS:
        await ask_commune(ctx)
    elif step == CONSENT:
        await ask_consent(ctx)
    elif step == CONFIRM:
        await ask_confirm(ctx)
    else:
        ask_with_buttons(ctx)


async def next_step(ctx: Context) -> None:
    draft = draft_of(ctx)
    if draft.get("editing") and ctx.state.step not in (CONSENT, CONFIRM):
        # An edited field goes back to the summary (through consent if the edit cleared it).
        draft.pop("editing", None)
        ctx.state.step = CONFIRM if "consent_at" in draft else CONSENT
    else:
        ctx.state.step = first_unanswered(draft)
    await ask_step(ctx)


def take_phone(ctx: Context, phone: str) -> None:
    draft_of(ctx)["phone"] = phone
    ctx.say(ctx.t("form_phone_saved", phone=mask_phone(phone)), remove_keyboard=True)


def cancel(ctx: Context) -> None:
    was_at_phone = ctx.state.step == PHONE
    forget_form(ctx)
    menu.show_cancelled(ctx, remove_keyboard=was_at_phone)


def pause(ctx: Context) -> None:
    ctx.state.draft["paused"] = "1"


async def offer_resume(ctx: Context) -> None:
    ctx.say(ctx.t("form_resume_prompt"), [ctx.choice(RESUME, "form_resume"), ctx.choice(DISCARD, "form_discard")])
