"""Talking to a person: what the staff can do, and sending the last question to them as a request."""

from __future__ import annotations

from handlers.choices import AskPersonChoice
from handlers.context import Context
from handlers.flows import intake, menu
from handlers.flows.base import Flow, Route, Turn, chosen

# The FAQ entry that says who the staff are and how they help; a short text stands in without it.
PERSON_SLUG = "gap-can-bo"


async def _show(turn: Turn, ctx: Context) -> None:
    entry = ctx.kb.entries.get(PERSON_SLUG)
    ctx.say(
        entry.answer if entry else ctx.t("person_prompt"),
        [ctx.choice(AskPersonChoice(), "person_send_request"), menu.back_to_menu(ctx)],
    )


async def _send_question(turn: Turn, ctx: Context) -> None:
    await intake.start(ctx, category="question", description=ctx.state.draft_question)


FLOW = Flow("person", (Route(chosen(menu.PERSON), _show), Route(chosen(AskPersonChoice), _send_question)))
