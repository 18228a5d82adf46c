"""One pagination type for every list: `Page`, and `paginate()` for any SELECT."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, inspect, select

from careerlink.extensions import db

T = TypeVar("T")

MAX_PER_PAGE = 100


def page_number(raw: Any, default: int = 1) -> int:
    """A page number from user input: a whole number of at least 1 (else `default`)."""
    try:
        number = int(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    return max(1, number)


def bounded_per_page(raw: Any, default: int = 20, maximum: int = MAX_PER_PAGE) -> int:
    """A page size from user input, between 1 and `maximum`."""
    try:
        number = int(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    return max(1, min(number, maximum))


@dataclass
class Page(Generic[T]):
    """One page of a list: its items, where it is, and how many there are in all.

    A page past the end is empty (never an error); there is always at least one page.
    """

    items: list[T] = field(default_factory=list)
    page: int = 1
    per_page: int = 20
    total: int = 0

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1, which may be empty)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """There is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """There is a page after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        """The previous page's number, or None on the first page."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        """The next page's number, or None on the last page."""
        return self.page + 1 if self.has_next else None

    @property
    def first_index(self) -> int:
        """The 1-based position of the first item on this page (0 when it is empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        """The 1-based position of the last item on this page (0 when it is empty)."""
        return self.first_index + len(self.items) - 1 if self.items else 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)


def _selects_one_entity(stmt: Select) -> bool:
    descriptions = stmt.column_descriptions
    if len(descriptions) != 1:
        return False
    info = inspect(descriptions[0]["expr"], raiseerr=False)
    return bool(getattr(info, "is_mapper", False) or getattr(info, "is_aliased_class", False))


def count_rows(stmt: Select, session=None) -> int:
    """How many rows a SELECT returns (its ORDER BY is dropped for the count)."""
    session = session or db.session
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def paginate(
    stmt: Select,
    page: Any = 1,
    per_page: Any = 20,
    *,
    total: int | None = None,
    max_per_page: int = MAX_PER_PAGE,
    session=None,
) -> Page:
    """One page of any SELECT: entities for `select(Model)`, a single column's values for a
    one-column select, rows otherwise.

    The page number and size are bounded first (page >= 1, 1 <= per_page <= max_per_page);
    a page past the end is empty and is never asked of the database, so a huge page number
    never becomes an overflowing OFFSET. Pass `total` when it is already known.
    """
    session = session or db.session
    number = page_number(page)
    size = bounded_per_page(per_page, maximum=max_per_page)
    if total is None:
        total = count_rows(stmt, session)
    offset = (number - 1) * size
    if offset >= total:
        return Page(items=[], page=number, per_page=size, total=total)
    result = session.execute(stmt.limit(size).offset(offset))
    if _selects_one_entity(stmt):
        items = list(result.unique().scalars())
    elif len(stmt.column_descriptions) == 1:
        items = list(result.scalars())
    else:
        items = list(result)
    return Page(items=items, page=number, per_page=size, total=total)
