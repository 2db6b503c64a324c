"""The greeting, the main menu and the topic browser: buttons for every finite choice."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Choice
from knowledge_base.faq import REQUEST_CATEGORIES

MAIN = "menu:main"
ASK = "menu:ask"
JOBS = "menu:jobs"
TOPICS = "menu:topics"
REQUEST = "menu:request"
MINE = "menu:mine"
PERSON = "menu:person"
PRIVACY = "menu:privacy"
LANGUAGE = "menu:lang"

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
    ]


def back_to_menu(ctx: Context) -> Choice:
    return ctx.choice(MAIN, "menu_back")


def show_menu(ctx: Context, key: str = "menu_prompt") -> None:
    ctx.say(ctx.t(key), main_choices(ctx))


def greet(ctx: Context) -> None:
    ctx.say(ctx.t("greeting"), main_choices(ctx))
    ctx.state.greeted = True


def show_help(ctx: Context) -> None:
    ctx.say(
        ctx.t("help"),
        [ctx.choice(TOPICS, "menu_topics"), ctx.choice(LANGUAGE, "menu_language"), back_to_menu(ctx)],
    )


def category_choices(ctx: Context, categories: tuple[str, ...]) -> list[Choice]:
    return [ctx.choice(f"cat:{c}", f"category_{c}") for c in categories]


def show_categories(ctx: Context, categories: tuple[str, ...] = TOPIC_CATEGORIES) -> None:
    ctx.say(ctx.t("topics_prompt"), [*category_choices(ctx, categories), back_to_menu(ctx)])


def show_category(ctx: Context, category: str) -> bool:
    entries = [e for e in ctx.kb.entries.values() if (e.category or "") == category]
    if not entries:
        return False
    choices = [Choice(f"faq:{e.slug}", e.title) for e in entries]
    ctx.say(ctx.t("category_prompt", category=ctx.t(f"category_{category}")), [*choices, back_to_menu(ctx)])
    return True


def switch_language(ctx: Context) -> None:
    locales = ctx.texts.locales
    current = locales.index(ctx.state.locale) if ctx.state.locale in locales else 0
    ctx.state.locale = locales[(current + 1) % len(locales)]
    show_menu(ctx, "language_switched")
