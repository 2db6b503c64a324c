"""Loads the bot's own texts, one YAML file per locale."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from knowledge_base.lexicon import CONTENT_DIR
from knowledge_base.yaml_io import load_yaml

TEXTS_DIR = CONTENT_DIR / "texts"


def load_catalogues(directory: Path = TEXTS_DIR) -> dict[str, dict[str, str]]:
    catalogues: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of text keys")
        catalogues[path.stem] = {str(k): unicodedata.normalize("NFC", str(v)).strip() for k, v in data.items()}
    return catalogues
