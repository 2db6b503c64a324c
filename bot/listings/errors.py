"""What the listings service refuses: a key and its values, rendered by each surface in its reader's
language (texts/ per locale, loaded like the requests service's)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues

TEXTS_DIR = Path(__file__).parent / "texts"
DEFAULT_LOCALE = "vi"
# The command line and the agency API speak English, as the rest of them do.
MACHINE_LOCALE = "en"


class ListingError(ValueError):
    """A refused change to a listing: `key` names the text, `values` fill it; `field` the input at fault."""

    def __init__(self, key: str, field: str = "", **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.values = values


@lru_cache(maxsize=1)
def listing_texts() -> Texts:
    return Texts(load_catalogues(TEXTS_DIR), DEFAULT_LOCALE)


def field_label(field: str, locale: str = DEFAULT_LOCALE) -> str:
    """An input's name as the reader calls it (the field's code when it has no text)."""
    try:
        return listing_texts().get(locale, f"field_{field}")
    except KeyError:
        return field


def describe(error: ListingError, locale: str = DEFAULT_LOCALE) -> str:
    return listing_texts().get(locale, error.key, field=field_label(error.field, locale), **error.values)
