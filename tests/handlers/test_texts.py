"""Every text the core asks for exists in every locale, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge_base.bot_texts import load_catalogues

HANDLERS = Path(__file__).parent.parent.parent / "handlers"
CATALOGUES = load_catalogues()
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in HANDLERS.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'(?:\.t|choice)\([^"\n]*"([a-z_]+)"', source))
    return keys


def test_vietnamese_and_english_have_the_same_keys() -> None:
    assert set(CATALOGUES) >= {"vi", "en"}
    assert set(CATALOGUES["vi"]) == set(CATALOGUES["en"])


def test_every_key_used_by_the_core_exists() -> None:
    missing = used_keys() - set(CATALOGUES["vi"])
    assert not missing


def test_placeholders_match_across_locales() -> None:
    for key, text in CATALOGUES["vi"].items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(CATALOGUES["en"][key])), key


def test_generated_keys_exist() -> None:
    from handlers.commands import COMMANDS
    from handlers.domain import STATUSES
    from handlers.flows.intake.steps import CONTACT_TIMES, EDITABLE
    from knowledge_base.faq import REQUEST_CATEGORIES
    from knowledge_base.lexicon import load_lexicon

    generated = (
        [f"category_{c}" for c in REQUEST_CATEGORIES]
        + [f"status_{s}" for s in STATUSES]
        + [f"contact_time_{t}" for t in CONTACT_TIMES]
        + [f"field_{f}" for f in EDITABLE]
        # every small-talk intent the lexicon can recognise has its reply
        + [f"smalltalk_{i}" for i in load_lexicon().smalltalk]
        + [c.description_key for c in COMMANDS]
    )
    assert not [k for k in generated if k not in CATALOGUES["vi"]]
