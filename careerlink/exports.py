"""CSV files the app writes: every cell escaped against formula injection (CWE-1236)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context

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


def _escaped(rows: Iterable[Iterable[Any]]) -> Iterator[list]:
    # A whole number that is not negative cannot start a formula: the writer takes it as it
    # is (most cells of the large reports are counts; a call per cell was most of the time).
    return (
        [cell if type(cell) is int and cell >= 0 else safe_cell(cell) for cell in row]
        for row in rows
    )


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (RFC 4180, CRLF line ends) with every cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows(_escaped(rows))
    return buffer.getvalue()


STREAM_ROWS = 1000  # rows written per chunk of a streamed CSV


def csv_chunks(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The same document as `csv_text`, a chunk of STREAM_ROWS rows at a time (the BOM and
    the header first, before any row is read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    yield "\ufeff" + buffer.getvalue()
    batch = []
    for row in _escaped(rows):
        batch.append(row)
        if len(batch) == STREAM_ROWS:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
    if batch:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def _csv_headers(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
    }


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """A download of the CSV: UTF-8 with a BOM so that Excel reads accents right."""
    body = "\ufeff" + csv_text(header, rows)
    return Response(body, mimetype="text/csv", headers=_csv_headers(filename))


def csv_stream_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> Response:
    """`csv_response`, streamed: written as `rows` yields them (inside the request's context),
    so a large download starts at once and never sits whole in memory."""
    return Response(
        stream_with_context(csv_chunks(header, rows)),
        mimetype="text/csv",
        headers=_csv_headers(filename),
    )
