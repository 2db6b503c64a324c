"""Free-text questions: small talk, or the matcher's answer / suggestions / honest fallback."""

from __future__ import annotations

from handlers.choices import AskPersonChoice, FaqChoice, FaqMoreChoice, NeedHelpChoice
from handlers.context import Context
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, free_text
from handlers.flows.listings import matches
from handlers.masking import mask_personal
from handlers.messages import Choice
from knowledge_base.faq import FaqEntry
from knowledge_base.matcher import ANSWER, SUGGEST, MatchResult
from knowledge_base.text import has_letters

ASK_PERSON = AskPersonChoice()
CRISIS_SLUG = "tu-van-tam-ly"


def entry_choices(
    ctx: Context, entry: FaqEntry, *, with_more: bool = True, related: tuple[str, ...] = ()
) -> list[Choice]:
    choices: list[Choice] = []
    if with_more and entry.more:
        choices.append(ctx.choice(FaqMoreChoice(entry.slug), "faq_more"))
    if entry.category:
        choices.append(ctx.choice(NeedHelpChoice(entry.slug), "faq_need_help"))
    choices += [Choice.of(FaqChoice(slug), ctx.kb.entries[slug].title) for slug in related if slug in ctx.kb.entries]
    choices.append(menu.back_to_menu(ctx))
    return choices


def show_entry(ctx: Context, entry: FaqEntry, related: tuple[str, ...] = ()) -> None:
    """The answer, with "more", "I need help with this", and close neighbours as buttons."""
    ctx.say(entry.answer, entry_choices(ctx, entry, related=related))


def show_more(ctx: Context, entry: FaqEntry) -> None:
    ctx.say(entry.more or entry.answer, entry_choices(ctx, entry, with_more=False))


def is_readable_question(ctx: Context, text: str) -> bool:
    """Says why when the text cannot be matched at all (too long, or no letters in it)."""
    if len(text) > ctx.settings.max_question_chars:
        ctx.say(ctx.t("too_long", limit=ctx.settings.max_question_chars), [menu.back_to_menu(ctx)])
        return False
    if not has_letters(text):
        ctx.say(ctx.t("no_letters"), menu.main_choices(ctx))
        return False
    return True


async def match_and_log(ctx: Context, text: str) -> tuple[MatchResult, int]:
    result = ctx.kb.match(text)
    names = [str(ctx.state.draft.get("name") or "")]
    match_id = await ctx.match_log.record(
        channel=ctx.channel,
        pseudonym=ctx.pseudonym or None,
        # Kept to improve the answers: nothing in it may say who asked.
        question=mask_personal(text, names),
        normalized=mask_personal(result.normalized, names),
        decision=result.decision,
        slug=result.slug,
        score=result.score,
        suggestions=result.suggestions,
        now=ctx.now,
    )
    return result, match_id


async def answer(ctx: Context, text: str) -> None:
    text = text.strip()
    if not is_readable_question(ctx, text):
        return
    if ctx.kb.normalizer.is_crisis(text):
        # Safety first: the emergency numbers before anything else, then the counselling answer.
        ctx.say(ctx.t("crisis"))
        entry = ctx.kb.entries.get(CRISIS_SLUG)
        if entry is not None:
            show_entry(ctx, entry)
        await match_and_log(ctx, text)
        return
    intent = ctx.kb.normalizer.smalltalk_intent(text)
    if intent:
        ctx.say(ctx.t(f"smalltalk_{intent}"), menu.main_choices(ctx))
        return
    result, match_id = await match_and_log(ctx, text)
    ctx.state.draft_question = text
    listings = await matches.find(ctx, text)
    if result.decision == ANSWER and result.slug:
        show_entry(ctx, ctx.kb.entries[result.slug], related=result.suggestions)
        matches.offer(ctx, listings)
    elif result.decision == SUGGEST:
        # The listings first: a typed number then names one of the suggestions, offered last.
        matches.offer(ctx, listings)
        ctx.state.last_match_id = match_id
        choices = [Choice.of(FaqChoice(slug), ctx.kb.entries[slug].title) for slug in result.suggestions]
        ctx.say(ctx.t("suggest_prompt"), [*choices, ctx.choice(ASK_PERSON, "suggest_none")])
    else:
        fallback(ctx)
        matches.offer(ctx, listings)


def fallback(ctx: Context) -> None:
    ctx.say(
        ctx.t("fallback"),
        [ctx.choice(ASK_PERSON, "fallback_ask_person"), ctx.choice(menu.TOPICS, "menu_topics"), menu.back_to_menu(ctx)],
    )


async def open_entry(ctx: Context, slug: str, *, more: bool = False) -> bool:
    entry = ctx.kb.entries.get(slug)
    if entry is None:
        return False
    if ctx.state.last_match_id is not None and not more:
        await ctx.match_log.mark_chosen(ctx.state.last_match_id, slug)
        ctx.state.last_match_id = None
    if more:
        show_more(ctx, entry)
    else:
        show_entry(ctx, entry)
    return True


async def _answer(turn: Turn, ctx: Context) -> None:
    await answer(ctx, turn.text)


async def _open(turn: Turn, ctx: Context) -> Outcome:
    choice = turn.choice
    more = isinstance(choice, FaqMoreChoice)
    if isinstance(choice, FaqChoice | FaqMoreChoice) and await open_entry(ctx, choice.slug, more=more):
        return Outcome.ASIDE
    return Outcome.STALE


FLOW = Flow(
    "faq",
    (
        Route(chosen(FaqChoice, FaqMoreChoice), _open),
        Route(free_text(), _answer),
    ),
)
