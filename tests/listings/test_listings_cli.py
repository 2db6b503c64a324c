"""`hoanhap listings …` as an operator runs it: real processes on a real SQLite file, JSON on stdout."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.cli.test_cli import clean_env, env, hoanhap  # noqa: F401  (the fixture and the runner)

HEADER = "kind,title,employer,locality,trade,description,fair_chance,start_date,deadline,places,pay,contact,expires"
DEMO_COUNT = 5
SOON = (date.today() + timedelta(days=20)).isoformat()
LATER = (date.today() + timedelta(days=40)).isoformat()


def _row(title: str, locality: str = "mh-gia-loc", expires: str = LATER, deadline: str = SOON, sep: str = ",") -> str:
    cells = ["job", title, "Xưởng mẫu", locality, "hàn", "Hàn khung", "yes", SOON, deadline, "2", "8 triệu",
             "0200 000 101", expires]  # fmt: skip
    return sep.join(cells)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after `init --demo`, made once for the module (the command took half of each test)."""
    data_dir = tmp_path_factory.mktemp("listings-demo") / "var"
    out = hoanhap(clean_env(data_dir), "init", "--demo").stdout
    assert f"{DEMO_COUNT} listings" in out
    return data_dir


@pytest.fixture
def demo(env: dict[str, str], demo_data: Path) -> dict[str, str]:  # noqa: F811
    """The demo province, with its DEMO_COUNT published listings (ids 1 to DEMO_COUNT): a copy of its own."""
    shutil.copytree(demo_data, env["HOANHAP_DATA_DIR"])
    return env


def _mine(demo: dict[str, str], *args: str) -> list[dict[str, object]]:
    """The listings the test made: every one but the demo's."""
    listed = _json(hoanhap(demo, "listings", "list", *args, "--json").stdout)
    assert isinstance(listed, list)
    return [i for i in listed if i["id"] > DEMO_COUNT]


def _json(out: str) -> object:
    return json.loads(out)


def test_import_list_close_round_trip(demo: dict[str, str], tmp_path: Path) -> None:
    batch = tmp_path / "batch.csv"
    lines = [HEADER, _row("Thợ hàn"), _row("Phụ hồ", locality="Gia Lộc"), _row("Hết hạn", expires="2020-01-01"),
             _row("Xã lạ", locality="Xã Không Có"), _row("Hạn sai", deadline="2099-01-01"), ""]  # fmt: skip
    batch.write_text("\n".join(lines), encoding="utf-8")
    result = hoanhap(demo, "listings", "import", str(batch), "--agency", "demo-vieclam", "--publish")
    report = _json(result.stdout)
    assert isinstance(report, dict) and len(report["created"]) == 2 and report["status"] == "published"
    assert [(e["line"], e["key"]) for e in report["errors"]] == [
        (4, "already_expired"), (5, "unknown_locality"), (6, "deadline_after_expiry"),
    ]  # fmt: skip
    listed = _mine(demo, "--agency", "demo-vieclam")
    assert len(listed) == 2
    for item in listed:
        assert {"id", "kind", "title", "agency", "locality", "status", "expires"} <= set(item)
        assert item["agency"] == "demo-vieclam" and item["locality"] == "mh-gia-loc" and item["status"] == "published"
    first = listed[0]["id"]
    closed = _json(hoanhap(demo, "listings", "close", str(first)).stdout)
    assert isinstance(closed, dict) and closed["status"] == "closed" and closed["id"] == first
    again = hoanhap(demo, "listings", "close", str(first), check=False)
    assert again.returncode == 1 and "already closed" in again.stderr
    missing = hoanhap(demo, "listings", "close", "999999", check=False)
    assert missing.returncode == 1 and "no listing" in missing.stderr
    assert [i["id"] for i in _mine(demo, "--status", "closed")] == [first]
    assert len(_mine(demo, "--status", "published")) == 1
    assert _json(hoanhap(demo, "listings", "list", "--agency", "demo-ubnd", "--json").stdout) == []


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "empty_file"),
        ("kind,title\njob,Hàn\n".encode(), "missing_columns"),
        (HEADER.encode() + b"\n", "no_rows"),
        (
            (HEADER + "\n" + _row("Th\u1ee3 h\u00e0n")).encode("utf-8").replace("\u1ee3".encode(), b"\xf5"),
            "bad_encoding",
        ),
        (b"\x00\x01\x02garbage", "bad_encoding"),
        (b"PK\x03\x04not really a workbook", "bad_xlsx"),
    ],
)
def test_bad_files_are_refused_whole(demo: dict[str, str], tmp_path: Path, content: bytes, key: str) -> None:
    batch = tmp_path / "bad.csv"
    batch.write_bytes(content)
    result = hoanhap(demo, "listings", "import", str(batch), "--agency", "demo-vieclam", check=False)
    report = _json(result.stdout)
    assert result.returncode == 1 and isinstance(report, dict) and report["created"] == []
    assert [e["key"] for e in report["errors"]] == [key]
    assert _mine(demo) == []


def test_bom_semicolons_and_crlf_from_excel(demo: dict[str, str], tmp_path: Path) -> None:
    batch = tmp_path / "excel.csv"
    text = HEADER.replace(",", ";").upper() + "\r\n" + _row("Thợ hàn; ca đêm".replace(";", ","), sep=";") + "\r\n"
    batch.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    report = _json(hoanhap(demo, "listings", "import", str(batch), "--agency", "demo-vieclam").stdout)
    assert isinstance(report, dict) and len(report["created"]) == 1 and report["status"] == "draft"
    assert [d["title"] for d in _mine(demo, "--status", "draft")] == ["Thợ hàn, ca đêm"]


def test_unknown_agency_and_missing_file(demo: dict[str, str], tmp_path: Path) -> None:
    batch = tmp_path / "ok.csv"
    batch.write_text(HEADER + "\n" + _row("Thợ hàn") + "\n", encoding="utf-8")
    result = hoanhap(demo, "listings", "import", str(batch), "--agency", "nope", check=False)
    assert result.returncode == 1 and _json(result.stdout)["errors"][0]["key"] == "unknown_agency"  # type: ignore[index]
    gone = hoanhap(demo, "listings", "import", str(tmp_path / "none.csv"), "--agency", "demo-vieclam", check=False)
    assert gone.returncode == 2 and _json(gone.stdout)["errors"][0]["key"] == "unreadable"  # type: ignore[index]
