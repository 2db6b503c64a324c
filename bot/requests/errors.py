"""What the requests service refuses: a key and its values, rendered by each surface in its reader's language.

The service never writes a sentence: it raises `RequestError("same_agency")`, and the web page, the
agency group, the API and the CLI each turn the key into text with `describe(error, locale)`. The texts
are data, one YAML file per locale in `texts/` (loaded like the bot's own texts).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues

TEXTS_DIR = Path(__file__).parent / "texts"
DEFAULT_LOCALE = "vi"
# Agencies' case systems and the command line speak English, as the rest of the API and CLI do.
MACHINE_LOCALE = "en"


class RequestError(ValueError):
    """A refused change to a request: `key` names the text, `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@lru_cache(maxsize=1)
def error_texts() -> Texts:
    return Texts(load_catalogues(TEXTS_DIR), DEFAULT_LOCALE)


def describe(error: RequestError, locale: str = DEFAULT_LOCALE) -> str:
    return error_texts().get(locale, error.key, **error.values)
