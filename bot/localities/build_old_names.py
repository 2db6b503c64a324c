"""Writes bot/localities/data/old_units_2025.json: which new commune each pre-2025 commune became.

Run by hand, once per new release of the source, never at run time (the JSON is committed):

    python3 -m venv /tmp/vau && /tmp/vau/bin/pip install 'vietnamadminunits==1.0.4'
    .venv/bin/python -m bot.localities.build_old_names /tmp/vau/lib/python3.*/site-packages/vietnamadminunits

It reads only that package's data files (data/converter_2025.json and data/dataset.db, with the
standard library), never imports it (it pulls in shapely, geopy and more), and writes,
for each new province by its GSO code, its old provinces, their old districts, their old communes
and the GSO codes of the new communes each old commune went into (several when it was divided), with
the source's MIT licence and copyright in the header. An island district that had no communes
(Côn Đảo, Lý Sơn, ...) is listed with one old commune named "".

The new communes' codes are those of the installed vietnam-provinces (the list the import reads),
found by name within the province: vietnamadminunits numbers 114 new communes differently
(the official list of the statistics office, where vietnam-provinces 2025.10.1 has the earlier
draft's codes), so its codes are not copied. A name that matches no commune, or two, stops the run.

The source is vietnamadminunits by Tran Ngoc Minh Hieu, MIT licence:
https://github.com/tranngocminhhieu/vietnamadminunits
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from vietnam_provinces import Ward
from vietnam_provinces import __version__ as PACKAGE_VERSION

from knowledge_base.text import clean, fold

_UNIT = re.compile(r"^(?:xa|phuong|thi tran|dac khu) ")
SOURCE = "vietnamadminunits"
SOURCE_VERSION = "1.0.4"
OUT = Path(__file__).parent / "data" / "old_units_2025.json"
COPYRIGHT = "Copyright (c) 2025 Tran Ngoc Minh Hieu"
MIT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated "
    'documentation files (the "Software"), to deal in the Software without restriction, including without '
    "limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the "
    "Software, and to permit persons to whom the Software is furnished to do so, subject to the following "
    "conditions: The above copyright notice and this permission notice shall be included in all copies or "
    'substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, '
    "EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR "
    "PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, "
    "DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN "
    "CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)


def _rows(db: Path, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql))


def _keys(name: str) -> tuple[str, str, str]:
    """Ever looser: as written; folded ("Thuỷ" and "Thủy", ’ and '); folded without the kind of unit."""
    written = clean(name)
    folded = fold(written)
    return written, folded, _UNIT.sub("", folded)


def package_codes() -> dict[tuple[int, str], str]:
    """vietnam-provinces' communes: (province code, key) -> commune code, for every key that is unique."""
    seen: dict[tuple[int, str], set[str]] = defaultdict(set)
    for ward in Ward.iter_all():
        for key in _keys(ward.name):
            seen[(int(ward.province_code), key)].add(f"{int(ward.code):05d}")
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def _new_codes(db: Path) -> tuple[dict[tuple[str, str], str], dict[str, int]]:
    """The source's new communes by (province key, commune key) -> vietnam-provinces' code for them."""
    codes = package_codes()
    found: dict[tuple[str, str], str] = {}
    provinces: dict[str, int] = {}
    for r in _rows(db, "SELECT provinceKey, wardKey, ward, provinceCode FROM admin_units"):
        province = int(r["provinceCode"])
        provinces[r["provinceKey"]] = province
        code = next((codes[(province, k)] for k in _keys(r["ward"]) if (province, k) in codes), None)
        if code is None:
            raise SystemExit(f"{r['ward']} (province {province}) is not one commune of vietnam-provinces")
        found[(r["provinceKey"], r["wardKey"])] = code
    if len(set(found.values())) != len(found):
        raise SystemExit("two of the source's new communes took the same vietnam-provinces commune")
    return found, provinces


def _old_names(db: Path) -> dict[str, tuple[str, str, str]]:
    """The source's old units by key -> (province, district, commune) as written."""
    names: dict[str, tuple[str, str, str]] = {}
    for r in _rows(db, "SELECT province, district, ward, provinceKey, districtKey, wardKey FROM admin_units_legacy"):
        # An island district without communes is keyed "province_district_".
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        names[key] = (r["province"], r["district"], r["ward"] or "")
    return names


def _targets(converter: dict[str, Any], new_code: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    """Old unit key -> new commune codes; a divided old commune's default new commune (most of it) first."""
    targets: dict[str, list[str]] = defaultdict(list)
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            for old in olds:
                targets[old].append(new_code[(province_key, ward_key)])
    for province_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for n in sorted(news, key=lambda n: (not n["isDefaultNewWard"], n["newWardKey"])):
                code = new_code[(province_key, n["newWardKey"])]
                if code not in targets[old]:
                    targets[old].append(code)
    return targets


def build(package_dir: Path) -> dict[str, Any]:
    converter = json.loads((package_dir / "data" / "converter_2025.json").read_text(encoding="utf-8"))
    db = package_dir / "data" / "dataset.db"
    new_code, province_of_key = _new_codes(db)
    province_of_code = {code: province_of_key[pk] for (pk, _), code in new_code.items()}
    old_names = _old_names(db)
    targets = _targets(converter, new_code)
    missing = sorted(set(targets) - set(old_names))
    if missing:
        raise SystemExit(f"old units without names in dataset.db: {missing[:5]}")
    tree: dict[str, dict[str, dict[str, dict[str, list[str]]]]] = {}
    for old, codes in sorted(targets.items()):
        province, district, ward = old_names[old]
        new_provinces = {province_of_code[c] for c in codes}
        if len(new_provinces) != 1:
            raise SystemExit(f"{old} went into several provinces: {new_provinces}")
        (new,) = new_provinces
        tree.setdefault(str(new), {}).setdefault(province, {}).setdefault(district, {})[ward] = codes
    return {"about": _about(), "provinces": dict(sorted(tree.items(), key=lambda item: int(item[0])))}


def _about() -> dict[str, str]:
    return {
        "what": "Pre-2025 communes, districts and provinces and the new (July 2025) communes they went into: "
        "provinces[new province code][old province][old district][old commune] = [new commune codes], the "
        "codes of vietnam-provinces " + PACKAGE_VERSION + ". Several codes: the old commune was divided; the "
        "first took most of it.",
        "source": f"{SOURCE} {SOURCE_VERSION} (PyPI), data/converter_2025.json and data/dataset.db",
        "homepage": "https://github.com/tranngocminhhieu/vietnamadminunits",
        "licence": "MIT",
        "copyright": COPYRIGHT,
        "licence_text": MIT,
        "generated_by": "bot/localities/build_old_names.py (run by hand; see its docstring)",
    }


def _dumps(data: dict[str, Any]) -> str:
    """Compact, but one old district a line, so that a new release's changes read as a diff."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ['{"about":' + json.dumps(data["about"], ensure_ascii=False, indent=1) + ',"provinces":{']
    provinces = list(data["provinces"].items())
    for i, (code, olds) in enumerate(provinces):
        lines.append(f"{json.dumps(code)}:{{")
        for j, (old_province, districts) in enumerate(olds.items()):
            lines.append(f"{json.dumps(old_province, ensure_ascii=False)}:{{")
            rows = [f"{compact(d)}:{compact(w)}" for d, w in districts.items()]
            lines.append(",\n".join(rows))
            lines.append("}" + ("," if j < len(olds) - 1 else ""))
        lines.append("}" + ("," if i < len(provinces) - 1 else ""))
    lines.append("}}")
    text = "\n".join(lines) + "\n"
    if json.loads(text) != data:
        raise SystemExit("the written JSON does not read back as built")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the installed vietnamadminunits package's folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(args.package_dir)
    text = _dumps(data)
    args.out.write_text(text, encoding="utf-8")
    communes = sum(len(w) for p in data["provinces"].values() for d in p.values() for w in d.values())
    print(f"{args.out}: {len(data['provinces'])} provinces, {communes} old communes, {len(text):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
