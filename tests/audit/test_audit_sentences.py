"""The audit log read as sentences in the reader's language, filtered by date, and exported as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app import App
from bot.audit.sentences import describe
from bot.storage.models import AuditLogRow
from bot.web.i18n import web_texts
from tests.admin_pages import signed_in
from tests.harness import FakeClock
from tests.web_client import WebClient


def _t(locale: str) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return web_texts().get(locale, key, **values)

    return t


async def test_every_action_written_has_a_sentence_in_both_languages() -> None:
    actions = [
        "agency.create",
        "agency.update",
        "agency.link_code",
        "agency.linked",
        "data.import",
        "faq.add_phrasing",
        "faq.approval_request",
        "faq.approve",
        "faq.reject",
        "faq.withdraw",
        "faq.create",
        "faq.update",
        "faq.restore",
        "holiday.add",
        "holiday.remove",
        "kb.import",
        "listing.create",
        "listing.edit",
        "listing.publish",
        "listing.close",
        "listing.expire",
        "locality.create",
        "locality.update",
        "locality.import",
        "requests.export",
        "rule.create",
        "rule.update",
        "rule.activate",
        "rule.deactivate",
        "token.create",
        "token.revoke",
        "user.create",
        "user.update",
        "user.enable",
        "user.disable",
        "user.password",
        "user.2fa_on",
        "user.2fa_off",
        "unanswered.added",
        "unanswered.new_entry",
        "unanswered.dismissed",
        "unanswered.out_of_scope",
        "zalo.oa_token",
        "conversation.moved",
    ]
    for locale in ("vi", "en"):
        keys = web_texts().keys(locale)
        assert not [a for a in actions if "au_" + a.replace(".", "_") not in keys], locale


def test_a_phrasing_added_reads_as_a_sentence_and_an_odd_row_never_breaks() -> None:
    row = AuditLogRow(
        actor="lan",
        action="faq.add_phrasing",
        target="can-cuoc",
        before={"title": "Làm căn cước", "phrasings": ["lam cccd"], "version": 3},
        after={"title": "Làm căn cước", "phrasings": ["lam cccd", "can cuoc o dau"], "version": 4},
    )
    assert describe(row, _t("vi")) == "lan thêm cách hỏi «can cuoc o dau» vào câu trả lời «Làm căn cước»."
    assert describe(row, _t("en")) == "lan added the phrasing “can cuoc o dau” to the answer “Làm căn cước”."
    # A record missing what its sentence names, an unknown action, values of every shape: a general line.
    odd = AuditLogRow(actor="x", action="faq.update", target="t", before=None, after={"nested": {"a": 1}})
    assert describe(odd, _t("vi")) == "x: faq.update — t"
    strange = AuditLogRow(actor="x", action="weird.{0}", target="{actor}", before={}, after={"x": None})
    assert describe(strange, _t("en")) == "x: weird.{0} — {actor}"


async def _holidays(clock: FakeClock, app: App) -> None:
    """Three days off added on 1, 10 and 20 November (Hà Nội), the clock set to each (the log is
    append-only: its rows are written at their time, never moved)."""
    for day, name, moment in (
        ("2027-01-01", "Tết dương lịch", "2026-10-31 17:30"),  # 00:30 on 1 November in Hà Nội
        ("2027-04-30", '=HYPERLINK("x")', "2026-11-10 03:00"),
        ("2027-09-02", "Quốc khánh", "2026-11-20 16:59"),  # 23:59 on 20 November in Hà Nội
    ):
        clock.now = datetime.fromisoformat(moment + "+00:00")
        async with await signed_in(app, "admin") as admin:
            assert (await admin.post_form("/admin/holidays", {"day": day, "name": name})).status_code == 303


async def test_the_page_reads_in_sentences_filters_by_date_and_exports(admin_app: App, clock: FakeClock) -> None:
    await _holidays(clock, admin_app)
    async with await signed_in(admin_app, "admin") as admin:
        await _read_filter_and_export(admin)


async def _read_filter_and_export(admin: WebClient) -> None:
    page = await admin.http.get("/admin/audit", params={"action": "holiday.add"})
    assert "admin thêm ngày nghỉ 2027-01-01 (Tết dương lịch)." in page.text
    assert "holiday.add" in page.text  # the code stays in the details, for who needs it
    first = await admin.http.get("/admin/audit", params={"from": "2026-11-01", "to": "2026-11-01"})
    assert "Tết dương lịch" in first.text and "Quốc khánh" not in first.text
    later = await admin.http.get("/admin/audit", params={"from": "2026-11-02", "to": "2026-11-20"})
    assert "Tết dương lịch" not in later.text and "Quốc khánh" in later.text and "HYPERLINK" in later.text
    # What is not a date is no filter, never an error.
    for bad in ("2026-13-01", "yesterday", "9" * 50, "0000-01-01", ""):
        assert (await admin.http.get("/admin/audit", params={"from": bad, "to": bad})).status_code == 200

    exported = await admin.http.get("/admin/audit.csv", params={"action": "holiday.add", "from": "2026-11-02"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["Lúc", "Người làm", "Việc đã làm", "Mã việc", "Đối tượng"]
    assert [r[0] for r in rows[1:]] == ["2026-11-20 23:59:00", "2026-11-10 10:00:00"]
    assert rows[1][2] == "admin thêm ngày nghỉ 2027-09-02 (Quốc khánh)."
    assert rows[2][2].startswith("admin thêm ngày nghỉ 2027-04-30 (=HYPERLINK")  # inside a sentence: no formula

    await admin.http.get("/lang/en")
    english = await admin.http.get("/admin/audit.csv", params={"action": "holiday.add"})
    assert "admin added the day off 2027-01-01 (Tết dương lịch)." in english.content.decode("utf-8-sig")


async def test_staff_cannot_read_or_export_the_audit_log(admin_app: App) -> None:
    async with await signed_in(admin_app, "vieclam") as staff:
        for path in ("/admin/audit", "/admin/audit.csv"):
            assert (await staff.http.get(path)).status_code == 404, path
