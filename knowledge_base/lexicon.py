"""The normalisation word lists (abbreviations, synonyms, filler, small talk), loaded from content."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge_base.text import clean, tokens
from knowledge_base.yaml_io import load_yaml

CONTENT_DIR = Path(__file__).parent / "content"
LEXICON_DIR = CONTENT_DIR / "lexicon"


@dataclass(frozen=True)
class Lexicon:
    """Phrase rewrites as folded token tuples; built once and shared by every normaliser."""

    expansions: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    filler: frozenset[tuple[str, ...]] = frozenset()
    stopwords: frozenset[str] = frozenset()
    smalltalk: dict[str, frozenset[str]] = field(default_factory=dict)
    crisis: frozenset[tuple[str, ...]] = frozenset()
    crisis_exact: tuple[str, ...] = ()
    asking: frozenset[tuple[str, ...]] = frozenset()
    final_particles: frozenset[str] = frozenset()
    context: frozenset[tuple[str, ...]] = frozenset()


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _key(phrase: object) -> tuple[str, ...]:
    return tuple(tokens(str(phrase)))


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    expansions: dict[tuple[str, ...], tuple[str, ...]] = {}
    for typed, expansion in (_read(directory / "abbreviations.yaml").get("expansions") or {}).items():
        key, value = _key(typed), _key(expansion)
        if key and value and key != value:
            expansions[key] = value

    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for canonical, variants in (_read(directory / "synonyms.yaml").get("groups") or {}).items():
        target = _key(canonical)
        for variant in variants or []:
            key = _key(variant)
            if key and target and key != target:
                synonyms[key] = target

    filler_data = _read(directory / "filler.yaml")
    filler = frozenset(k for k in (_key(p) for p in filler_data.get("phrases") or []) if k)
    stopwords = frozenset(t for w in filler_data.get("stopwords") or [] for t in _key(w))

    smalltalk: dict[str, frozenset[str]] = {}
    for intent, phrases in (_read(directory / "smalltalk.yaml").get("intents") or {}).items():
        smalltalk[str(intent)] = frozenset(" ".join(_key(p)) for p in phrases or [] if _key(p))
    crisis_data = _read(directory / "crisis.yaml")
    crisis = frozenset(k for k in (_key(p) for p in crisis_data.get("phrases") or []) if k)
    crisis_exact = tuple(clean(str(p)) for p in crisis_data.get("exact") or [] if clean(str(p)))
    asking_data = _read(directory / "asking.yaml")
    asking = frozenset(k for k in (_key(p) for p in asking_data.get("phrases") or []) if k)
    final_particles = frozenset(t for w in asking_data.get("final_particles") or [] for t in _key(w))
    context = frozenset(k for k in (_key(p) for p in asking_data.get("context_phrases") or []) if k)
    return Lexicon(
        expansions, synonyms, filler, stopwords, smalltalk, crisis, crisis_exact, asking, final_particles, context
    )
