"""The content check in the admin's answer pages: today's date where the deployment is, the check's
warnings for the entry on screen, and the list's order (entries due for review first).

A warning never refuses a save: the admin may keep a draft with problems, and may even publish one."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.app import App
from bot.clock import as_utc
from bot.faq import entry_of_row
from bot.storage.models import FaqEntryRow
from knowledge_base.content_checks import Problem, check_entry, review_due
from knowledge_base.faq import FaqEntry


def today(app: App) -> date:
    """Review dates are days where the deployment is, not in UTC."""
    return as_utc(app.clock()).astimezone(ZoneInfo(app.settings.timezone)).date()


def warnings(entry: FaqEntry, day: date) -> list[Problem]:
    return check_entry(entry, day)


def due_first(rows: list[FaqEntryRow], day: date) -> tuple[list[FaqEntryRow], set[int]]:
    """The rows with those due for review first (each group in its usual order), and the due rows' ids."""
    due = {row.id for row in rows if review_due(entry_of_row(row), day)}
    return sorted(rows, key=lambda row: row.id not in due), due
