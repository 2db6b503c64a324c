"""The web pages' texts: every key in Vietnamese and English, and every key a template uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.web.i18n import LOCALES_DIR, load_web_catalogues
from bot.web.templating import TEMPLATES_DIR

_USED = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""")


def test_every_web_text_exists_in_both_languages() -> None:
    catalogues = load_web_catalogues()
    assert set(catalogues) == {"vi", "en"}
    assert set(catalogues["vi"]) == set(catalogues["en"]), set(catalogues["vi"]) ^ set(catalogues["en"])
    for locale, texts in catalogues.items():
        empty = [key for key, value in texts.items() if not value.strip()]
        assert not empty, (locale, empty)


def test_every_area_file_has_its_twin() -> None:
    stems = {path.stem for path in LOCALES_DIR.glob("*.yaml")}
    for stem in stems:
        area, _, locale = stem.rpartition(".")
        twin = f"{area}.{'en' if locale == 'vi' else 'vi'}"
        assert twin in stems, f"{stem}.yaml has no {twin}.yaml"


def test_templates_use_only_known_texts() -> None:
    known = set(load_web_catalogues()["vi"])
    missing: dict[str, list[str]] = {}
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        for key in _USED.findall(template.read_text(encoding="utf-8")):
            if key not in known:
                missing.setdefault(str(template.relative_to(TEMPLATES_DIR)), []).append(key)
    assert not missing, missing
