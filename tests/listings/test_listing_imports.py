"""Reading a batch: 10,000 rows checked row by row with nothing written, one row more refused whole,
cells that are not what a column holds, and a workbook's own dates and numbers."""

from __future__ import annotations

import io
import time
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from bot.app import App
from bot.listings.errors import ListingError
from bot.listings.imports import MAX_ROWS, REQUIRED_COLUMNS, check_rows, import_rows, read_table
from tests.listings.helpers import TODAY

HEADER = ",".join(REQUIRED_COLUMNS)


def _line(n: int) -> str:
    # Every seventh row names no commune that exists; every eleventh has a date that is none.
    locality = "Xã Không Có" if n % 7 == 0 else ("Gia Lộc" if n % 2 else "mh-an-hoa")
    expires = "2026-02-30" if n % 11 == 0 else "2026-12-31"
    return f"job,Việc số {n},Xưởng {n},{locality},hàn,Mô tả {n},yes,,2026-12-01,2,7 triệu,0200 000 {n:03d},{expires}"


async def test_ten_thousand_rows_are_checked_and_nothing_is_written(demo_app: App) -> None:
    raw = "\n".join([HEADER, *(_line(n) for n in range(1, MAX_ROWS + 1))]).encode()
    started = time.monotonic()
    table = read_table(raw, "big.csv")
    async with demo_app.uow() as uow:
        results = await check_rows(uow, table, TODAY)
        assert await uow.listings.count() == 0
    elapsed = time.monotonic() - started
    errors = {r.line: r.error.key for r in results if r.error is not None}
    assert len(results) == MAX_ROWS
    # Line numbers count the header as line 1.
    assert errors[1 + 7] == "unknown_locality" and errors[1 + 11] == "bad_date" and 1 + 1 not in errors
    bad = {n for n in range(1, MAX_ROWS + 1) if n % 7 == 0 or n % 11 == 0}
    assert set(errors) == {n + 1 for n in bad}
    assert elapsed < 60, f"checking {MAX_ROWS} rows took {elapsed:.1f} s"
    with pytest.raises(ListingError, match="too_many_rows"):
        read_table(raw + b"\n" + _line(MAX_ROWS + 1).encode(), "big.csv")


async def test_a_workbooks_dates_and_numbers_read_as_typed(demo_app: App) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([c.upper() for c in REQUIRED_COLUMNS])
    sheet.append(["course", "Lớp may", "Trường mẫu", "mh-an-hoa", "may", "", "no", datetime(2026, 11, 20),
                  date(2026, 11, 15), 12.0, "", "0200", datetime(2026, 12, 1)])  # fmt: skip
    sheet.append([None] * len(REQUIRED_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "batch.xlsx")
    assert [line for line, _ in table] == [2]
    async with demo_app.uow() as uow:
        [result] = await check_rows(uow, table, TODAY)
        assert result.error is None and result.checked is not None
        assert result.checked["places"] == 12 and result.checked["start_date"] == date(2026, 11, 20)
        [made] = await import_rows(uow, [result], agency_code="demo-vieclam", actor="t", now=demo_app.clock(),
                                   today=TODAY)  # fmt: skip
        row = await uow.listings.get(made)
        assert row is not None and row.kind == "course" and row.expires == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"   \n  ", "empty_file"),
        (b"x" * (4 * 1024 * 1024), "file_too_big"),
        (("\ufeff" + HEADER.replace("title", "tieu_de") + "\n").encode(), "missing_columns"),
        (b'kind,title\n"unterminated', "missing_columns"),
    ],
)
def test_files_that_are_no_table_of_listings(raw: bytes, key: str) -> None:
    with pytest.raises(ListingError) as refused:
        read_table(raw, "x.csv")
    assert refused.value.key == key


def test_short_rows_and_extra_columns_are_read_without_error() -> None:
    text = HEADER + ",extra\njob,Thợ hàn\n"
    [(line, values)] = read_table(text.encode(), "x.csv")
    assert line == 2 and values["title"] == "Thợ hàn" and values["expires"] == "" and "extra" not in values
