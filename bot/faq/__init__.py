"""Editing the knowledge base from the admin console: validation, versions, diffs, restore, approvals.

The entry row (faq_entries) is what the bot answers with; faq_versions keeps every save. A save
that needs a second admin (when `faq_publish_needs_approval` is on) is a version too, with a
pending faq_approvals row, and leaves the row as it was until approved. Whatever changes what is
published bumps the knowledge-base revision, so every worker rebuilds its matcher on its next
message, and writes the audit log with the before and after.

Problems are returned as codes (`af_err_<code>` in the web locales), never as sentences.
"""

from bot.faq.approvals import APPROVED, REJECTED, SUPERSEDED, WITHDRAWN, ApprovalError, approve, reject
from bot.faq.entries import (
    EntryNotFound,
    SaveResult,
    all_rows,
    approvals_of,
    data_of,
    entry_row,
    latest_version,
    pending_approvals,
    pending_for,
    version_row,
    versions,
    working_copy,
)
from bot.faq.explain import Candidate, Explanation, explain, with_entry
from bot.faq.inbox import add_phrasing, draft_from_questions, slug_from
from bot.faq.saving import save_entry
from bot.faq.validation import (
    DRAFT,
    FIELDS,
    LIST_FIELDS,
    MAX_ANSWER,
    MAX_KEYWORD,
    MAX_KEYWORDS,
    MAX_MORE,
    MAX_PHRASING,
    MAX_PHRASINGS,
    MAX_REFERENCE,
    MAX_SLUG,
    MAX_TITLE,
    MIN_SLUG,
    PUBLISHED,
    RECOMMENDED_ANSWER,
    RESERVED_SLUGS,
    SLUG,
    TEXT_FIELDS,
    FaqEditError,
    Problem,
    lines_of,
    phrasing_key,
    tidy,
    validate,
)
from bot.faq.versions import FieldDiff, VersionView, diff, history, restore
from bot.storage.repos.faq import entry_of_row

__all__ = [
    "APPROVED",
    "DRAFT",
    "FIELDS",
    "LIST_FIELDS",
    "MAX_ANSWER",
    "MAX_KEYWORD",
    "MAX_KEYWORDS",
    "MAX_MORE",
    "MAX_PHRASING",
    "MAX_PHRASINGS",
    "MAX_REFERENCE",
    "MAX_SLUG",
    "MAX_TITLE",
    "MIN_SLUG",
    "PUBLISHED",
    "RECOMMENDED_ANSWER",
    "REJECTED",
    "RESERVED_SLUGS",
    "SLUG",
    "SUPERSEDED",
    "TEXT_FIELDS",
    "WITHDRAWN",
    "ApprovalError",
    "Candidate",
    "EntryNotFound",
    "Explanation",
    "FaqEditError",
    "FieldDiff",
    "Problem",
    "SaveResult",
    "VersionView",
    "add_phrasing",
    "all_rows",
    "approvals_of",
    "approve",
    "data_of",
    "diff",
    "draft_from_questions",
    "entry_of_row",
    "entry_row",
    "explain",
    "history",
    "latest_version",
    "lines_of",
    "pending_approvals",
    "pending_for",
    "phrasing_key",
    "reject",
    "restore",
    "save_entry",
    "slug_from",
    "tidy",
    "validate",
    "version_row",
    "versions",
    "with_entry",
    "working_copy",
]
