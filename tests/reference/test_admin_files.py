"""The FAQ and reference-data files on the admin data page: they round-trip without a change (and match
what `hoanhap kb export` / `data export` write), a preview changes nothing, and bad files are refused."""

from __future__ import annotations

import argparse
import csv
import gc
import io
import re
import warnings
from pathlib import Path

import httpx
import pytest
import yaml

from bot.app import App
from bot.faq.cli import cmd_kb_export
from bot.reference.cli import cmd_data_export
from tests.admin_pages import (
    ask_tester,
    audit_rows,
    said,
    shows,
    snapshot,
)
from tests.web_client import WebClient


def upload(name: str, content: bytes, kind: str = "file") -> dict[str, tuple[str, bytes, str]]:
    return {kind: (name, content, "application/octet-stream")}


async def post_files(client: WebClient, path: str, files: dict[str, tuple[str, bytes, str]]) -> httpx.Response:
    return await client.http.post(path, data={"csrf_token": await client.csrf()}, files=files)


async def csv_files(client: WebClient) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for kind in ("agencies", "localities", "rules"):
        response = await client.http.get(f"/admin/data/{kind}.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        found[kind] = response.content
    return found


async def test_the_faq_round_trips_without_a_change(admin_app: App, admin: WebClient, tmp_path: Path) -> None:
    downloaded = await admin.http.get("/admin/data/faq.yaml")
    assert downloaded.status_code == 200 and "attachment" in downloaded.headers["content-disposition"]
    await cmd_kb_export(admin_app, argparse.Namespace(out=str(tmp_path / "cli.yaml")))
    assert downloaded.content == (tmp_path / "cli.yaml").read_bytes()

    before = await snapshot(admin_app)
    preview = await post_files(admin, "/admin/data/faq", upload("faq.yaml", downloaded.content))
    assert preview.status_code == 200
    entries = sum(len(group["entries"]) for group in yaml.safe_load(downloaded.text).values())
    assert said(preview, "ar_faq_no_changes", entries=entries) and 'name="digest"' not in preview.text
    assert await snapshot(admin_app) == before

    data = yaml.safe_load(downloaded.text)
    first = next(iter(data.values()))["entries"][0]
    first["title"] = "Tiêu đề đã sửa"
    first["review_by"] = "2027-01-15"
    changed = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    preview = await post_files(admin, "/admin/data/faq", upload("faq.yaml", changed))
    assert said(preview, "ar_faq_preview", entries=entries, created=0, updated=1)
    assert (await snapshot(admin_app))["faq"] == before["faq"]  # a preview changes nothing
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview.text)
    assert digest
    done = await admin.post_form("/admin/data/faq/confirm", {"digest": digest.group(1)})
    assert done.status_code == 200 and said(done, "ar_faq_done", created=0, updated=1)
    async with admin_app.uow() as uow:
        uploaded = {e.slug: e for e in await uow.faq.all()}[first["slug"]]
    assert (uploaded.title, uploaded.review_by) == ("Tiêu đề đã sửa", "2027-01-15")
    [imported] = [r for r in await audit_rows(admin_app, "kb.import") if r.actor == "admin"]
    assert imported.after == {"created": 0, "updated": 1}
    tampered = await admin.post_form("/admin/data/faq/confirm", {"digest": "ü" * 64})
    assert tampered.status_code == 400 and said(tampered, "ar_err_upload_expired")
    # The preview is used once.
    again = await admin.post_form("/admin/data/faq/confirm", {"digest": digest.group(1)})
    assert again.status_code == 400 and said(again, "ar_err_upload_expired")


@pytest.mark.parametrize(
    ("content", "key", "status"),
    [
        ("câu hỏi".encode("utf-16"), "ar_err_not_utf8", 400),
        (b"\xff\xfe\x00bad", "ar_err_not_utf8", 400),
        (b"entries: [unclosed", "ar_err_yaml", 400),
        (b"a: &x [1]\nb: *x\n", "ar_err_yaml", 400),
        (b"entries:\n  - slug: ''\n    title: x\n    answer: y\n", "ar_err_faq_invalid", 400),
        (b"entries:\n  - slug: ok\n    title: x\n    answer: y\n    phrasings: 5\n", "ar_err_faq_invalid", 400),
        (b"just text", "ar_err_faq_invalid", 400),
        (b"entries: []\n", "ar_err_faq_empty", 400),
        (b'entries:\n  - slug: ok\n    title: x\n    answer: "a\\0b"\n', "ar_err_not_text", 400),
        (b"x" * (2 * 1024 * 1024 + 1), "ar_err_upload_too_big", 413),
        (b"", "ar_err_no_file", 400),
    ],
)
async def test_a_bad_faq_file_is_refused(
    admin_app: App, admin: WebClient, content: bytes, key: str, status: int
) -> None:
    before = await snapshot(admin_app)
    response = await post_files(admin, "/admin/data/faq", upload("faq.yaml" if content else "", content))
    assert response.status_code == status
    assert shows(response, key), response.text
    assert await snapshot(admin_app) == before


async def test_the_reference_csv_round_trips_without_a_change(admin_app: App, admin: WebClient, tmp_path: Path) -> None:
    files = await csv_files(admin)
    await cmd_data_export(admin_app, argparse.Namespace(format="csv", out=str(tmp_path)))
    for kind, content in files.items():
        assert content == (tmp_path / f"{kind}.csv").read_bytes(), kind

    before = await snapshot(admin_app)
    as_uploads = {k: (f"{k}.csv", v, "text/csv") for k, v in files.items()}
    preview = await post_files(admin, "/admin/data/reference", as_uploads)
    assert preview.status_code == 200 and said(preview, "ar_reference_no_changes"), preview.text
    assert await snapshot(admin_app) == before

    # One rule to another agency, one new commune: exactly that changes, and rule ids are kept.
    rules = list(csv.DictReader(io.StringIO(files["rules"].decode())))
    rules[0]["agency_code"] = "demo-dieuphoi"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rules[0]))
    writer.writeheader()
    writer.writerows(rules)
    localities = files["localities"] + "mh-moi,Xã Mới,Tỉnh Minh Họa,Xã Cũ|Xã Xưa\r\n".encode()
    changed = {"rules": ("rules.csv", out.getvalue().encode(), "text/csv"), "localities": ("l.csv", localities, "")}
    preview = await post_files(admin, "/admin/data/reference", changed)
    counts = {"agencies_new": 0, "agencies_changed": 0, "localities_new": 1, "localities_changed": 0}
    counts |= {"rules_new": 0, "rules_changed": 1, "rules_removed": 0}
    assert said(preview, "ar_reference_preview", **counts), preview.text
    assert await snapshot(admin_app) == before
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview.text)
    assert digest
    done = await admin.post_form("/admin/data/reference/confirm", {"digest": digest.group(1)})
    assert done.status_code == 200 and said(done, "ar_reference_done", **counts)
    after = await snapshot(admin_app)
    assert [r["id"] for r in after["rules"]] == [r["id"] for r in before["rules"]]
    assert after["rules"][0]["agency_code"] == "demo-dieuphoi"
    assert after["rules"][1:] == before["rules"][1:]
    assert await ask_tester(admin, "employment", "mh-moi") == "demo-dieuphoi"
    [imported] = [r for r in await audit_rows(admin_app, "data.import") if r.actor == "admin"]
    assert imported.before["rules"][0]["agency_code"] == "demo-vieclam"
    assert imported.after["rules"][0]["agency_code"] == "demo-dieuphoi"
    assert imported.after["localities"]["mh-moi"]["aliases"] == ["Xã Cũ", "Xã Xưa"]
    # Downloaded again and uploaded: nothing to do.
    preview = await post_files(
        admin, "/admin/data/reference", {k: (f"{k}.csv", v, "text/csv") for k, v in (await csv_files(admin)).items()}
    )
    assert said(preview, "ar_reference_no_changes")


@pytest.mark.parametrize(
    ("kind", "content", "key"),
    [
        ("rules", "category,agency_code\nemployment,nope\n", "ar_err_csv_unknown_agency"),
        (
            "rules",
            "category,locality_code,province,agency_code\n,mh-an-hoa,Tỉnh Minh Họa,demo-ubnd\n",
            "ar_err_csv_both_places",
        ),
        ("rules", "category,agency_code\ncooking,demo-ubnd\n", "ar_err_csv_category"),
        ("rules", "category,locality_code,agency_code\n,mh-nowhere,demo-ubnd\n", "ar_err_csv_unknown_locality"),
        ("agencies", "code,name,first_response_hours\nx-1,Cơ quan,-5\n", "ar_err_csv_hours"),
        ("agencies", "code,name\nx-1,Cơ quan\nx-1,Cơ quan lặp\n", "ar_err_csv_duplicate"),
        ("agencies", "code,name\nx-1,\n", "ar_err_csv_name"),
        ("agencies", "code,nom\nx-1,Cơ quan\n", "ar_err_csv_columns"),
        ("agencies", "code,name\nx-1,Cơ quan,extra\n", "ar_err_csv_cells"),
        ("localities", "code,name,province\nmh-x,Xã X,\n", "ar_err_csv_province"),
        ("localities", "code,name,province\nmh-x,Xã \x01X,Tỉnh\n", "ar_err_csv_text"),
    ],
)
async def test_a_bad_csv_is_refused_with_its_row_and_nothing_is_applied(
    admin_app: App, admin: WebClient, kind: str, content: str, key: str
) -> None:
    before = await snapshot(admin_app)
    # A good file alongside a bad one: neither is applied.
    good = "code,name,kind\nx-good,Cơ quan tốt,other\n" if kind != "agencies" else None
    files = {kind: (f"{kind}.csv", content.encode(), "text/csv")}
    if good:
        files["agencies"] = ("agencies.csv", good.encode(), "text/csv")
    response = await post_files(admin, "/admin/data/reference", files)
    assert response.status_code == 400, response.text
    assert 'class="alert"' in response.text and f"{kind}.csv" in response.text and shows(response, key), key
    assert await snapshot(admin_app) == before


async def test_non_utf8_csv_and_an_empty_upload_are_refused(admin: WebClient) -> None:
    latin = "code,name\nx-1,Cơ quan\n".encode("utf-16")
    response = await post_files(admin, "/admin/data/reference", upload("agencies.csv", latin, "agencies"))
    assert response.status_code == 400 and said(response, "ar_err_not_utf8")
    empty = await post_files(admin, "/admin/data/reference", upload("", b"", "agencies"))
    assert empty.status_code == 400 and said(empty, "ar_err_no_file")
    assert (await admin.http.get("/admin/data/users.csv")).status_code == 404


async def test_an_upload_without_a_csrf_token_leaves_no_open_file(admin: WebClient) -> None:
    # Above a megabyte an upload is spooled to a temporary file: refused, it must be closed, not
    # left for the garbage collector (which warns about an unclosed file).
    big = b"# " + b"x" * (2 * 1024 * 1024)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = await admin.http.post(
            "/admin/data/faq", data={"csrf_token": "0" * 64}, files=upload("faq.yaml", big)
        )
        gc.collect()
    assert response.status_code == 403
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
