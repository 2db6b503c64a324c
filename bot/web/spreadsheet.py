"""Files staff open in a spreadsheet: no cell runs as a formula, and Excel reads the Vietnamese."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    # The byte-order mark makes Excel read UTF-8 (Vietnamese) instead of the local code page.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
