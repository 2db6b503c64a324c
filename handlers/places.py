"""Finding a person's commune from what they type: names and pre-2025 aliases, with or without marks.

An old address ("xa Chau Minh huyen Hiep Hoa cu", "p.12 q.3") is read into its commune and district
parts and compared with the localities' aliases, which name an old commune as "Xã Châu Minh, Huyện
Hiệp Hòa" (or only "Xã Cát Lợi"): the new commune it went into is then offered by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from handlers.domain import Locality
from knowledge_base.text import clean, fold

# Words that name the kind of unit rather than the unit: "xã Hòa An" and "Hòa An" are the same answer.
_UNIT_WORDS = re.compile(r"^(?:xa|phuong|thi tran|dac khu|tt|p|x)\s+")
_SURE = 92
_CLOSE = 75
# Below this a typed old commune is not the alias's (one typo in a two-word name is about 90).
_OLD_CLOSE = 88
# "q.3", "p12", "h. Hiep Hoa": the abbreviations, with their dot or before a number, spelled out.
_ABBREVIATIONS = (
    (re.compile(r"\b(?:tp)\s*\.\s*|\btp\b"), " thanh pho "),
    (re.compile(r"\b(?:tx)\s*\.\s*|\btx\b"), " thi xa "),
    (re.compile(r"\btt\s*\.\s*"), " thi tran "),
    (re.compile(r"\bq\s*\.\s*|\bq(?=\s*\d)|\bq\b"), " quan "),
    (re.compile(r"\bh\s*\.\s*"), " huyen "),
    (re.compile(r"\bp\s*\.\s*|\bp(?=\s*\d)|\bp\b"), " phuong "),
    (re.compile(r"\bx\s*\.\s*|\bx\b"), " xa "),
)
# Where one part of an address ends and the next begins, and what kind of unit that part is.
_COMMUNE_KINDS = {"xa", "phuong", "thi tran", "dac khu"}
_DISTRICT_KINDS = {"huyen", "quan", "thi xa", "thanh pho"}
_KINDS = _COMMUNE_KINDS | _DISTRICT_KINDS | {"tinh"}
# "cũ", "trước đây", "trước kia": said after a part that is an old name (not "Củ Chi", "Cư M'gar").
_FORMER = re.compile(
    r"\b(?:cu|truoc day|truoc kia|ngay truoc|hoi truoc)\b"
    r"(?=\s*(?:$|[,;.)]|\b(?:thi tran|thi xa|thanh pho|xa|phuong|huyen|quan|tinh|tp|tx|q|h)\b))"
)


@lru_cache(maxsize=65536)
def _plain(name: str) -> str:
    return _UNIT_WORDS.sub("", fold(clean(name)))


@lru_cache(maxsize=256)
def _folded(province: str) -> str:
    return fold(clean(province))


@dataclass(frozen=True)
class Address:
    """A typed address's parts, folded, without the kind of unit: "chau minh", "hiep hoa"."""

    commune: str
    district: str
    says_old: bool


def _parts(piece: str) -> list[tuple[str, str]]:
    """("xa", "chau minh"), ("huyen", "hiep hoa"): each part with the kind of unit said before it. A kind
    word right after another, or last, belongs to the name: "xã Quan Sơn", "Bình Tịnh"."""
    words = clean(piece).split()
    parts: list[tuple[str, list[str]]] = [("", [])]
    i = 0
    while i < len(words):
        two = " ".join(words[i : i + 2])
        marker = two if two in _KINDS else words[i] if words[i] in _KINDS else ""
        step = len(marker.split()) if marker else 1
        kind, named = parts[-1]
        # "Phường Phúc Xá": a commune's kind after a commune's name is part of that name.
        same_level = kind in _COMMUNE_KINDS and marker in _COMMUNE_KINDS
        if marker and (named or not kind) and not same_level and i + step < len(words):
            parts.append((marker, []))
        else:
            named.extend(words[i : i + step])
        i += step
    return [(kind, " ".join(named)) for kind, named in parts if named]


@lru_cache(maxsize=65536)
def read_address(text: str) -> Address:
    """The commune and district a person named ("xã X, huyện Y cũ", "X, Y", "p12 q3"); the rest is dropped."""
    folded = fold(text)[:300]
    says_old = bool(_FORMER.search(folded))
    folded = _FORMER.sub(" ", folded)
    for pattern, spelled in _ABBREVIATIONS:
        folded = pattern.sub(spelled, folded)
    commune = district = ""
    unmarked: list[str] = []
    for piece in re.split(r"[,;\n]+", folded):
        for kind, name in _parts(piece):
            if kind in _COMMUNE_KINDS and not commune:
                commune = name
            elif kind in _DISTRICT_KINDS and not district:
                district = name
            elif not kind:
                unmarked.append(name)
    # Unnamed parts fill what is missing, in the order an address is written: commune, then district.
    for name in unmarked:
        if not commune:
            commune = name
        elif not district:
            district = name
    return Address(commune, district, says_old)


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _same(typed: str, known: str, close: int) -> float:
    """100 for the same name (spaces aside: "chauminh"), a fuzzy score for a typo, 0 otherwise."""
    if _compact(typed) == _compact(known):
        return 100.0
    if len(_compact(known)) < 5 or any(c.isdigit() for c in typed + known):
        return 0.0  # "Phường 1" and "Phường 12" are different places, not a typo of each other
    score = fuzz.ratio(typed, known)
    return score if score >= close else 0.0


@dataclass(frozen=True)
class OldName:
    """A locality found by one of its old names, as the alias holds it."""

    locality: Locality
    old: str
    score: float


def _alias_score(typed: Address, alias: Address) -> float:
    if not typed.commune or not alias.commune:
        # An island district had no communes: its old name is the district's alone.
        if typed.commune or alias.commune or not typed.district or not alias.district:
            return 0.0
        return _same(typed.district, alias.district, _OLD_CLOSE)
    score = _same(typed.commune, alias.commune, _OLD_CLOSE)
    if score and typed.district and alias.district and not _same_district(typed.district, alias.district):
        return 0.0
    return score


def _same_district(typed: str, known: str) -> bool:
    """The same district, or one that starts the other: "hiep hoa bac giang" (the province said after it
    without "tỉnh"), "son" (from "Sơn Tịnh tỉnh ...", where "tịnh" reads as "tỉnh")."""
    if _same(typed, known, _OLD_CLOSE):
        return True
    shorter, longer = sorted((typed.split(), known.split()), key=len)
    return longer[: len(shorter)] == shorter


def find_old_names(typed: str, localities: Sequence[Locality]) -> list[OldName]:
    """Localities one of whose old names is the typed one, best first: one per locality; the exact ones
    only when there are any. Several: the old commune was divided, or its name was not unique."""
    address = read_address(typed)
    if not address.commune and not address.district:
        return []
    best: dict[str, OldName] = {}
    for locality in localities:
        for alias in locality.aliases:
            score = _alias_score(address, read_address(alias))
            if score and (locality.code not in best or score > best[locality.code].score):
                best[locality.code] = OldName(locality, alias, score)
    found = sorted(best.values(), key=lambda o: -o.score)
    if found and found[0].score == 100.0:
        found = [o for o in found if o.score == 100.0]
    # Typed with its marks, "Đồng Tiến" is not "Đông Tiến": those written the same way, when there are.
    written = f" {clean(typed)} "
    if written != f" {fold(clean(typed))} ":
        marked = [o for o in found if f" {_marked_commune(o.old)} " in written]
        found = marked or found
    return found


def _marked_commune(alias: str) -> str:
    """ "Xã Đồng Tiến, Huyện Hiệp Hòa" -> "đồng tiến": the old commune's name with its marks."""
    words = clean(alias.split(",", maxsplit=1)[0]).split()
    for size in (2, 1):
        if len(words) > size and fold(" ".join(words[:size])) in _KINDS:
            return " ".join(words[size:])
    return " ".join(words)


def _scored(typed: str, localities: Sequence[Locality], with_aliases: bool) -> list[tuple[float, Locality]]:
    query = _plain(typed)
    if not query:
        return []
    scored: list[tuple[float, Locality]] = []
    for locality in localities:
        best = 0.0
        for name in (locality.name, *locality.aliases) if with_aliases else (locality.name,):
            plain = _plain(name)
            if not plain:
                continue
            score = 100.0 if plain == query else fuzz.ratio(query, plain)
            # "hoa an binh duong": the commune followed by its province.
            if query.startswith(plain + " ") and _folded(locality.province).endswith(query[len(plain) + 1 :]):
                score = 100.0
            best = max(best, score)
        if best >= _CLOSE:
            scored.append((best, locality))
    scored.sort(key=lambda item: item[0], reverse=True)
    return scored


def find_localities(
    typed: str, localities: Sequence[Locality], limit: int = 5, *, with_aliases: bool = True
) -> tuple[list[Locality], bool]:
    """Candidates best first, and whether the first one is a sure match (no need to show others)."""
    scored = _scored(typed, localities, with_aliases)
    found = [locality for _, locality in scored[:limit]]
    sure = bool(scored) and scored[0][0] >= _SURE and (len(scored) == 1 or scored[1][0] < scored[0][0] - 5)
    return found, sure


def plain_name(name: str) -> str:
    """A locality's name as it is said inside a sentence: folded, without "xã" / "phường"."""
    return _plain(name)
