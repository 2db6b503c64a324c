"""The matcher's shortcuts give what the plain definitions they replace give (benchmarks/match_compare.py
checks the whole matcher against a git ref)."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest
from rapidfuzz import fuzz

from knowledge_base.entry_signals import sorted_words
from knowledge_base.faq import load_directory
from knowledge_base.lexicon import load_lexicon
from knowledge_base.normalizer import _rewrite, _starts
from knowledge_base.question_parts import PhraseSet
from knowledge_base.text import clean, fold


def _clean_by_character(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    kept = (ch if unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Mn" else " " for ch in text)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def _rewrite_word_by_word(words: list[str], table: dict[tuple[str, ...], tuple[str, ...]]) -> list[str]:
    longest = max(map(len, table), default=0)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            if tuple(words[i : i + size]) in table:
                out.extend(table[tuple(words[i : i + size])])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


@pytest.mark.parametrize("start", [0, 0x300, 0x1E00, 0x2000, 0x1F600])
def test_clean_and_fold_by_table_match_the_per_character_rule(start: int) -> None:
    text = "".join(map(chr, range(start, start + 0x300))) + " Đường  Hòa-Nhập!!"
    assert clean(text) == _clean_by_character(text)
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower().replace("đ", "d"))
    unmarked = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert fold(text) == unicodedata.normalize("NFC", unmarked)


def test_rewrite_matches_a_word_by_word_scan() -> None:
    lexicon = load_lexicon()
    rng = random.Random(5)
    for table in (lexicon.synonyms, lexicon.expansions):
        vocabulary = [*sorted({w for phrase in table for w in phrase}), "khac", "nua"]
        for _ in range(2000):
            words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 10))]
            assert _rewrite(words, table, _starts(table)) == _rewrite_word_by_word(words, table)


def test_phrase_set_finds_what_a_scan_of_every_position_finds() -> None:
    phrases = frozenset({("cho", "toi", "hoi"), ("hoi",), ("xin", "hoi")})
    found = PhraseSet(phrases).found_in
    words = ["cho", "toi", "hoi", "xin", "nha", "a"]
    for size in range(len(words) + 1):
        for seq in itertools.permutations(words, size):
            scan = any(seq[i : i + n] in phrases for i in range(len(seq)) for n in (1, 2, 3))
            assert found(seq) is scan


def test_sorted_words_ratio_is_token_sort_ratio() -> None:
    texts = [fold(p) for entry in load_directory() for p in entry.phrasings][:300]
    for a, b in itertools.product(texts[:40], texts):
        assert fuzz.ratio(sorted_words(a), sorted_words(b)) == fuzz.token_sort_ratio(a, b)
