"""The FAQ uploaded as a YAML file, read safely and checked before anything is imported."""

from __future__ import annotations

from typing import Any

import yaml

from bot.audit.changes import FAQ_SLUG_CHARS, FAQ_TITLE_CHARS, fail
from knowledge_base.faq import FaqEntry, KnowledgeBaseError, parse_entries


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a few nested aliases expand to billions of strings."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


def parse_faq_yaml(text: str) -> list[FaqEntry]:
    """The FAQ as `hoanhap kb export` writes it (one key per category file), or one {entries: [...]}."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        fail("ar_err_yaml", detail=str(error).splitlines()[0] if str(error) else "")
    try:
        if isinstance(data, dict) and "entries" not in data and all(isinstance(v, dict) for v in data.values()):
            entries = parse_entries((str(k), v) for k, v in data.items())
        else:
            entries = parse_entries([("faq", data)])
    except KnowledgeBaseError as error:
        fail("ar_err_faq_invalid", detail=error)
    except (TypeError, ValueError, AttributeError):
        fail("ar_err_faq_invalid", detail="")
    if not entries:
        fail("ar_err_faq_empty")
    for entry in entries:
        if len(entry.slug) > FAQ_SLUG_CHARS or len(entry.title) > FAQ_TITLE_CHARS:
            fail("ar_err_faq_invalid", detail=entry.slug[:FAQ_SLUG_CHARS])
        if any("\x00" in str(v) for v in entry.to_dict().values()):
            fail("ar_err_not_text")
    return entries
