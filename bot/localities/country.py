"""The country's administrative units after the July 2025 reform (34 provinces, 3,321 communes), from
the vietnam-provinces package (GPL-3.0-or-later, its data shipped inside it), and the pre-2025 names of
each commune from data/old_units_2025.json (from vietnamadminunits, MIT; see build_old_names.py).

Nothing is downloaded: both are files on this machine, read once and kept.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from vietnam_provinces import Province, ProvinceCode, VietNamDivisionType, Ward
from vietnam_provinces import __version__ as PACKAGE_VERSION

from knowledge_base.text import clean, fold

OLD_UNITS_FILE = Path(__file__).parent / "data" / "old_units_2025.json"
CODE_PREFIX = "vn-"
SOURCE = f"vietnam-provinces {PACKAGE_VERSION}"
# How people name a province: "tỉnh Bắc Ninh", "tp Hồ Chí Minh", "Bắc Ninh", "HCM".
_PROVINCE_WORDS = ("tinh ", "thanh pho ", "tp ")
_SHORT_NAMES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh", "hn": "ha noi"}


@dataclass(frozen=True)
class Commune:
    code: str  # the locality code: "vn-" and the GSO code, "vn-07870"
    name: str
    old_names: tuple[str, ...]  # "Xã Châu Minh, Huyện Hiệp Hòa": an old commune and its old district


@dataclass(frozen=True)
class NewProvince:
    code: int
    name: str  # as localities hold it: "Tỉnh Bắc Ninh", "Thành phố Hà Nội"
    old_names: tuple[str, ...]  # the pre-2025 provinces it took in: "Tỉnh Bắc Giang", "Tỉnh Bắc Ninh"


def _spaced(name: str) -> str:
    # The package has a few names with doubled spaces ("Phường  Rạch Dừa").
    return " ".join(name.split())


def _display_name(province: Province) -> str:
    name = _spaced(province.name)
    if province.division_type == VietNamDivisionType.TINH and not fold(name).startswith("tinh "):
        return f"Tỉnh {name}"
    return name


def province_key(name: str) -> str:
    """How a typed province name is compared: folded, without "tỉnh" / "thành phố" / "tp"."""
    key = fold(clean(name))
    for word in _PROVINCE_WORDS:
        if key.startswith(word):
            key = key[len(word) :]
            break
    return _SHORT_NAMES.get(key, key)


@lru_cache(maxsize=1)
def old_units() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(OLD_UNITS_FILE.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def provinces() -> tuple[NewProvince, ...]:
    olds = old_units()["provinces"]
    return tuple(
        NewProvince(int(p.code), _display_name(p), tuple(olds.get(str(int(p.code)), {})))
        for p in sorted(Province.iter_all(), key=lambda p: int(p.code))
    )


def find_province(typed: str) -> NewProvince | None:
    """The province named, with or without marks, "tỉnh" or "thành phố"; None when no province is."""
    key = province_key(typed)
    return next((p for p in provinces() if key and province_key(p.name) == key), None)


def former_province(typed: str) -> NewProvince | None:
    """The new province a pre-2025 province went into ("Bắc Giang" -> Bắc Ninh), when it is no longer one."""
    key = province_key(typed)
    return next((p for p in provinces() if key and any(province_key(o) == key for o in p.old_names)), None)


def _old_names_by_code(province: NewProvince) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for districts in old_units()["provinces"].get(str(province.code), {}).values():
        for district, communes in districts.items():
            for commune, codes in communes.items():
                # An island district had no communes: its old name is the district's.
                old = f"{commune}, {district}" if commune else district
                for code in codes:
                    if old not in names[code]:
                        names[code].append(old)
    return names


def communes(province: NewProvince) -> list[Commune]:
    """The province's communes in the package's order, each with its old names."""
    olds = _old_names_by_code(province)
    found = []
    for ward in Ward.iter_by_province(ProvinceCode(province.code)):
        code = f"{int(ward.code):05d}"
        found.append(Commune(CODE_PREFIX + code, _spaced(ward.name), tuple(olds.get(code, ()))))
    return found
