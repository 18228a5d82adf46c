"""Checking one row of an import file: text to the values an alumni record holds, or errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _

from careerlink.accounts.addresses import email_problem
from careerlink.errors import DomainError
from careerlink.mentors.imports.presets import FIELDS, FLAGS, Layout
from careerlink.mentors.search import CLASS_YEAR_MIN
from careerlink.mentors.services import clean_linkedin_url
from careerlink.models import utcnow

LIMITS = {
    "external_id": 100,
    "first_name": 100,
    "last_name": 100,
    "preferred_name": 100,
    "degree": 120,
    "programme": 160,
    "employer": 160,
    "job_title": 160,
    "industry": 120,
    "city": 100,
    "country": 100,
}
TRUE = frozenset({"true", "yes", "y", "1", "x", "t"})
FALSE = frozenset({"", "false", "no", "n", "0", "f"})
MAX_OTHER_EMAILS = 5
# A spreadsheet runs a cell that starts with "=" (the other formula starts, + - @, are common
# in real values and are escaped when CareerLink writes a CSV, careerlink.exports).
FORMULA_START = "="


@dataclass(frozen=True, slots=True)
class CellError:
    """What is wrong with one row, and in which column."""

    column: str
    reason: str


# A plain ASCII local part (dot-atom, RFC 5322): valid whatever the domain, so only the domain
# needs email-validator's full check, once per domain rather than once per row.
_PLAIN_LOCAL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z"
)


# What `clean_linkedin_url` returns unchanged: the usual export needs no parsing.
_CANONICAL_LINKEDIN = re.compile(
    r"https://(?:www\.)?linkedin\.com/(?:in|pub)/[A-Za-z0-9%_.\-~]+/?\Z"
)


def linkedin(text: str) -> str | None:
    """`clean_linkedin_url`, without parsing an address already in its canonical form."""
    if _CANONICAL_LINKEDIN.match(text):
        return text
    return clean_linkedin_url(text)


@lru_cache(maxsize=4096)
def _domain_ok(domain: str) -> bool:
    return email_problem(f"a@{domain}") is None


def address_problem(address: str) -> str | None:
    """`email_problem`, answered from a per-domain cache for the common plain addresses."""
    local, at, domain = address.rpartition("@")
    if at and len(address) <= 254 and len(local) <= 64 and _PLAIN_LOCAL.match(local):
        return None if _domain_ok(domain) else email_problem(address)
    return email_problem(address)


def class_year_max() -> int:
    """The latest class year an alumnus can have: next year's graduates at most."""
    return utcnow().year + 1


def _flag(text: str, column: str, any_value: bool, errors: list[CellError]) -> bool:
    value = text.strip().casefold()
    if any_value:
        return bool(value)
    if value in TRUE:
        return True
    if value not in FALSE:
        errors.append(CellError(column, _("“%(value)s” is not yes or no", value=text)))
    return False


def _email(cells, layout_columns, errors) -> tuple[str | None, list[str]]:
    found: list[str] = []
    for position, column in layout_columns:
        for part in cells[position].replace(";", ",").split(","):
            address = part.strip().lower()
            if not address:
                continue
            if address_problem(address):
                errors.append(
                    CellError(
                        column,
                        _("“%(value)s” is not a valid email address", value=part.strip()[:80]),
                    )
                )
            elif address not in found:
                found.append(address)
    if not found:
        return None, []
    return found[0], found[1 : 1 + MAX_OTHER_EMAILS]


def clean_row(
    cells: list[str], header: list[str], layout: Layout, positions
) -> tuple[dict, list[CellError]]:
    """The record values of one row and the problems found (all of them, not just the first)."""
    return row_cleaner(header, layout, positions)(cells)


# What each field's cell becomes: text (bounded), a flag, a class year, a LinkedIn address.
_TEXT, _FLAG, _ANY_FLAG, _YEAR, _LINKEDIN = range(5)


def row_cleaner(
    header: list[str], layout: Layout, positions
) -> Callable[[list[str]], tuple[dict, list[CellError]]]:
    """`clean_row` for every row of one file: which cell holds what is worked out once.

    An import checks 100,000 rows with the same header and layout, so the per-row work is one
    pass over a prepared list of steps, not a walk through the field table for each row.
    """
    steps = []
    email_columns = None
    for name in FIELDS:
        columns = positions.get(name)
        if not columns:
            continue
        if name == "email":
            email_columns = [(p, header[p]) for p in columns]
            steps.append((name, -1, None, 0, 0))
            continue
        position = columns[0]
        if name in FLAGS:
            kind = _ANY_FLAG if name in layout.any_value_flags else _FLAG
        elif name == "class_year":
            kind = _YEAR
        elif name == "linkedin_url":
            kind = _LINKEDIN
        else:
            kind = _TEXT
        steps.append((name, kind, header[position], position, LIMITS.get(name, 0)))
    external_column = header[positions["external_id"][0]]
    last_name_column = header[positions["last_name"][0]]
    high = class_year_max()

    def clean(cells: list[str]) -> tuple[dict, list[CellError]]:
        errors: list[CellError] = []
        values: dict = {}
        # Most rows hold no "=" at all: one search instead of one per cell.
        if FORMULA_START in "".join(cells):
            for position, cell in enumerate(cells):
                if cell.lstrip().startswith(FORMULA_START):
                    errors.append(
                        CellError(header[position], _("the cell holds a spreadsheet formula"))
                    )
        for name, kind, column, position, limit in steps:
            if kind < 0:
                values["email"], values["other_emails"] = _email(cells, email_columns, errors)
                continue
            text = " ".join(cells[position].split())
            if kind == _TEXT:
                if len(text) > limit:
                    errors.append(
                        CellError(
                            column,
                            _(
                                "is %(length)d characters; at most %(limit)d",
                                length=len(text),
                                limit=limit,
                            ),
                        )
                    )
                    text = text[:limit]
                values[name] = text
            elif kind == _FLAG:
                values[name] = _flag(text, column, False, errors)
            elif kind == _ANY_FLAG:
                values[name] = bool(text)
            elif kind == _YEAR:
                values[name] = _class_year(text, column, errors, high)
            else:
                try:
                    values[name] = linkedin(text)
                except DomainError:
                    errors.append(CellError(column, _("is not the address of a LinkedIn profile")))
        if not values.get("external_id"):
            errors.append(CellError(external_column, _("the external id is empty")))
        if not values.get("last_name"):
            errors.append(CellError(last_name_column, _("the last name is empty")))
        return values, errors

    return clean


def _class_year(text: str, column: str, errors: list[CellError], high: int) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not CLASS_YEAR_MIN <= int(text) <= high:
        errors.append(
            CellError(
                column,
                _(
                    "“%(value)s” is not a class year between %(first)d and %(last)d",
                    value=text[:20],
                    first=CLASS_YEAR_MIN,
                    last=high,
                ),
            )
        )
        return None
    return int(text)
