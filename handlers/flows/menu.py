"""The greeting, the main menu, help and the topic browser: buttons for every finite choice."""

from __future__ import annotations

from handlers import commands
from handlers.choices import CategoryChoice, FaqChoice, HandoverChoice, MenuChoice, MenuItem
from handlers.context import Context
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, command, kind
from handlers.messages import START, Choice
from knowledge_base.faq import REQUEST_CATEGORIES

MAIN = MenuChoice(MenuItem.MAIN)
ASK = MenuChoice(MenuItem.ASK)
JOBS = MenuChoice(MenuItem.JOBS)
TOPICS = MenuChoice(MenuItem.TOPICS)
REQUEST = MenuChoice(MenuItem.REQUEST)
MINE = MenuChoice(MenuItem.MINE)
PERSON = MenuChoice(MenuItem.PERSON)
PRIVACY = MenuChoice(MenuItem.PRIVACY)
HELP = MenuChoice(MenuItem.HELP)
LANGUAGE = MenuChoice(MenuItem.LANGUAGE)
ALERTS = MenuChoice(MenuItem.ALERTS)

# Categories that hold FAQ entries people browse (the request-only `question` is not a topic).
TOPIC_CATEGORIES = tuple(c for c in REQUEST_CATEGORIES if c != "question")
JOB_CATEGORIES = ("employment", "training", "loan")


def main_choices(ctx: Context) -> list[Choice]:
    return [
        ctx.choice(ASK, "menu_ask"),
        ctx.choice(JOBS, "menu_jobs"),
        ctx.choice(REQUEST, "menu_request"),
        ctx.choice(MINE, "menu_mine"),
        ctx.choice(PERSON, "menu_person"),
        ctx.choice(PRIVACY, "menu_privacy"),
        *handover_choices(ctx),
    ]


def alert_choices(ctx: Context) -> list[Choice]:
    """ "🔔 Tell me when there is a new job / course", where jobs and courses are looked for (the main
    menu stays short on a small screen); none where the deployment offers no subscriptions."""
    return [ctx.choice(ALERTS, "menu_alerts")] if ctx.alerts is not None else []


def handover_choices(ctx: Context) -> list[Choice]:
    """ "📲 Get the replies on Telegram": one per notifier this conversation may move to (none on a
    channel that reaches the person by itself, or where none is set up)."""
    if ctx.handover is None:
        return []
    return [
        ctx.choice(HandoverChoice(kind), f"handover_offer_{kind}") for kind in ctx.handover.destinations(ctx.channel)
    ]


def back_to_menu(ctx: Context) -> Choice:
    return ctx.choice(MAIN, "menu_back")


def show_menu(ctx: Context, key: str = "menu_prompt") -> None:
    ctx.say(ctx.t(key), main_choices(ctx))


async def leave_flow(turn: Turn, ctx: Context) -> None:
    """/start or /menu in the middle of a short flow: what it had not stored is dropped, and the person
    is greeted (/start) or shown the menu."""
    ctx.state.reset_flow()
    if turn.kind == START or commands.START.matches(turn.command):
        greet(ctx)
    else:
        show_menu(ctx)


def greet(ctx: Context) -> None:
    ctx.say(ctx.t("greeting"), main_choices(ctx))
    ctx.state.greeted = True


def show_help(ctx: Context) -> None:
    ctx.say(
        ctx.t("help"),
        [ctx.choice(TOPICS, "menu_topics"), ctx.choice(LANGUAGE, "menu_language"), back_to_menu(ctx)],
    )


def show_cancelled(ctx: Context, *, remove_keyboard: bool = False) -> None:
    ctx.say(ctx.t("form_cancelled"), remove_keyboard=remove_keyboard)
    show_menu(ctx)


def category_choices(ctx: Context, categories: tuple[str, ...]) -> list[Choice]:
    return [ctx.choice(CategoryChoice(c), f"category_{c}") for c in categories]


def show_categories(ctx: Context, categories: tuple[str, ...] = TOPIC_CATEGORIES) -> None:
    ctx.say(ctx.t("topics_prompt"), [*category_choices(ctx, categories), back_to_menu(ctx)])


def show_category(ctx: Context, category: str) -> bool:
    # "cat:" (no category) would gather the uncategorised entries under a title that has no text.
    if not category:
        return False
    entries = [e for e in ctx.kb.entries.values() if (e.category or "") == category]
    if not entries:
        return False
    choices = [Choice.of(FaqChoice(e.slug), e.title) for e in entries]
    ctx.say(ctx.t("category_prompt", category=ctx.t(f"category_{category}")), [*choices, back_to_menu(ctx)])
    return True


async def _greet(turn: Turn, ctx: Context) -> None:
    greet(ctx)


async def _menu(turn: Turn, ctx: Context) -> None:
    show_menu(ctx)


async def _help(turn: Turn, ctx: Context) -> None:
    show_help(ctx)


async def _ask(turn: Turn, ctx: Context) -> None:
    ctx.say(ctx.t("ask_prompt"), [ctx.choice(TOPICS, "menu_topics"), back_to_menu(ctx)])


async def _topics(turn: Turn, ctx: Context) -> None:
    show_categories(ctx)


async def _category(turn: Turn, ctx: Context) -> Outcome:
    if isinstance(turn.choice, CategoryChoice) and show_category(ctx, turn.choice.category):
        return Outcome.ASIDE
    return Outcome.STALE


FLOW = Flow(
    "menu",
    (
        Route(kind(START) | command(commands.START), _greet),
        Route(command(commands.MENU) | chosen(MAIN), _menu),
        Route(command(commands.HELP) | chosen(HELP), _help),
        Route(chosen(ASK), _ask),
        Route(chosen(TOPICS), _topics),
        Route(chosen(CategoryChoice), _category),
    ),
)
