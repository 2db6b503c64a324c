"""A batch of listings from a CSV or XLSX file: read, checked row by row, and only then created.

Reading refuses the file as a whole (ListingError) when it cannot be a table of listings: not UTF-8,
not a spreadsheet, no header, missing columns, too many rows. Otherwise every row is checked on its
own and reported with its line number; nothing is written until `import_rows` is called (the CLI at
once, the staff page after the preview is confirmed).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from bot.listings.errors import ListingError
from bot.listings.fields import ListingInput, Places, read_input
from bot.listings.service import create_listing
from bot.storage.unit_of_work import UnitOfWork

REQUIRED_COLUMNS = (
    "kind", "title", "employer", "locality", "trade", "description", "fair_chance",
    "start_date", "deadline", "places", "pay", "contact", "expires",
)  # fmt: skip
OPTIONAL_COLUMNS = ("conditions", "cost_kind")
MAX_ROWS = 10_000
# Under the web's request limit (bot/web/middleware.py), with room for the form's other fields.
MAX_BYTES = 3 * 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowResult:
    """One row of the file: its line number (the header is line 1), what it said, and its verdict."""

    line: int
    values: dict[str, str]
    checked: dict[str, Any] | None
    error: ListingError | None


def _decode(raw: bytes) -> str:
    for bom, encoding in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListingError("bad_encoding") from None
    if "\x00" in text:
        raise ListingError("bad_encoding")
    return text


def _csv_rows(raw: bytes) -> list[list[str]]:
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale saves "CSV" with semicolons; a header names its columns plainly.
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise ListingError("bad_csv") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ListingError("bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        found: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            found.append([_cell(v) for v in row])
            if len(found) > MAX_ROWS + 1:
                break
        return found
    finally:
        workbook.close()


def _header(row: Sequence[str]) -> list[str]:
    return [cell.strip().lstrip("\ufeff").strip().lower() for cell in row]


def read_table(raw: bytes, filename: str = "") -> list[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for every row that is not blank, or a ListingError for the whole file."""
    if not raw.strip():
        raise ListingError("empty_file")
    if len(raw) > MAX_BYTES:
        raise ListingError("file_too_big", limit=MAX_BYTES // (1024 * 1024))
    is_xlsx = raw.startswith(_XLSX_MAGIC) or filename.lower().endswith(".xlsx")
    table = _xlsx_rows(raw) if is_xlsx else _csv_rows(raw)
    if not table:
        raise ListingError("empty_file")
    header = _header(table[0])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ListingError("missing_columns", columns=", ".join(missing))
    wanted = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if name in header}
    found = []
    for line, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        found.append((line, {name: row[i] if i < len(row) else "" for name, i in wanted.items()}))
        if len(found) > MAX_ROWS:
            raise ListingError("too_many_rows", limit=MAX_ROWS)
    if not found:
        raise ListingError("no_rows")
    return found


async def check_rows(uow: UnitOfWork, rows: Iterable[tuple[int, dict[str, str]]], today: date) -> list[RowResult]:
    """Every row checked against the localities as they stand: nothing is written."""
    places = Places(await uow.localities.all_rows())
    results = []
    for line, values in rows:
        try:
            results.append(RowResult(line, values, read_input(ListingInput.of(values), places, today), None))
        except ListingError as error:
            results.append(RowResult(line, values, None, error))
    return results


async def import_rows(
    uow: UnitOfWork,
    results: Sequence[RowResult],
    *,
    agency_code: str,
    actor: str,
    now: datetime,
    today: date,
    publish: bool = False,
) -> list[int]:
    """Create a listing for every row without an error; their ids, in the file's order."""
    created = []
    for result in results:
        if result.checked is None:
            continue
        row = await create_listing(
            uow, ListingInput.of(result.values), agency_code=agency_code, actor=actor, now=now, today=today,
            publish=publish, checked=result.checked,
        )  # fmt: skip
        created.append(row.id)
    return created
