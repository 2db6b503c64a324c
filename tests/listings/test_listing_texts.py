"""Every key the listings code raises has its sentence in Vietnamese and English, and every field a
refusal names has its label."""

from __future__ import annotations

import re
from pathlib import Path

from bot.listings.errors import TEXTS_DIR, ListingError, describe, listing_texts
from bot.listings.fields import LIMITS, ListingInput

PACKAGE = Path(TEXTS_DIR).parent
RAISED = re.compile(r"""ListingError\(\s*["']([a-z_]+)["']""")


def test_every_raised_key_has_a_text_in_both_languages() -> None:
    raised = {key for path in PACKAGE.glob("*.py") for key in RAISED.findall(path.read_text(encoding="utf-8"))}
    assert {"not_found", "other_agency", "bad_date", "missing_columns", "too_many_proposals"} <= raised
    for locale in ("vi", "en"):
        missing = raised - listing_texts().keys(locale)
        assert not missing, (locale, missing)
    assert listing_texts().keys("vi") == listing_texts().keys("en")


def test_every_field_has_a_label_and_values_fill_the_sentences() -> None:
    for name in ListingInput.__dataclass_fields__:
        for locale in ("vi", "en"):
            assert listing_texts().get(locale, f"field_{name}")
    error = ListingError("too_long", "title", limit=LIMITS["title"])
    assert describe(error, "vi") == "Tiêu đề: dài quá (tối đa 200 ký tự)."
    assert describe(error, "en") == "Title: too long (at most 200 characters)."
