"""A dashboard chart's numbers as a CSV download: cells a spreadsheet shows as they are (no formula
runs), times in the bot's timezone, and a BOM so Excel reads the Vietnamese letters."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from bot.web.admin.dashboard_view import Cell, Table
from bot.web.templating import local_time

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell, timezone: str) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value, timezone, "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return value


def to_csv(table: Table, timezone: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h, timezone) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_cell(cell, timezone) for cell in row])
    # The BOM makes Excel read the file as UTF-8 (Vietnamese letters intact).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
