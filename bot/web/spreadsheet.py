"""Files staff open in a spreadsheet: no cell runs as a formula, Excel reads the Vietnamese, and an
XLSX opens ready to work with (real date-times, a frozen and filtered header row, readable widths)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Day first, as Vietnamese staff write dates; Excel shows it and still sorts and filters by time.
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"
# A cell of an export: text (already neutralised), a wall-clock date-time, or nothing.
Cell = str | datetime | None


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    # The byte-order mark makes Excel read UTF-8 (Vietnamese) instead of the local code page.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], widths: Sequence[float]) -> bytes:
    """One sheet: the bold header row frozen and filtered, each column `widths` characters wide;
    datetimes (naive, the deployment's wall clock: Excel has no time zones) as date-time cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, font=bold) for name in header])
    count = 1
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Worksheet, value: Cell, font: Font | None = None) -> SheetCell:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = DATE_TIME_FORMAT
        return cell
    # Control characters a person may have sent cannot be stored in a worksheet at all.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if value else None)
    if font is not None:
        cell.font = font
    return cell
