"""The request form: category, need, commune, phone, name, contact time, consent, confirm.

The draft lives in the conversation state, so it survives restarts and days of silence. Every step
validates its answer and asks again with a reason; a question asked mid-form is answered and the
step asked again; /huy cancels anywhere; refusing consent keeps nothing.
"""

from __future__ import annotations

from handlers import faq, menu
from handlers.context import Context
from handlers.domain import NewRequest
from handlers.messages import Choice, Notification
from handlers.phone import mask_phone, normalize_phone
from handlers.places import find_localities
from handlers.routing import route
from knowledge_base.faq import REQUEST_CATEGORIES
from knowledge_base.matcher import ANSWER
from knowledge_base.text import has_letters

FLOW = "intake"
CATEGORY, DESCRIPTION, PROVINCE, COMMUNE, COMMUNE_CONFIRM = (
    "category",
    "description",
    "province",
    "commune",
    "commune_ok",
)
PHONE, NAME, CONTACT_TIME, CONSENT, CONFIRM, EDIT = "phone", "name", "contact_time", "consent", "confirm", "edit"
ORDER = (CATEGORY, DESCRIPTION, COMMUNE, PHONE, NAME, CONTACT_TIME, CONSENT, CONFIRM)
EDITABLE = (CATEGORY, DESCRIPTION, COMMUNE, PHONE, NAME, CONTACT_TIME)
CONTACT_TIMES = ("morning", "afternoon", "evening", "any")
# The `question` category is chosen by the "ask a person" buttons, not offered in the list.
OFFERED_CATEGORIES = tuple(c for c in REQUEST_CATEGORIES if c != "question")
# With this many communes or fewer in a province, they are shown as buttons as well.
MAX_COMMUNE_BUTTONS = 15
NAME_LIMIT = 100

YES, NO, SKIP, CONFIRM_ID, CANCEL_ID = "form:yes", "form:no", "form:skip", "form:confirm", "form:cancel"
RESUME, DISCARD = "form:resume", "form:discard"


def _draft(ctx: Context) -> dict[str, str]:
    return ctx.state.draft


async def start(ctx: Context, *, category: str = "", description: str = "", faq_slug: str = "") -> None:
    ctx.state.reset_flow()
    ctx.state.flow = FLOW
    draft = _draft(ctx)
    if category:
        draft["category"] = category
    if description:
        draft["description"] = description[: ctx.settings.max_description_chars]
    if faq_slug:
        draft["faq_slug"] = faq_slug
    ctx.say(ctx.t("form_intro"))
    ctx.state.step = _next_step(draft)
    await ask_step(ctx)


def _next_step(draft: dict[str, str]) -> str:
    for step in ORDER:
        if step == NAME:
            if "name" not in draft:
                return NAME
        elif step == CONSENT:
            if "consent_at" not in draft:
                return CONSENT
        elif step == COMMUNE:
            if "locality" not in draft:
                return COMMUNE
        elif step == CONTACT_TIME:
            if "contact_time" not in draft:
                return CONTACT_TIME
        elif step != CONFIRM and step not in draft:
            return step
    return CONFIRM


def _ask(ctx: Context) -> None:
    step = ctx.state.step
    cancel = ctx.choice(CANCEL_ID, "form_cancel")
    if step == CATEGORY:
        choices = [ctx.choice(f"form:cat:{c}", f"category_{c}") for c in OFFERED_CATEGORIES]
        ctx.say(ctx.t("form_ask_category"), [*choices, cancel])
    elif step == DESCRIPTION:
        ctx.say(ctx.t("form_ask_description"), [cancel])
    elif step == PHONE:
        ctx.say(ctx.t("form_ask_phone"), [cancel], ask_phone=True)
    elif step == NAME:
        ctx.say(ctx.t("form_ask_name"), [ctx.choice(SKIP, "form_skip"), cancel])
    elif step == CONTACT_TIME:
        choices = [ctx.choice(f"form:time:{t}", f"contact_time_{t}") for t in CONTACT_TIMES]
        ctx.say(ctx.t("form_ask_contact_time"), [*choices, cancel])
    elif step == EDIT:
        choices = [ctx.choice(f"form:edit:{f}", f"field_{f}") for f in EDITABLE]
        ctx.say(ctx.t("form_ask_edit"), [*choices, ctx.choice(CONFIRM_ID, "form_back_to_summary")])
    # COMMUNE, PROVINCE, COMMUNE_CONFIRM, CONSENT and CONFIRM need data: see ask_step().


async def ask_step(ctx: Context) -> None:
    """Ask the current step's question (first time, after an error, a mid-form answer, a resume)."""
    step = ctx.state.step
    if step in (COMMUNE, PROVINCE, COMMUNE_CONFIRM):
        await _ask_commune(ctx)
    elif step == CONSENT:
        await _ask_consent(ctx)
    elif step == CONFIRM:
        await _ask_confirm(ctx)
    else:
        _ask(ctx)


async def next_step(ctx: Context) -> None:
    if _draft(ctx).get("editing") and ctx.state.step not in (CONSENT, CONFIRM):
        _draft(ctx).pop("editing", None)
        ctx.state.step = CONFIRM if "consent_at" in _draft(ctx) else CONSENT
    else:
        ctx.state.step = _next_step(_draft(ctx))
    await ask_step(ctx)


# -- commune -------------------------------------------------------------------------------------


async def _ask_commune(ctx: Context) -> None:
    draft = _draft(ctx)
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
    provinces = sorted({loc.province for loc in localities})
    province = draft.get("province") or (provinces[0] if len(provinces) == 1 else "")
    if not province:
        ctx.state.step = PROVINCE
        choices = [Choice(f"form:prov:{i}", p) for i, p in enumerate(provinces)][:MAX_COMMUNE_BUTTONS]
        ctx.say(ctx.t("form_ask_province"), [*choices, cancel])
        return
    ctx.state.step = COMMUNE
    in_province = [loc for loc in localities if loc.province == province]
    if len(in_province) <= MAX_COMMUNE_BUTTONS:
        choices = [Choice(f"form:loc:{loc.code}", loc.name) for loc in in_province]
        ctx.say(ctx.t("form_ask_commune_buttons", province=province), [*choices, cancel])
    else:
        ctx.say(ctx.t("form_ask_commune_typed", province=province), [cancel])


async def _take_commune_text(ctx: Context, text: str) -> bool:
    localities = await ctx.localities.all()
    province = _draft(ctx).get("province")
    pool = [loc for loc in localities if not province or loc.province == province] or list(localities)
    found, sure = find_localities(text, pool)
    if not found and province:
        found, sure = find_localities(text, localities)
    if not found:
        return False
    if sure:
        _draft(ctx)["locality_guess"] = found[0].code
        ctx.state.step = COMMUNE_CONFIRM
        await _ask_commune(ctx)
        return True
    choices = [Choice(f"form:loc:{loc.code}", f"{loc.name}, {loc.province}") for loc in found]
    ctx.say(ctx.t("form_pick_commune"), [*choices, ctx.choice(CANCEL_ID, "form_cancel")])
    return True


async def _set_locality(ctx: Context, code: str) -> bool:
    locality = await ctx.localities.get(code)
    if locality is None:
        return False
    draft = _draft(ctx)
    draft.pop("locality_guess", None)
    if draft.get("locality") and draft["locality"] != code:
        draft.pop("consent_at", None)  # the agency may change: consent names it
    draft["locality"] = code
    draft["province"] = locality.province
    return True


# -- consent and confirm -------------------------------------------------------------------------


async def _routed_agency_name(ctx: Context) -> tuple[str, str]:
    draft = _draft(ctx)
    locality = await ctx.localities.get(draft.get("locality", ""))
    decision = route(draft.get("category", ""), locality, await ctx.rules.active_rules()) if locality else None
    if decision is None:
        return "", ctx.t("agency_unknown")
    agency = await ctx.agencies.get(decision.agency_code)
    return decision.agency_code, agency.name if agency else decision.agency_code


async def _ask_consent(ctx: Context) -> None:
    _, agency_name = await _routed_agency_name(ctx)
    ctx.say(
        ctx.t("form_ask_consent", agency=agency_name),
        [ctx.choice(YES, "form_consent_yes"), ctx.choice(NO, "form_consent_no")],
    )


async def _ask_confirm(ctx: Context) -> None:
    draft = _draft(ctx)
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
            ctx.choice("form:editmenu", "form_edit"),
            ctx.choice(CANCEL_ID, "form_cancel"),
        ],
    )


async def _submit(ctx: Context) -> None:
    draft = _draft(ctx)
    locality = await ctx.localities.get(draft.get("locality", ""))
    if locality is None or "consent_at" not in draft:
        ctx.state.step = _next_step(draft)
        await ask_step(ctx)
        return
    category = draft.get("category", "question")
    decision = route(category, locality, await ctx.rules.active_rules())
    if decision is None:
        ctx.say(ctx.t("form_no_route"), menu.main_choices(ctx))
        ctx.state.reset_flow()
        return
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
        ),
        ctx.now,
    )
    ctx.notifications.append(Notification(decision.agency_code, code, "created"))
    agency = await ctx.agencies.get(decision.agency_code)
    ctx.state.reset_flow()
    ctx.say(
        ctx.t("form_sent", code=code, agency=agency.name if agency else decision.agency_code),
        [ctx.choice("menu:mine", "menu_mine"), menu.back_to_menu(ctx)],
    )


def cancel(ctx: Context) -> None:
    was_at_phone = ctx.state.step == PHONE
    ctx.state.reset_flow()
    ctx.say(ctx.t("form_cancelled"), remove_keyboard=was_at_phone)
    menu.show_menu(ctx)


def _take_phone(ctx: Context, phone: str) -> None:
    _draft(ctx)["phone"] = phone
    ctx.say(ctx.t("form_phone_saved", phone=mask_phone(phone)), remove_keyboard=True)


# -- answers -------------------------------------------------------------------------------------


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


async def on_text(ctx: Context, text: str) -> None:
    step, draft = ctx.state.step, _draft(ctx)
    text = text.strip()
    if step == DESCRIPTION:
        limit = ctx.settings.max_description_chars
        if len(text) > limit:
            ctx.say(ctx.t("form_description_too_long", limit=limit))
            await ask_step(ctx)
        elif len(text) < ctx.settings.min_description_chars or not has_letters(text):
            ctx.say(ctx.t("form_description_too_short"))
            await ask_step(ctx)
        else:
            draft["description"] = text
            await next_step(ctx)
    elif step in (COMMUNE, PROVINCE, COMMUNE_CONFIRM):
        if len(text) > 200 or not has_letters(text) or not await _take_commune_text(ctx, text):
            await _invalid(ctx, text, "form_commune_not_found")
    elif step == PHONE:
        phone = normalize_phone(text)
        if phone is None:
            await _invalid(ctx, text, "form_phone_invalid")
        else:
            _take_phone(ctx, phone)
            await next_step(ctx)
    elif step == NAME:
        if len(text) > NAME_LIMIT or not has_letters(text):
            ctx.say(ctx.t("form_name_invalid", limit=NAME_LIMIT))
            await ask_step(ctx)
        else:
            draft["name"] = " ".join(text.split())
            await next_step(ctx)
    else:
        # Steps answered by a choice: a typed text that is no choice may be a question.
        await _invalid(ctx, text, "form_use_buttons")


async def on_contact(ctx: Context, phone_text: str, is_own: bool) -> None:
    if ctx.state.step != PHONE:
        ctx.say(ctx.t("contact_not_needed"))
        await ask_step(ctx)
        return
    phone = normalize_phone(phone_text) if is_own else None
    if not is_own:
        ctx.say(ctx.t("form_contact_not_own"))
        await ask_step(ctx)
    elif phone is None:
        ctx.say(ctx.t("form_phone_invalid"))
        await ask_step(ctx)
    else:
        _take_phone(ctx, phone)
        await next_step(ctx)


async def on_choice(ctx: Context, choice: str) -> bool:
    """A form button; False when the choice does not belong to the current step."""
    step, draft = ctx.state.step, _draft(ctx)
    parts = choice.split(":", 2)
    verb, arg = (parts[1], parts[2] if len(parts) > 2 else "") if len(parts) > 1 else ("", "")
    if choice == CANCEL_ID:
        cancel(ctx)
    elif choice == RESUME:
        draft.pop("paused", None)
        await ask_step(ctx)
    elif choice == DISCARD:
        cancel(ctx)
    elif verb == "cat" and step == CATEGORY and arg in OFFERED_CATEGORIES:
        if draft.get("category") != arg:
            draft.pop("consent_at", None)
        draft["category"] = arg
        await next_step(ctx)
    elif verb == "prov" and step == PROVINCE:
        provinces = sorted({loc.province for loc in await ctx.localities.all()})
        if not arg.isdigit() or int(arg) >= len(provinces):
            return False
        draft["province"] = provinces[int(arg)]
        await _ask_commune(ctx)
    elif verb == "loc" and step in (COMMUNE, COMMUNE_CONFIRM, PROVINCE):
        if not await _set_locality(ctx, arg):
            return False
        await next_step(ctx)
    elif step == COMMUNE_CONFIRM and choice in (YES, NO):
        guess = draft.pop("locality_guess", "")
        if choice == YES and await _set_locality(ctx, guess):
            await next_step(ctx)
        else:
            ctx.state.step = COMMUNE
            ctx.say(ctx.t("form_commune_retype"))
            await _ask_commune(ctx)
    elif choice == SKIP and step == NAME:
        draft["name"] = ""
        await next_step(ctx)
    elif verb == "time" and step == CONTACT_TIME and arg in CONTACT_TIMES:
        draft["contact_time"] = arg
        await next_step(ctx)
    elif step == CONSENT and choice in (YES, NO):
        if choice == NO:
            ctx.state.reset_flow()
            ctx.say(ctx.t("form_consent_refused"), menu.main_choices(ctx))
        else:
            draft["consent_at"] = ctx.now.isoformat()
            await next_step(ctx)
    elif choice == CONFIRM_ID and step == CONFIRM:
        await _submit(ctx)
    elif choice == CONFIRM_ID and step == EDIT:
        ctx.state.step = CONFIRM
        await ask_step(ctx)
    elif choice == "form:editmenu" and step == CONFIRM:
        ctx.state.step = EDIT
        _ask(ctx)
    elif verb == "edit" and step == EDIT and arg in EDITABLE:
        draft["editing"] = "1"
        if arg == COMMUNE:
            draft.pop("province", None)
        ctx.state.step = arg
        await ask_step(ctx)
    else:
        return False
    return True


async def offer_resume(ctx: Context) -> None:
    ctx.say(ctx.t("form_resume_prompt"), [ctx.choice(RESUME, "form_resume"), ctx.choice(DISCARD, "form_discard")])
