"""A dashboard chart's numbers as a CSV download: cells a spreadsheet shows as they are (no formula
runs), times in the bot's timezone, and a BOM so Excel reads the Vietnamese letters."""

from __future__ import annotations

from datetime import date, datetime

from bot.dashboard.page import Cell, Table
from bot.web.spreadsheet import csv_bytes, safe_cell
from bot.web.templating import local_time


def csv_cell(value: Cell, timezone: str) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value, timezone, "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_cell(value)
    return value


def to_csv(table: Table, timezone: str) -> bytes:
    rows: list[list[Cell]] = [list(table.headers), *table.rows]
    return csv_bytes([csv_cell(cell, timezone) for cell in row] for row in rows)
