"""What importing a province refuses, and what it reports: keys and values, the sentences per locale in
texts/ (as the requests service's are), rendered by the command in its reader's language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues

TEXTS_DIR = Path(__file__).parent / "texts"
DEFAULT_LOCALE = "vi"


class LocalityError(ValueError):
    """A refused import: `key` names the text, `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@lru_cache(maxsize=1)
def locality_texts() -> Texts:
    return Texts(load_catalogues(TEXTS_DIR), DEFAULT_LOCALE)


def describe(error: LocalityError, locale: str = DEFAULT_LOCALE) -> str:
    return locality_texts().get(locale, error.key, **error.values)


def say(locale: str, key: str, **values: object) -> str:
    return locality_texts().get(locale, key, **values)
