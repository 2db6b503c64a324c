"""The audit log as people read it: one sentence per change in the reader's language, not codes and JSON.

Each action has a sentence au_<action> (dots as underscores) in bot/web/locales/audit.<locale>.yaml,
filled from who did it, what it was done to, and a few of the recorded values. An action without a
sentence, or whose record lacks a value its sentence names, is told in a general sentence with the
action's code: an old row never breaks the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.storage.models import AuditLogRow

Translate = Callable[..., str]
# Values longer than this are cut in a sentence (the details keep them whole).
MAX_VALUE = 120


def _short(value: Any) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


# Targets are written "<noun>:<key>"; the sentence names the noun itself.
_PREFIXES = ("agency:", "holiday:", "locality:", "province:", "api_token:", "match_log:", "listing:")


def target_label(target: str) -> str:
    if target.startswith("rule:"):
        return "#" + target.removeprefix("rule:")
    for prefix in _PREFIXES:
        if target.startswith(prefix):
            return target.removeprefix(prefix)
    return target


def _field(name: str, t: Translate) -> str:
    try:
        return t(f"au_field_{name}")
    except KeyError:
        return name


def _changed(before: Mapping[str, Any], after: Mapping[str, Any], t: Translate) -> str:
    names = [k for k in after if k in before and before[k] != after[k] and k != "version"]
    return ", ".join(_field(k, t) for k in names) or t("au_nothing_changed")


def _added(before: Mapping[str, Any], after: Mapping[str, Any], key: str) -> str:
    old = before.get(key) or []
    new = [item for item in after.get(key) or [] if item not in old]
    return _short(new)


def values_of(row: AuditLogRow, t: Translate) -> dict[str, str]:
    """What a sentence may name: who, on what, every recorded value, and what changed."""
    before, after = row.before or {}, row.after or {}
    values = {f"before_{k}": _short(v) for k, v in before.items() if not isinstance(v, dict)}
    values.update({k: _short(v) for k, v in after.items() if not isinstance(v, dict)})
    values.update(
        actor=row.actor,
        target=_short(target_label(row.target)),
        changed=_changed(before, after, t),
        added_phrasing=_added(before, after, "phrasings"),
    )
    if "active" in after:
        values["active_word"] = t("au_active_yes" if after["active"] else "au_active_no")
    if "reviewed" in after:
        values["reviewed_word"] = t(f"au_reviewed_{after['reviewed']}") if after["reviewed"] else ""
    return values


def describe(row: AuditLogRow, t: Translate) -> str:
    values = values_of(row, t)
    try:
        return t("au_" + row.action.replace(".", "_"), **values)
    except (KeyError, IndexError, ValueError):
        return t("au_other", actor=values["actor"], action=row.action, target=values["target"])
