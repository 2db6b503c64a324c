"""The person's answers to the form: typed, shared as a contact, or pressed as a button. Each is
checked; a bad one is refused with a reason and the step asked again."""

from __future__ import annotations

from handlers.choices import (
    ChoiceData,
    FormAnswer,
    FormCategoryChoice,
    FormChoice,
    FormContactTimeChoice,
    FormEditChoice,
    FormLocalityChoice,
    FormProvinceChoice,
)
from handlers.context import Context
from handlers.flows import faq, menu
from handlers.flows.intake.asking import ask_step, ask_with_buttons, cancel, next_step, take_phone
from handlers.flows.intake.commune import ask_commune, provinces, set_locality, take_commune_text
from handlers.flows.intake.confirm import record_consent, submit
from handlers.flows.intake.steps import (
    CATEGORY,
    COMMUNE,
    COMMUNE_CONFIRM,
    COMMUNE_STEPS,
    COMMUNE_TEXT_LIMIT,
    CONFIRM,
    CONSENT,
    CONTACT_TIME,
    CONTACT_TIMES,
    DESCRIPTION,
    EDIT,
    EDITABLE,
    NAME,
    NAME_LIMIT,
    OFFERED_CATEGORIES,
    PHONE,
    PROVINCE,
    draft_of,
    first_unanswered,
    forget_form,
)
from handlers.phone import normalize_phone
from knowledge_base.matcher import ANSWER
from knowledge_base.text import has_letters


async def _maybe_question(ctx: Context, text: str) -> bool:
    """A confident FAQ match to something typed where a step expected else: answer, then ask again."""
    if not has_letters(text) or len(text) > ctx.settings.max_question_chars:
        return False
    result, _ = await faq.match_and_log(ctx, text)
    if result.decision != ANSWER or not result.slug:
        return False
    ctx.say(ctx.kb.entries[result.slug].answer)
    ctx.say(ctx.t("form_back_to_step"))
    await ask_step(ctx)
    return True


async def _invalid(ctx: Context, text: str, key: str, **values: str) -> None:
    if await _maybe_question(ctx, text):
        return
    ctx.say(ctx.t(key, **values))
    await ask_step(ctx)


async def _refuse(ctx: Context, key: str, **values: object) -> None:
    ctx.say(ctx.t(key, **values))
    await ask_step(ctx)


async def _take_description(ctx: Context, text: str) -> None:
    limit = ctx.settings.max_description_chars
    if len(text) > limit:
        await _refuse(ctx, "form_description_too_long", limit=limit)
    elif len(text) < ctx.settings.min_description_chars or not has_letters(text):
        await _refuse(ctx, "form_description_too_short")
    else:
        draft_of(ctx)["description"] = text
        await next_step(ctx)


async def _take_phone_text(ctx: Context, text: str) -> None:
    phone = normalize_phone(text)
    if phone is None:
        await _invalid(ctx, text, "form_phone_invalid")
    else:
        take_phone(ctx, phone)
        await next_step(ctx)


async def _take_name(ctx: Context, text: str) -> None:
    if len(text) > NAME_LIMIT or not has_letters(text):
        await _refuse(ctx, "form_name_invalid", limit=NAME_LIMIT)
    else:
        draft_of(ctx)["name"] = " ".join(text.split())
        await next_step(ctx)


async def on_text(ctx: Context, text: str) -> None:
    step, text = ctx.state.step, text.strip()
    if step == DESCRIPTION:
        await _take_description(ctx, text)
    elif step in COMMUNE_STEPS:
        readable = len(text) <= COMMUNE_TEXT_LIMIT and has_letters(text)
        if not readable or not await take_commune_text(ctx, text):
            await _invalid(ctx, text, "form_commune_not_found")
    elif step == PHONE:
        await _take_phone_text(ctx, text)
    elif step == NAME:
        await _take_name(ctx, text)
    else:
        # Steps answered by a choice: a typed text that is no choice may be a question.
        await _invalid(ctx, text, "form_use_buttons")


async def on_contact(ctx: Context, phone_text: str, is_own: bool) -> None:
    if ctx.state.step != PHONE:
        await _refuse(ctx, "contact_not_needed")
        return
    phone = normalize_phone(phone_text) if is_own else None
    if not is_own:
        await _refuse(ctx, "form_contact_not_own")
    elif phone is None:
        await _refuse(ctx, "form_phone_invalid")
    else:
        take_phone(ctx, phone)
        await next_step(ctx)


async def _on_answer(ctx: Context, answer: FormAnswer) -> bool:
    """yes / no / skip / confirm / cancel ...: what each means depends on the step."""
    step, draft = ctx.state.step, draft_of(ctx)
    if answer in (FormAnswer.CANCEL, FormAnswer.DISCARD):
        cancel(ctx)
    elif answer == FormAnswer.RESUME:
        draft.pop("paused", None)
        await ask_step(ctx)
    elif step == COMMUNE_CONFIRM and answer in (FormAnswer.YES, FormAnswer.NO):
        guess = draft.pop("locality_guess", "")
        draft.pop("locality_guess_old", None)
        if answer == FormAnswer.YES and await set_locality(ctx, guess):
            await next_step(ctx)
        else:
            ctx.state.step = COMMUNE
            ctx.say(ctx.t("form_commune_retype"))
            await ask_commune(ctx)
    elif answer == FormAnswer.SKIP and step == NAME:
        draft["name"] = ""
        await next_step(ctx)
    elif step == CONSENT and answer == FormAnswer.NO:
        forget_form(ctx)
        ctx.say(ctx.t("form_consent_refused"), menu.main_choices(ctx))
    elif step == CONSENT and answer == FormAnswer.YES:
        await record_consent(ctx)
        await next_step(ctx)
    elif answer == FormAnswer.CONFIRM and step == CONFIRM:
        if not await submit(ctx):
            ctx.state.step = first_unanswered(draft)
            await ask_step(ctx)
    elif answer == FormAnswer.CONFIRM and step == EDIT:
        ctx.state.step = CONFIRM
        await ask_step(ctx)
    elif answer == FormAnswer.EDIT_MENU and step == CONFIRM:
        ctx.state.step = EDIT
        ask_with_buttons(ctx)
    else:
        return False
    return True


async def _on_field(ctx: Context, choice: ChoiceData) -> bool:
    """A button that fills a field: a category, a province, a commune, a contact time, a field to edit."""
    step, draft = ctx.state.step, draft_of(ctx)
    match choice:
        case FormCategoryChoice(category=category) if step == CATEGORY and category in OFFERED_CATEGORIES:
            if draft.get("category") != category:
                draft.pop("consent_at", None)
            draft["category"] = category
            await next_step(ctx)
        case FormProvinceChoice(index=index) if step == PROVINCE:
            names = await provinces(ctx)
            if index >= len(names):
                return False
            draft["province"] = names[index]
            await ask_commune(ctx)
        case FormLocalityChoice(code=code) if step in COMMUNE_STEPS:
            if not await set_locality(ctx, code):
                return False
            await next_step(ctx)
        case FormContactTimeChoice(time=time) if step == CONTACT_TIME and time in CONTACT_TIMES:
            draft["contact_time"] = time
            await next_step(ctx)
        case FormEditChoice(field=field) if step == EDIT and field in EDITABLE:
            draft["editing"] = "1"
            if field == COMMUNE:
                draft.pop("province", None)
            ctx.state.step = field
            await ask_step(ctx)
        case _:
            return False
    return True


async def on_choice(ctx: Context, choice: ChoiceData | None) -> bool:
    """A form button; False when the choice does not belong to the current step."""
    if isinstance(choice, FormChoice):
        return await _on_answer(ctx, choice.answer)
    return choice is not None and await _on_field(ctx, choice)
