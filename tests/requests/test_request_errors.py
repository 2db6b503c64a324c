"""The requests service's refusals: every key it raises has a text in every locale, with the same values."""

from __future__ import annotations

import re
from pathlib import Path

from bot.requests.errors import TEXTS_DIR, RequestError, describe
from knowledge_base.bot_texts import load_catalogues

SOURCES = Path(__file__).parent.parent.parent / "bot"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def raised_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        keys |= set(re.findall(r'RequestError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    return keys


def test_every_raised_key_has_a_text_in_both_languages() -> None:
    catalogues = load_catalogues(TEXTS_DIR)
    assert set(catalogues) == {"vi", "en"}
    assert set(catalogues["vi"]) == set(catalogues["en"])
    keys = raised_keys()
    assert keys and not keys - set(catalogues["vi"]), keys - set(catalogues["vi"])
    for key, text in catalogues["vi"].items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(catalogues["en"][key])), key


def test_a_refusal_reads_in_the_readers_language() -> None:
    error = RequestError("too_long", limit=500)
    assert describe(error, "vi") == "Nội dung dài quá (tối đa 500 ký tự)."
    assert describe(error, "en") == "Too long (at most 500 characters)."
    assert describe(error, "fr") == describe(error)  # an unknown locale falls back to Vietnamese
