"""The request form's steps, their order, and the buttons its questions offer."""

from __future__ import annotations

from datetime import datetime

from handlers.choices import FormAnswer, FormChoice
from handlers.context import Context
from knowledge_base.faq import REQUEST_CATEGORIES

# The conversation state's flow while a request form is open (or paused, with `paused` in the draft).
FORM = "intake"
CATEGORY, DESCRIPTION, PROVINCE, COMMUNE, COMMUNE_CONFIRM = (
    "category",
    "description",
    "province",
    "commune",
    "commune_ok",
)
PHONE, NAME, CONTACT_TIME, CONSENT, CONFIRM, EDIT = "phone", "name", "contact_time", "consent", "confirm", "edit"
ORDER = (CATEGORY, DESCRIPTION, COMMUNE, PHONE, NAME, CONTACT_TIME, CONSENT, CONFIRM)
COMMUNE_STEPS = (COMMUNE, PROVINCE, COMMUNE_CONFIRM)
EDITABLE = (CATEGORY, DESCRIPTION, COMMUNE, PHONE, NAME, CONTACT_TIME)
CONTACT_TIMES = ("morning", "afternoon", "evening", "any")
# The `question` category is chosen by the "ask a person" buttons, not offered in the list.
OFFERED_CATEGORIES = tuple(c for c in REQUEST_CATEGORIES if c != "question")
# With this many communes or fewer in a province, they are shown as buttons as well.
MAX_COMMUNE_BUTTONS = 15
NAME_LIMIT = 100
# Longer than any commune's name with its province: not worth matching.
COMMUNE_TEXT_LIMIT = 200
# The draft key each step fills, where it is not the step's own name.
_FILLS = {NAME: "name", CONSENT: "consent_at", COMMUNE: "locality", CONTACT_TIME: "contact_time"}

YES = FormChoice(FormAnswer.YES)
NO = FormChoice(FormAnswer.NO)
SKIP = FormChoice(FormAnswer.SKIP)
CONFIRM_ID = FormChoice(FormAnswer.CONFIRM)
CANCEL_ID = FormChoice(FormAnswer.CANCEL)
RESUME = FormChoice(FormAnswer.RESUME)
DISCARD = FormChoice(FormAnswer.DISCARD)
EDIT_MENU = FormChoice(FormAnswer.EDIT_MENU)


def draft_of(ctx: Context) -> dict[str, str]:
    return ctx.state.draft


def has_draft(ctx: Context) -> bool:
    """A form is open, whether the person is answering it or left it for the menu."""
    return ctx.state.flow == FORM


def in_form(ctx: Context) -> bool:
    """The person is answering the form's questions (it is open and not paused)."""
    return has_draft(ctx) and not ctx.state.draft.get("paused")


def first_unanswered(draft: dict[str, str]) -> str:
    for step in ORDER:
        if step == CONFIRM:
            break
        if _FILLS.get(step, step) not in draft:
            return step
    return CONFIRM


def forget_form(ctx: Context) -> None:
    """The form closed without being sent: its draft goes, and the chat's transcript since it began."""
    try:
        ctx.forget_since = datetime.fromisoformat(str(draft_of(ctx).get("started_at", "")))
    except ValueError:
        ctx.forget_since = ctx.now
    ctx.state.reset_flow()
