"""CSV files the app writes: every cell escaped against formula injection (CWE-1236)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

# A spreadsheet treats a cell that starts with one of these as a formula (tab and carriage
# return too: some programs strip them and then read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text; one that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (RFC 4180, CRLF line ends) with every cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    # A whole number that is not negative cannot start a formula: the writer takes it as it
    # is (most cells of the large reports are counts; a call per cell was most of the time).
    writer.writerows(
        [cell if type(cell) is int and cell >= 0 else safe_cell(cell) for cell in row]
        for row in rows
    )
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """A download of the CSV: UTF-8 with a BOM so that Excel reads accents right."""
    body = "\ufeff" + csv_text(header, rows)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
