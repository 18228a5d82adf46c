"""The directory search: criteria in, a page of profiles with facet counts out.

One function serves the HTML directory, the JSON API and the tests. It issues a fixed set of
statements whatever the page size and the number of alumni: the industry list, the data
version, then, unless the counts are cached for this version and day, (SQLite, with words) the
number of full-text matches and two grouped scans for the total and every facet; then the
page's ids, the page's rows, and the eager loads of their industries and roles. Counts read
only the denormalised columns of two narrow covering indexes (`directory_index`, kept in sync
before every flush) and are cached by `facet_cache`. The result is a `Page` of profiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import joinedload, selectinload

from careerlink.extensions import db
from careerlink.mentors import facet_cache
from careerlink.mentors import text as textfold
from careerlink.mentors.directory_index import directory_version
from careerlink.mentors.models import (
    OFFER_LABELS,
    Industry,
    MentorProfile,
    Offer,
    today,
)
from careerlink.mentors.search_ddl import FTS_TABLE, PG_COLUMN, PROFILES
from careerlink.pagination import MAX_PER_PAGE, Page, bounded_per_page, page_number, paginate

P = MentorProfile
LIST_FACET_LIMIT = 60
CLASS_YEAR_MIN = 1900
CLASS_YEAR_MAX = 2100
LIST_FACETS = ("country", "region", "city", "programme")

_fts = table(FTS_TABLE, column("rowid"), column("rank"), column(FTS_TABLE))
_OFFER_COLUMN = {
    Offer.INTRODUCTION: P.offers_introduction,
    Offer.SHADOWING: P.offers_shadowing,
    Offer.INFORMATIONAL_INTERVIEW: P.offers_informational_interview,
    Offer.RESUME_REVIEW: P.offers_resume_review,
}


@dataclass
class SearchCriteria:
    """What a student asked the directory for; every field optional."""

    q: str = ""
    industries: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    country: str = ""
    region: str = ""
    city: str = ""
    remote: bool = False
    class_year_min: int | None = None
    class_year_max: int | None = None
    programme: str = ""
    accepting_now: bool = False

    @property
    def terms(self) -> list[str]:
        """The folded, bounded words of the text query."""
        return textfold.query_words(self.q)

    def to_args(self) -> dict[str, Any]:
        """The criteria as query-string arguments (for links and the API)."""
        args: dict[str, Any] = {}
        if self.q:
            args["q"] = self.q
        if self.industries:
            args["industry"] = list(self.industries)
        if self.offers:
            args["offer"] = [o.value for o in self.offers]
        for name in ("country", "region", "city", "programme"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.remote:
            args["remote"] = "1"
        if self.accepting_now:
            args["accepting"] = "1"
        if self.class_year_min is not None:
            args["year_from"] = str(self.class_year_min)
        if self.class_year_max is not None:
            args["year_to"] = str(self.class_year_max)
        return args


@dataclass
class SearchResult(Page[MentorProfile]):
    """A page of profiles (a `Page`) with how many alumni each filter value would give."""

    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    criteria: SearchCriteria = field(default_factory=SearchCriteria)
    industries: list[Industry] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        raw = args.get(name)
        values = raw if isinstance(raw, list | tuple) else ([] if raw is None else [raw])
    return [str(v) for v in values if v is not None]


def _first(args: Mapping[str, Any], name: str, limit: int = 100) -> str:
    values = _getlist(args, name)
    if not values:
        return ""
    # Control characters (NUL above all, which PostgreSQL refuses) never reach the database.
    cleaned = "".join(c if c.isprintable() else " " for c in values[0][: limit * 4])
    return " ".join(cleaned.split())[:limit]


def _flag(args: Mapping[str, Any], name: str) -> bool:
    return _first(args, name).lower() in {"1", "true", "yes", "on"}


def _year(args: Mapping[str, Any], name: str, label: str, notices: list[str]) -> int | None:
    raw = _first(args, name, 20)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        notices.append(f"{label} must be a year such as 2015; that filter was left out.")
        return None
    if not CLASS_YEAR_MIN <= value <= CLASS_YEAR_MAX:
        notices.append(
            f"{label} must be between {CLASS_YEAR_MIN} and {CLASS_YEAR_MAX}; "
            "that filter was left out."
        )
        return None
    return value


def parse_criteria(args: Mapping[str, Any]) -> tuple[SearchCriteria, list[str]]:
    """Read criteria from query arguments; bad values are dropped with a notice, never raised."""
    notices: list[str] = []
    offers: list[Offer] = []
    for raw in _getlist(args, "offer"):
        try:
            offer = Offer(raw)
        except ValueError:
            notices.append(f"“{raw[:40]}” is not something alumni offer; it was left out.")
            continue
        if offer not in offers:
            offers.append(offer)
    industries: list[str] = []
    for raw in _getlist(args, "industry"):
        slug = raw.strip().lower()[:60]
        if slug and slug not in industries:
            industries.append(slug)
    criteria = SearchCriteria(
        q=_first(args, "q", textfold.MAX_QUERY_CHARS),
        industries=industries[:30],
        offers=offers,
        country=_first(args, "country"),
        region=_first(args, "region"),
        city=_first(args, "city"),
        remote=_flag(args, "remote"),
        class_year_min=_year(args, "year_from", "Class year from", notices),
        class_year_max=_year(args, "year_to", "Class year to", notices),
        programme=_first(args, "programme", 160),
        accepting_now=_flag(args, "accepting"),
    )
    if (
        criteria.class_year_min is not None
        and criteria.class_year_max is not None
        and criteria.class_year_min > criteria.class_year_max
    ):
        criteria.class_year_min, criteria.class_year_max = (
            criteria.class_year_max,
            criteria.class_year_min,
        )
        notices.append("The class years were the wrong way round; we swapped them.")
    return criteria, notices


def visible_clause():
    """Profiles shown in the directory: opted in, listed, verified, the account active."""
    # The denormalised flag (MentorProfile.refresh_directory_columns), first in both indexes.
    return P.directory_listed.is_(True)


def available_clause(on: date):
    """Profiles that can be asked today: accepting, not away, not full this month."""
    return or_(P.unavailable_until.is_(None), P.unavailable_until <= on)


# Above this many FTS5 matches, counting scans the narrow index and probes the matches, instead
# of fetching each match's wide row by id (which costs more per row than a whole index scan).
SQLITE_SCAN_ABOVE = 8000


def _fts_matches(terms: list[str]):
    return select(_fts.c.rowid).where(_fts.c[FTS_TABLE].match(textfold.fts5_query(terms)))


def _text_clause(terms: list[str], dialect: str, many: bool = False):
    if dialect == "postgresql":
        return _pg_vector().op("@@")(_pg_query(terms))
    # "id + 0" keeps SQLite from using the primary key for the IN: it reads the covering index.
    target = (P.id + 0) if many else P.id
    return target.in_(_fts_matches(terms))


def _pg_vector():
    return literal_column(f"{PROFILES}.{PG_COLUMN}")


def _pg_query(terms: list[str]):
    return func.to_tsquery(literal_column("'simple'::regconfig"), textfold.tsquery(terms))


def _ci_equal(col, value: str):
    return func.lower(col) == value.lower()


def _group_clauses(
    criteria: SearchCriteria,
    industry_ids: list[int] | None,
    on: date,
    dialect: str,
    many_matches: bool = False,
) -> dict[str, Any]:
    """One clause per active filter group (AND between groups, OR inside a group)."""
    groups: dict[str, Any] = {}
    terms = criteria.terms
    if terms:
        groups["q"] = _text_clause(terms, dialect, many_matches)
    if industry_ids is not None:
        # A LIKE on the narrow index's "|3|7|" key: no join, no lookup of the wide rows.
        groups["industry"] = (
            or_(*(P.industry_key.contains(f"|{i}|") for i in industry_ids))
            if industry_ids
            else false()
        )
    if criteria.offers:
        groups["offer"] = or_(*(_OFFER_COLUMN[o] for o in criteria.offers))
    for name in LIST_FACETS:
        value = getattr(criteria, name)
        if value:
            groups[name] = _ci_equal(getattr(P, name), value)
    if criteria.remote:
        groups["remote"] = P.open_to_remote
    if criteria.class_year_min is not None or criteria.class_year_max is not None:
        low, high = criteria.class_year_min, criteria.class_year_max
        parts = []
        if low is not None:
            parts.append(P.class_year >= low)
        if high is not None:
            parts.append(P.class_year <= high)
        groups["class_year"] = and_(*parts)
    if criteria.accepting_now:
        groups["accepting"] = available_clause(on)
    return groups


def _except(groups: dict[str, Any], *names: str) -> list:
    return [clause for name, clause in groups.items() if name not in names]


def _count_when(conditions: list):
    if not conditions:
        return func.count()
    return func.count(case((and_(*conditions), 1)))


_PRIME = 4294967291  # the largest prime below 2**32: id * multiplier stays within 64 bits


def _tiebreak(seed: int):
    # A per-viewer, per-day shuffle among equally (un)asked alumni, stable within the day:
    # id -> (id * a + b) mod p is a different permutation for each multiplier a.
    multiplier = 1 + seed % (_PRIME - 1)
    offset = (seed * 2654435761) % _PRIME
    return (cast(P.id, BigInteger) * multiplier + offset) % _PRIME


def day_seed(viewer_id: int | None, on: date) -> int:
    """A deterministic seed for one viewer on one day."""
    return ((viewer_id or 0) * 1000003 + on.toordinal() * 7919) % _PRIME


def _criteria_key(criteria: SearchCriteria, industry_ids: list[int] | None) -> tuple:
    """The criteria as a hashable value; equal for searches that count the same alumni."""
    terms = criteria.terms
    return (
        tuple(terms[:-1]),
        terms[-1] if terms else "",
        None if industry_ids is None else tuple(sorted(set(industry_ids))),
        tuple(sorted(o.value for o in criteria.offers)),
        *(getattr(criteria, name).lower() for name in LIST_FACETS),
        criteria.remote,
        criteria.class_year_min,
        criteria.class_year_max,
        criteria.accepting_now,
    )


def _count(criteria: SearchCriteria, groups: dict, base, available, all_industries):
    """The total and every facet's counts: two grouped scans of the narrow indexes."""
    # One scan gives the total, the yes/no and offer counts and the four place/programme
    # facets: rows are grouped by (country, region, city, programme) and the equality filters
    # on those columns are applied here, each facet leaving out its own filter.
    scalar_groups = ("offer", "remote", "accepting")
    shared = _except(groups, *scalar_groups, *LIST_FACETS)
    columns = [_count_when([groups[g] for g in scalar_groups if g in groups]).label("n")]
    offer_others = [groups[g] for g in ("remote", "accepting") if g in groups]
    for offer in Offer:
        columns.append(_count_when([*offer_others, _OFFER_COLUMN[offer]]).label(offer.value))
    remote_others = [groups[g] for g in ("offer", "accepting") if g in groups]
    columns.append(_count_when([*remote_others, P.open_to_remote]).label("remote"))
    accepting_others = [groups[g] for g in ("offer", "remote") if g in groups]
    columns.append(_count_when([*accepting_others, available]).label("accepting"))
    keys = [getattr(P, name) for name in LIST_FACETS]
    grouped = db.session.execute(select(*keys, *columns).where(base, *shared).group_by(*keys)).all()
    wanted = {
        name: getattr(criteria, name).lower() for name in LIST_FACETS if getattr(criteria, name)
    }

    def matches(row, leave_out: str | None = None) -> bool:
        return all(
            (getattr(row, name) or "").lower() == value
            for name, value in wanted.items()
            if name != leave_out
        )

    selected = [row for row in grouped if matches(row)]
    total = sum(row.n for row in selected)
    facets: dict[str, dict[str, int]] = {
        "offer": {o.value: sum(getattr(r, o.value) for r in selected) for o in Offer},
        "remote": {"yes": sum(r.remote for r in selected)},
        "accepting": {"yes": sum(r.accepting for r in selected)},
    }
    for name in LIST_FACETS:
        counts: dict[str, int] = {}
        for row in grouped:
            value = getattr(row, name)
            if value and row.n and matches(row, leave_out=name):
                counts[value] = counts.get(value, 0) + row.n
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        facets[name] = dict(ranked[:LIST_FACET_LIMIT])

    # Grouped by the profile's whole set of industries (a few thousand combinations at most),
    # over the second narrow index, which is sorted by that key; each combination's count is
    # then added to each of its industries.
    id_to_slug = {str(i.id): i.slug for i in all_industries}
    key_rows = db.session.execute(
        select(P.industry_key, func.count())
        .where(base, *_except(groups, "industry"))
        .group_by(P.industry_key)
    ).all()
    industry_counts: dict[str, int] = {}
    for key, n in key_rows:
        for part in (key or "").split("|"):
            slug = id_to_slug.get(part)
            if slug is not None:
                industry_counts[slug] = industry_counts.get(slug, 0) + int(n)
    facets["industry"] = industry_counts
    return total, facets


def search_mentors(
    criteria: SearchCriteria | None = None,
    viewer=None,
    page: int = 1,
    per_page: int = 20,
    *,
    on: date | None = None,
) -> SearchResult:
    """Search the directory: a page of visible profiles, the total and facet counts."""
    criteria = criteria or SearchCriteria()
    on = on or today()
    dialect = db.session.get_bind().dialect.name
    per_page = bounded_per_page(per_page, maximum=MAX_PER_PAGE)
    notices: list[str] = []

    all_industries = list(db.session.scalars(select(Industry).order_by(Industry.name)))
    by_slug = {i.slug: i for i in all_industries}
    industry_ids: list[int] | None = None
    if criteria.industries:
        industry_ids = []
        for slug in criteria.industries:
            if slug in by_slug:
                industry_ids.append(by_slug[slug].id)
            else:
                notices.append(f"There is no industry called “{slug}”; it was left out.")
        if not industry_ids:
            industry_ids = None
    base = visible_clause()
    available = available_clause(on)

    key = None
    if facet_cache.is_enabled():
        version = directory_version()
        if version is not None:
            key = facet_cache.counts_key(version, on, _criteria_key(criteria, industry_ids))
    cached = facet_cache.get_counts(key) if key is not None else None
    if cached is not None:
        total, facets = cached
        groups = _group_clauses(criteria, industry_ids, on, dialect)
    else:
        many_matches = False
        if criteria.terms and dialect == "sqlite":
            matches = db.session.scalar(
                select(func.count()).select_from(_fts_matches(criteria.terms).subquery())
            )
            many_matches = (matches or 0) > SQLITE_SCAN_ABOVE
        groups = _group_clauses(criteria, industry_ids, on, dialect, many_matches)
        total, facets = _count(criteria, groups, base, available, all_industries)
        if key is not None:
            facet_cache.put_counts(key, total, facets)
    facets = {name: dict(counts) for name, counts in facets.items()}

    # Past the last page, the directory shows the last page and says so.
    pages = Page(page=1, per_page=per_page, total=total).pages
    page = page_number(page)
    if page > pages:
        if total:
            notices.append(f"There are only {pages} page{'s' if pages != 1 else ''} of results.")
        page = pages

    # The page's ids are sorted over the narrow index; only those rows are then loaded whole.
    unavailable_last = case((available, 0), else_=1)
    stmt = select(P.id).where(base, *groups.values())
    terms = criteria.terms
    if terms and dialect == "sqlite":
        match = _fts.c[FTS_TABLE].match(textfold.fts5_query(terms))
        stmt = (
            select(P.id)
            .join(_fts, _fts.c.rowid == P.id)
            .where(match, base, *_except(groups, "q"))
            .order_by(unavailable_last, _fts.c.rank, P.id)
        )
    elif terms:
        stmt = stmt.order_by(
            unavailable_last, func.ts_rank(_pg_vector(), _pg_query(terms)).desc(), P.id
        )
    else:
        viewer_id = getattr(viewer, "id", None)
        stmt = stmt.order_by(
            unavailable_last,
            P.last_requested_at.asc().nulls_first(),
            _tiebreak(day_seed(viewer_id, on)),
            P.id,
        )
    ids = paginate(stmt, page, per_page, total=total).items
    loaded = (
        db.session.scalars(
            select(P).where(P.id.in_(ids)).options(joinedload(P.user), selectinload(P.industries))
        )
        if ids
        else ()
    )
    by_id = {profile.id: profile for profile in loaded}
    return SearchResult(
        items=[by_id[i] for i in ids if i in by_id],
        total=total,
        page=page,
        per_page=per_page,
        facets=facets,
        criteria=criteria,
        industries=[i for i in all_industries if i.active or i.slug in criteria.industries],
        notices=notices,
    )


def offer_choices() -> list[tuple[str, str]]:
    """(value, label) for every offer."""
    return [(o.value, OFFER_LABELS[o]) for o in Offer]


__all__ = [
    "SearchCriteria",
    "SearchResult",
    "parse_criteria",
    "search_mentors",
    "visible_clause",
    "available_clause",
]
