"""The texts of the reference-data admin pages: in both languages, with the same placeholders, and every
key the templates and services name defined."""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def test_the_page_texts_exist_in_both_languages_with_the_same_placeholders() -> None:
    locales = Path(__file__).parent.parent.parent / "bot" / "web" / "locales"
    # The audit log's sentences and filters have a catalogue of their own beside the pages' one.
    vi = {k: v for name in ("admin_ref", "audit") for k, v in _catalogue(locales / f"{name}.vi.yaml").items()}
    en = {k: v for name in ("admin_ref", "audit") for k, v in _catalogue(locales / f"{name}.en.yaml").items()}
    assert set(vi) == set(en)
    vi = {k: v for k, v in vi.items() if k.startswith("ar_")}
    placeholder = re.compile(r"\{(\w+)\}")
    for key, text in vi.items():
        assert sorted(placeholder.findall(text)) == sorted(placeholder.findall(en[key])), key
    # Every key the templates and the service layer name (generated ones included) is defined.
    sources = [*(locales.parent / "templates" / "admin").glob("ref_*.html")]
    # The services and pages of the reference-data nouns, and what their admin pages share.
    nouns = ("accounts", "agencies", "localities", "routing", "holidays", "audit", "reference")
    sources += [path for noun in nouns for path in (locales.parent.parent / noun).rglob("*.py")]
    sources += [locales.parent / "admin.py"]
    used = {k for path in sources for k in re.findall(r"\bar_[a-z0-9_]*[a-z0-9]\b", path.read_text(encoding="utf-8"))}
    used |= {f"ar_role_{r}" for r in ("staff", "admin")} | {f"ar_scope_{s}" for s in ("locality", "province", "any")}
    # "ar_role_" ~ role and "ar_scope_" ~ scope leave their stems behind.
    assert used - set(vi) - {"ar_role", "ar_scope"} == set()


def _catalogue(path: Path) -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded
