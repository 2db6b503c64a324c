"""The answer to the one follow-up question, "have you started work / the course?": kept once; "not
yet, I still need help" reopens the request and tells its agency."""

from __future__ import annotations

from handlers.context import Context
from handlers.domain import FollowupResult
from handlers.flows import menu
from handlers.listing_choices import FollowupChoice, FollowupOutcome
from handlers.messages import Choice, Notification
from handlers.texts import Texts

# The event an agency is told of (bot/messaging/notify.py writes its post).
REOPENED = "reopened"


def followup_choices(texts: Texts, locale: str, registration_id: int) -> tuple[Choice, ...]:
    """The question's four buttons, for the round that asks it (outside any conversation turn)."""
    return tuple(
        Choice.of(FollowupChoice(registration_id, outcome), texts.get(locale, f"followup_{outcome.value}"))
        for outcome in FollowupOutcome
    )


async def answer(ctx: Context, choice: FollowupChoice) -> bool:
    """False for a button that names no registration of this conversation (forged, or erased since)."""
    if ctx.listings is None:
        return False
    outcome = choice.outcome
    answered = await ctx.listings.answer_followup(choice.registration, ctx.conversation_id, outcome.value, ctx.now)
    if answered.result is FollowupResult.UNKNOWN:
        return False
    if answered.result is FollowupResult.ALREADY:
        ctx.say(ctx.t("followup_already"), menu.main_choices(ctx))
    elif outcome is FollowupOutcome.NEED_HELP:
        ctx.notifications.append(Notification(answered.agency_code, answered.request_code, REOPENED))
        ctx.say(
            ctx.t("followup_reopened", code=answered.request_code),
            [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)],
        )
    else:
        ctx.say(ctx.t("followup_thanks"), menu.main_choices(ctx))
    return True
