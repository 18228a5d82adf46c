"""Reading an import file: CSV in any common dialect and encoding, or XLSX, as rows of text.

Encoding problems are file errors raised before any row is read; a malformed row is one
`BadRow` among the others, so the rest of the file is still read and reported.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext as _

from careerlink.errors import DomainError

DELIMITERS = (",", ";", "\t")
ENCODINGS = ("utf-8", "cp1252")
XLSX_MAGIC = b"PK\x03\x04"
_BLOCK = 1 << 20


class FileProblem(DomainError):
    """The whole file cannot be imported (encoding, size, header); nothing is written."""


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read at all (a wrong number of cells, a broken quote)."""

    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header and an iterator over its rows: (spreadsheet row number, cells) or BadRow."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]] | BadRow]
    kind: str
    close: Callable[[], None]


def normalize_header(name: str) -> str:
    """A column name compared case- and space-insensitively."""
    return " ".join(str(name or "").replace("\ufeff", "").split()).casefold()


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size; FileProblem when empty or over the limit."""
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(_("The file is empty."))
    if size > max_bytes:
        raise FileProblem(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB "
                "(CAREERLINK_IMPORT_MAX_BYTES). Split it, or export fewer columns.",
                size=round(size / 1e6),
                limit=round(max_bytes / 1e6),
            )
        )
    return size


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as handle:
        try:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path, convert: str | None = None) -> str:
    """The Python codec to read the CSV with: UTF-8 (BOM or not), or Windows-1252 on request.

    A file that is not UTF-8 but reads as Windows-1252 is named in the refusal, so staff can
    re-save it as UTF-8 or ask for the conversion (`convert="cp1252"`).
    """
    if convert is not None:
        if convert not in ENCODINGS:
            raise FileProblem(
                _("Choose the encoding among %(encodings)s.", encodings=", ".join(ENCODINGS))
            )
        if not _decodes(path, convert):
            raise FileProblem(_("The file is not valid %(encoding)s text.", encoding=convert))
        return "utf-8-sig" if convert == "utf-8" else convert
    if _decodes(path, "utf-8"):
        return "utf-8-sig"
    if _decodes(path, "cp1252"):
        raise FileProblem(
            _(
                "The file is not UTF-8: it looks like Windows-1252 (what Excel calls “CSV” or "
                "“ANSI”). Save it as “CSV UTF-8”, or import it again asking for the conversion "
                "from Windows-1252."
            )
        )
    raise FileProblem(_("The file is not text in UTF-8 or Windows-1252; is it a CSV or XLSX file?"))


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of the header line: the most frequent of comma, semicolon and tab."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(raw: list[str]) -> list[str]:
    header = [str(c or "").replace("\ufeff", "").strip() for c in raw]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise FileProblem(_("The file has no header row: its first row must name the columns."))
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = normalize_header(name)
        if key and key in seen:
            raise FileProblem(
                _(
                    "The column “%(name)s” appears twice (columns %(first)d and %(second)d).",
                    name=name,
                    first=seen[key],
                    second=position,
                )
            )
        seen[key] = position
    return header


def read_csv(path: Path, encoding: str) -> Table:
    """The CSV's header and rows; the dialect is taken from the header line."""
    handle = path.open("r", encoding=encoding, newline="")
    first = handle.readline()
    handle.seek(0)
    reader = csv.reader(handle, delimiter=sniff_delimiter(first), strict=True)
    try:
        header = _clean_header(next(reader))
    except StopIteration:
        handle.close()
        raise FileProblem(_("The file is empty.")) from None
    except csv.Error as err:
        handle.close()
        raise FileProblem(_("The header row cannot be read: %(error)s.", error=err)) from None
    return Table(header, _csv_rows(reader, handle, len(header)), "csv", handle.close)


def _csv_rows(reader, handle, width: int) -> Iterator[tuple[int, list[str]] | BadRow]:
    number = 1
    with handle:
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield BadRow(number, _("the row cannot be read as CSV (%(error)s)", error=err))
                continue
            if not any(c.strip() for c in cells):
                continue  # blank lines, often at the end of an export
            extra = cells[width:]
            if any(c.strip() for c in extra):
                yield BadRow(number, f"the row has {len(cells)} cells but the header has {width}")
                continue
            if len(cells) < width:
                yield BadRow(number, f"the row has {len(cells)} cells but the header has {width}")
                continue
            yield number, cells[:width]


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path) -> Table:
    """The first worksheet's header and rows (formulas come back as their text, starting "=")."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as err:  # a damaged or encrypted workbook: openpyxl raises many kinds
        raise FileProblem(
            _("The XLSX file cannot be opened (%(error)s).", error=type(err).__name__)
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = _clean_header([_xlsx_text(v) for v in next(rows)])
    except StopIteration:
        book.close()
        raise FileProblem(_("The file is empty.")) from None
    return Table(header, _xlsx_rows(rows, book, len(header)), "xlsx", book.close)


def _xlsx_rows(rows, book, width: int) -> Iterator[tuple[int, list[str]] | BadRow]:
    try:
        for number, values in enumerate(rows, start=2):
            cells = [_xlsx_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if any(c.strip() for c in cells[width:]):
                yield BadRow(
                    number, _("the row has cells beyond the header's %(n)d columns", n=width)
                )
                continue
            yield number, (cells + [""] * width)[:width]
    finally:
        book.close()


def open_table(path: Path, max_bytes: int, convert: str | None = None) -> Table:
    """Read a CSV or XLSX file (told apart by content, not by name)."""
    path = Path(path)
    check_size(path, max_bytes)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == XLSX_MAGIC:
        return read_xlsx(path)
    return read_csv(path, detect_encoding(path, convert))
