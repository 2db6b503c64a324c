"""Importing a real province: its communes from vietnam-provinces as localities, their pre-2025 names as
aliases; on SQLite and PostgreSQL, through the service and as the operator runs the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vietnam_provinces import ProvinceCode, Ward

from bot.app import App
from bot.localities import country
from bot.localities.errors import TEXTS_DIR, LocalityError, describe
from bot.localities.service import LocalityInput, import_province, update_locality
from knowledge_base.bot_texts import load_catalogues
from tests.admin_pages import audit_rows

REPO = Path(__file__).resolve().parent.parent.parent
BAC_NINH = 24


def package_count(code: int) -> int:
    return sum(1 for _ in Ward.iter_by_province(ProvinceCode(code)))


async def run_import(app: App, typed: str, *, dry_run: bool = False) -> dict[str, object]:
    async with app.uow() as uow:
        result = await import_province(uow, typed, "admin", app.clock(), dry_run=dry_run)
        await uow.commit()
    return result.as_json()


async def test_a_province_is_imported_with_the_packages_communes_and_their_old_names(app: App) -> None:
    first = await run_import(app, "Bắc Ninh")
    communes = package_count(BAC_NINH)
    assert communes == 99
    assert first == {
        "province": "Tỉnh Bắc Ninh",
        "province_code": BAC_NINH,
        "source": country.SOURCE,
        "communes": communes,
        "created": communes,
        "updated": 0,
        "unchanged": 0,
        "changed": True,
        "dry_run": False,
    }
    async with app.uow() as uow:
        rows = [r for r in await uow.localities.all_rows() if r.province == "Tỉnh Bắc Ninh"]
        assert len(rows) == communes
        assert all(r.code.startswith("vn-") and len(r.code) == 8 for r in rows)
        assert all(r.aliases for r in rows)  # every new commune took in at least one old one
        xuan_cam = await uow.localities.get("vn-07870")
    assert xuan_cam is not None and xuan_cam.name == "Xã Xuân Cẩm"
    assert "Xã Châu Minh, Huyện Hiệp Hòa" in xuan_cam.aliases
    # audited: each new locality, and the import as a whole
    assert len(await audit_rows(app, "locality.create")) == communes
    [summary] = await audit_rows(app, "locality.import")
    assert summary.actor == "admin" and summary.target == "province:24" and summary.after["created"] == communes


async def test_a_second_import_changes_nothing_and_says_so(app: App) -> None:
    await run_import(app, "bac ninh")
    again = await run_import(app, "BẮC NINH")
    assert (again["created"], again["updated"], again["unchanged"], again["changed"]) == (0, 0, 99, False)
    assert len(await audit_rows(app, "locality.import")) == 1  # nothing changed, nothing written


async def test_an_import_puts_back_what_the_data_says_and_keeps_aliases_added_by_hand(app: App) -> None:
    await run_import(app, "Bắc Ninh")
    async with app.uow() as uow:
        edit = LocalityInput(name="Xã Xuân Cẩm (sửa tay)", province="Tỉnh Bắc Ninh", aliases="Xóm Chợ Thắng")
        await update_locality(uow, "vn-07870", edit, "admin", app.clock())
        await uow.commit()
    again = await run_import(app, "Bắc Ninh")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 98)
    async with app.uow() as uow:
        row = await uow.localities.get("vn-07870")
    assert row is not None and row.name == "Xã Xuân Cẩm"
    assert row.aliases[-1] == "Xóm Chợ Thắng" and "Xã Châu Minh, Huyện Hiệp Hòa" in row.aliases
    [_, by_import] = await audit_rows(app, "locality.update")
    assert by_import.before["name"] == "Xã Xuân Cẩm (sửa tay)" and by_import.after["name"] == "Xã Xuân Cẩm"


async def test_a_dry_run_counts_and_writes_nothing(app: App) -> None:
    dry = await run_import(app, "Bắc Ninh", dry_run=True)
    assert (dry["created"], dry["dry_run"]) == (99, True)
    async with app.uow() as uow:
        assert await uow.localities.all_rows() == []
    assert await audit_rows(app, "locality.import") == []


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Atlantis", "unknown_province"),
        ("", "unknown_province"),
        ("   ", "unknown_province"),
        ("x" * 10_000, "unknown_province"),
        ("'; DROP TABLE localities; --", "unknown_province"),
        ("Bắc\x00 Ninh\x1b[2J", "unknown_province"),
        ("Tỉnh Bắc Giang", "former_province"),  # merged into Bắc Ninh in 2025
        ("binh duong", "former_province"),
    ],
)
async def test_what_is_no_province_is_refused_with_a_key(app: App, typed: str, key: str) -> None:
    async with app.uow() as uow:
        with pytest.raises(LocalityError) as refused:
            await import_province(uow, typed, "admin", app.clock())
        assert await uow.localities.all_rows() == []
    assert refused.value.key == key
    assert len(describe(refused.value, "vi")) < 400 and "\x00" not in describe(refused.value, "en")


def test_every_key_has_a_text_in_both_languages() -> None:
    catalogues = load_catalogues(TEXTS_DIR)
    assert set(catalogues) == {"vi", "en"} and set(catalogues["vi"]) == set(catalogues["en"])
    raised = {"unknown_province", "former_province", "import_done", "import_nothing_changed", "import_dry_run"}
    assert raised <= set(catalogues["vi"])


def test_the_old_names_file_names_only_communes_of_the_package() -> None:
    """Every code in old_units_2025.json is a commune of that province in vietnam-provinces."""
    provinces = country.old_units()["provinces"]
    assert len(provinces) == 34
    for code, olds in provinces.items():
        known = {f"{int(w.code):05d}" for w in Ward.iter_by_province(ProvinceCode(int(code)))}
        named = {c for districts in olds.values() for wards in districts.values() for cs in wards.values() for c in cs}
        assert named <= known, code
    assert country.old_units()["about"]["licence"] == "MIT"


def test_province_names_are_read_as_people_type_them() -> None:
    for typed in ("Bắc Ninh", "bac ninh", "TỈNH BẮC NINH", "tinh bac  ninh"):
        found = country.find_province(typed)
        assert found is not None and found.code == BAC_NINH, typed
    found = country.find_province("tp hcm")
    assert found is not None and found.name == "Thành phố Hồ Chí Minh"
    assert len(country.provinces()) == 34
    assert sum(len(country.communes(p)) for p in country.provinces()) == 3321


def hoanhap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


# On SQLite only: the import's storage on PostgreSQL is the in-process tests' above; this one is about
# the command's output, and its seven processes on PostgreSQL added nothing to them but time.
def test_the_command_prints_json_and_refuses_an_unknown_province(sqlite_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOANHAP_", "LC_", "LANG"))}
    env |= {"HOANHAP_DATA_DIR": str(tmp_path / "var"), "HOANHAP_DATABASE_URL": sqlite_url}
    assert hoanhap(env, "init").returncode == 0
    dry = hoanhap(env, "localities", "import", "--province", "bac ninh", "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(dry.stdout)["created"] == 99
    done = hoanhap(env, "localities", "import", "--province", "Bắc Ninh", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "province": "Tỉnh Bắc Ninh",
        "province_code": BAC_NINH,
        "source": country.SOURCE,
        "communes": 99,
        "created": 99,
        "updated": 0,
        "unchanged": 0,
        "changed": True,
        "dry_run": False,
    }
    again = hoanhap(env | {"LANG": "vi_VN.UTF-8"}, "localities", "import", "--province", "Bắc Ninh")
    assert again.returncode == 0 and "không có gì thay đổi" in again.stdout
    unknown = hoanhap(env, "localities", "import", "--province", "Atlantis", "--json")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert 'no province or city named "Atlantis"' in unknown.stderr and "Traceback" not in unknown.stderr
    in_vietnamese = hoanhap(env | {"LANG": "vi_VN.UTF-8"}, "localities", "import", "--province", "Bắc Giang")
    assert in_vietnamese.returncode == 2 and "thuộc Tỉnh Bắc Ninh" in in_vietnamese.stderr
    listed = json.loads(hoanhap(env, "localities", "list", "--json").stdout)
    assert len(listed) == 99
