"""The bot's own texts, per locale, with a fallback to the default locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Texts:
    def __init__(self, catalogues: Mapping[str, Mapping[str, str]], default_locale: str = "vi") -> None:
        if default_locale not in catalogues:
            raise ValueError(f"no texts for the default locale {default_locale!r}")
        self._catalogues = {locale: dict(texts) for locale, texts in catalogues.items()}
        self.default_locale = default_locale

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._catalogues)

    def supports(self, locale: str) -> bool:
        return locale in self._catalogues

    def get(self, locale: str, key: str, **values: Any) -> str:
        catalogue = self._catalogues.get(locale) or self._catalogues[self.default_locale]
        template = catalogue.get(key)
        if template is None:
            template = self._catalogues[self.default_locale].get(key)
        if template is None:
            raise KeyError(f"missing text {key!r}")
        return template.format(**values) if values else template

    def keys(self, locale: str) -> set[str]:
        return set(self._catalogues.get(locale, {}))
