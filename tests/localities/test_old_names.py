"""Reading an old address and finding the new commune it went into, on the real data of two provinces."""

from __future__ import annotations

from functools import lru_cache

import pytest

from bot.localities import country
from handlers.domain import Locality
from handlers.places import Address, find_old_names, read_address


@lru_cache(maxsize=1)
def two_provinces() -> tuple[Locality, ...]:
    found: list[Locality] = []
    for name in ("Bắc Ninh", "Hà Nội"):
        province = country.find_province(name)
        assert province is not None
        found += [Locality(c.code, c.name, province.name, c.old_names) for c in country.communes(province)]
    return tuple(found)


def codes(typed: str) -> list[str]:
    return sorted(o.locality.code for o in find_old_names(typed, two_provinces()))


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("xa Chau Minh huyen Hiep Hoa cu", Address("chau minh", "hiep hoa", True)),
        ("phường Phúc Xá, quận Ba Đình cũ", Address("phuc xa", "ba dinh", True)),
        ("Châu Minh, Hiệp Hòa, Bắc Giang", Address("chau minh", "hiep hoa", False)),
        ("XA  CHAU   MINH,HUYEN HIEP HOA", Address("chau minh", "hiep hoa", False)),
        ("p.12 q.3", Address("12", "3", False)),
        ("p12 q3 tp hcm", Address("12", "3", False)),
        ("p phuc xa q ba dinh", Address("phuc xa", "ba dinh", False)),
        ("xa Ea Wer h. Buon Don", Address("ea wer", "buon don", False)),
        # "cũ" after a part is a word of the address; "Củ Chi" is a name
        ("xa tan thong hoi huyen cu chi", Address("tan thong hoi", "cu chi", False)),
        ("xã Quan Sơn", Address("quan son", "", False)),  # a kind's word right after a kind is a name
        ("Huyện Côn Đảo", Address("", "con dao", False)),
        ("", Address("", "", False)),
        ("🏠 ,,, ;;", Address("", "", False)),
    ],
)
def test_an_address_is_read_into_its_commune_and_district(typed: str, read: Address) -> None:
    assert read_address(typed) == read


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("xa chau minh huyen hiep hoa cu", ["vn-07870"]),
        ("Xã Châu Minh cũ", ["vn-07870"]),  # one old Châu Minh in the two provinces: no district needed
        ("xa chau minhh huyen hiep hoa", ["vn-07870"]),  # a typo
        ("xa chauminh huyen hiephoa", ["vn-07870"]),  # words run together
        ("Châu Minh, Hiệp Hòa, Bắc Giang", ["vn-07870"]),
        # two old Đồng Tiến and one Đông Tiến: without marks all three, with marks the two, the district one
        ("xa dong tien cu", ["vn-07246", "vn-07822", "vn-09193"]),
        ("xã Đồng Tiến cũ", ["vn-07246", "vn-07822"]),
        ("xa dong tien, h. hiep hoa", ["vn-07822"]),
        # divided in 2025 into four new communes
        ("Xã Hồng Hà huyện Đan Phượng cũ", ["vn-08980", "vn-09022", "vn-09793", "vn-09817"]),
        ("p phuc xa q ba dinh", ["vn-00097"]),
        # the right commune in the wrong old district is not it
        ("xa chau minh huyen yen the", []),
        ("xa khong co that nao cu", []),
        ("cu", []),
        ("", []),
        ("x" * 10_000, []),
        ("'; DROP TABLE localities; --", []),
    ],
)
def test_old_names_find_the_new_communes(typed: str, expected: list[str]) -> None:
    assert codes(typed) == expected


def test_an_old_name_is_found_as_the_alias_holds_it() -> None:
    [found] = find_old_names("xa chau minh huyen hiep hoa cu", two_provinces())
    assert (found.locality.name, found.old, found.score) == ("Xã Xuân Cẩm", "Xã Châu Minh, Huyện Hiệp Hòa", 100.0)


def test_a_number_is_no_typo_of_another() -> None:
    wards = [
        Locality("a", "Phường Một", "Tỉnh X", ("Phường 1, Quận 3",)),
        Locality("b", "Phường Hai", "Tỉnh X", ("Phường 12, Quận 3",)),
    ]
    assert [o.locality.code for o in find_old_names("p1 q3 cu", wards)] == ["a"]
    assert [o.locality.code for o in find_old_names("phuong 12 quan 3", wards)] == ["b"]


def test_a_demo_alias_without_a_district_is_found_too() -> None:
    demo = [Locality("mh-cat-tuong", "Xã Cát Tường", "Tỉnh Minh Họa", ("Xã Cát Lợi",))]
    assert [o.old for o in find_old_names("xa cat loi huyen nao do cu", demo)] == ["Xã Cát Lợi"]
