"""The conversation core: one incoming message in, the replies out (through the context)."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import faq, intake, menu, my_requests
from handlers.choices import resolve
from handlers.context import Context
from handlers.messages import CHOICE, CONTACT, START, UNSUPPORTED, IncomingMessage, OutgoingMessage
from knowledge_base.text import clean, fold

PERSON_SLUG = "gap-can-bo"
PRIVACY_SLUG = "bao-mat-du-lieu"
CANCEL_WORDS = frozenset({"huy", "huy bo", "thoi huy", "cancel"})


async def handle(message: IncomingMessage, ctx: Context) -> list[OutgoingMessage]:
    state = ctx.state
    # Vietnamese first, whatever language the phone is set to: the answers themselves are Vietnamese,
    # and many people here keep an English phone. /lang switches.
    away = _away_since(state.last_seen, ctx.now) > timedelta(hours=ctx.settings.resume_after_hours)
    state.last_seen = ctx.now.isoformat()

    if message.kind == START:
        await _start(ctx)
    elif message.kind == UNSUPPORTED:
        ctx.say(ctx.t("unsupported"))
        await _ask_again_or_menu(ctx)
    elif message.kind == CONTACT:
        if _in_form(ctx):
            await intake.on_contact(ctx, message.contact_phone, message.contact_is_own)
        else:
            ctx.say(ctx.t("contact_not_needed"), menu.main_choices(ctx))
    elif message.kind == CHOICE:
        await _on_choice(ctx, message.choice)
    else:
        if not state.greeted and not message.text.strip().startswith("/"):
            # Channels without a start command (Zalo): a person's first message gets the greeting too.
            menu.greet(ctx)
        await _on_text(ctx, message.text, away)
    return ctx.replies


def _away_since(last_seen: str, now: datetime) -> timedelta:
    try:
        return now - datetime.fromisoformat(last_seen)
    except (TypeError, ValueError):
        return timedelta(0)


def _in_form(ctx: Context) -> bool:
    return ctx.state.flow == intake.FLOW and not ctx.state.draft.get("paused")


def _has_draft(ctx: Context) -> bool:
    return ctx.state.flow == intake.FLOW


async def _start(ctx: Context) -> None:
    menu.greet(ctx)
    if _has_draft(ctx):
        await intake.offer_resume(ctx)


async def _ask_again_or_menu(ctx: Context) -> None:
    if _in_form(ctx):
        await intake.ask_step(ctx)
    elif ctx.state.flow == my_requests.FLOW:
        ctx.say(ctx.t("mine_add_prompt", code=ctx.state.request_code))
    else:
        menu.show_menu(ctx)


def _pause_form(ctx: Context) -> None:
    if _has_draft(ctx):
        ctx.state.draft["paused"] = "1"
    elif ctx.state.flow == my_requests.FLOW:
        ctx.state.reset_flow()


async def _on_command(ctx: Context, command: str) -> None:
    name = command.split()[0].split("@")[0].lower()
    if name == "/start":
        await _start(ctx)
    elif name == "/menu":
        _pause_form(ctx)
        menu.show_menu(ctx)
    elif name in ("/help", "/trogiup"):
        menu.show_help(ctx)
    elif name == "/huy":
        await _cancel(ctx)
    elif name in ("/lang", "/ngonngu"):
        menu.switch_language(ctx)
    elif name in ("/yeucau", "/requests"):
        await my_requests.show_list(ctx)
    else:
        ctx.say(ctx.t("unknown_command"))
        menu.show_help(ctx)


async def _cancel(ctx: Context) -> None:
    if _has_draft(ctx) or ctx.state.flow == my_requests.FLOW:
        intake.cancel(ctx)
    else:
        ctx.say(ctx.t("nothing_to_cancel"), menu.main_choices(ctx))


async def _on_text(ctx: Context, text: str, away: bool) -> None:
    stripped = text.strip()
    if not stripped:
        ctx.say(ctx.t("empty_message"))
        await _ask_again_or_menu(ctx)
        return
    if stripped.startswith("/"):
        await _on_command(ctx, stripped)
        return
    if fold(clean(stripped)) in CANCEL_WORDS:
        await _cancel(ctx)
        return
    if _in_form(ctx) and away:
        await intake.offer_resume(ctx)
        return
    resolution = resolve(stripped, ctx.state.choices)
    if resolution.choice_id:
        await _on_choice(ctx, resolution.choice_id)
    elif resolution.out_of_range:
        ctx.say(ctx.t("out_of_range", count=len(ctx.state.choices)))
        await _ask_again_or_menu(ctx)
    elif _in_form(ctx):
        await intake.on_text(ctx, stripped)
    elif ctx.state.flow == my_requests.FLOW:
        await my_requests.on_add_text(ctx, stripped)
    elif code := my_requests.find_code(stripped):
        await my_requests.show_one(ctx, code)
    else:
        await faq.answer(ctx, stripped)


async def _on_choice(ctx: Context, choice: str) -> None:
    verb, _, arg = choice.partition(":")
    if verb == "form":
        handled = _has_draft(ctx) and await intake.on_choice(ctx, choice)
        if not handled:
            ctx.say(ctx.t("stale_button"))
            await _ask_again_or_menu(ctx)
        return
    if _in_form(ctx) and verb == "menu":
        _pause_form(ctx)
    handled = await _global_choice(ctx, verb, arg)
    if not handled:
        ctx.say(ctx.t("stale_button"))
        await _ask_again_or_menu(ctx)
    elif _in_form(ctx) and verb in ("faq", "more", "cat"):
        # An old button pressed mid-form: answered above; now back to the form.
        ctx.say(ctx.t("form_back_to_step"))
        await intake.ask_step(ctx)


async def _global_choice(ctx: Context, verb: str, arg: str) -> bool:
    if verb == "menu":
        return await _on_menu(ctx, arg)
    if verb == faq.ENTRY:
        return await faq.open_entry(ctx, arg)
    if verb == faq.MORE:
        return await faq.open_entry(ctx, arg, more=True)
    if verb == "cat":
        return menu.show_category(ctx, arg)
    if verb == faq.NEED_HELP:
        entry = ctx.kb.entries.get(arg)
        if entry is None or not entry.category:
            return False
        await intake.start(ctx, category=entry.category, faq_slug=entry.slug)
        return True
    if verb == "ask" and arg == "person":
        question = ctx.state.draft_question
        await intake.start(ctx, category="question", description=question)
        return True
    if verb == "req":
        action, _, code = arg.partition(":")
        if action == "stopadd":
            ctx.state.reset_flow()
            menu.show_menu(ctx)
            return True
        return await my_requests.on_choice(ctx, action, code)
    return False


async def _on_menu(ctx: Context, item: str) -> bool:
    if item == "main":
        menu.show_menu(ctx)
    elif item == "ask":
        ctx.say(ctx.t("ask_prompt"), [ctx.choice(menu.TOPICS, "menu_topics"), menu.back_to_menu(ctx)])
    elif item == "jobs":
        menu.show_categories(ctx, menu.JOB_CATEGORIES)
    elif item == "topics":
        menu.show_categories(ctx)
    elif item == "request":
        if _has_draft(ctx):
            await intake.offer_resume(ctx)
        else:
            await intake.start(ctx)
    elif item == "mine":
        await my_requests.show_list(ctx)
    elif item == "person":
        entry = ctx.kb.entries.get(PERSON_SLUG)
        ctx.say(
            entry.answer if entry else ctx.t("person_prompt"),
            [ctx.choice("ask:person", "person_send_request"), menu.back_to_menu(ctx)],
        )
    elif item == "privacy":
        entry = ctx.kb.entries.get(PRIVACY_SLUG)
        ctx.say(entry.answer if entry else ctx.t("privacy_short"), [menu.back_to_menu(ctx)])
    elif item == "help":
        menu.show_help(ctx)
    elif item == "lang":
        menu.switch_language(ctx)
    else:
        return False
    return True
