"""What the answer pages share (bot/faq/views.py): their limits, reading their forms, the
outcomes a redirect may announce, and whether a change waits for a second admin's approval."""

from __future__ import annotations

from fastapi import Request

from bot.app import App

# Anything longer is cut before validation (which then says it is too long): a page, never a crash.
FORM_LIMIT = 200_000
MAX_QUESTION = 600
# What a redirect after an action may announce (af_done_<key> in the locales).
DONE = frozenset(
    {
        "saved",
        "created",
        "pending",
        "unchanged",
        "restored",
        "approved",
        "rejected",
        "withdrawn",
        "added",
        "added_pending",
        "dismissed",
        "out_of_scope",
    }
)


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value[:FORM_LIMIT] for key, value in form.items() if isinstance(value, str)}


def done_key(done: str) -> str:
    return done if done in DONE else ""


def approval_required(app: App) -> bool:
    return bool(app.settings.faq_publish_needs_approval)
