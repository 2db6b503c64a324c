"""The web pages' texts, per locale: every locales/<area>.<locale>.yaml merged, Vietnamese first."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from fastapi import Request, Response

from handlers.texts import Texts
from knowledge_base.yaml_io import load_yaml

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "vi"
LANG_COOKIE = "hn_lang"


def load_web_catalogues(directory: Path = LOCALES_DIR) -> dict[str, dict[str, str]]:
    catalogues: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(directory.glob("*.yaml")):
        _area, _, locale = path.stem.rpartition(".")
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if key in catalogues[locale]:
                raise ValueError(f"web text {key!r} is defined twice ({path.name})")
            catalogues[locale][str(key)] = str(value)
    return dict(catalogues)


@lru_cache(maxsize=1)
def web_texts() -> Texts:
    return Texts(load_web_catalogues(), DEFAULT_LOCALE)


def request_locale(request: Request) -> str:
    """The language chosen with the switch, else Vietnamese: as in the chat itself, the browser's
    language is not a guide here (many people keep a phone set to English and read Vietnamese)."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if web_texts().supports(chosen) else DEFAULT_LOCALE


def remember_locale(response: Response, locale: str) -> None:
    """The page's language from now on (a year: a language is not private, unlike a conversation)."""
    response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, path="/", samesite="lax")
