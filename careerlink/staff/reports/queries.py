"""The five reports: each one a few queries over the filtered requests.

They read what the database keeps for them: per-month counts and each industry's supply
(careerlink/connections/counts.py, careerlink/mentors/supply.py), and integer columns on each
request (careerlink/connections/durations.py, careerlink/connections/outcome_marks.py), read
through `int_columns`.

Every report returns a `Report`: the table (header and rows, also the CSV) and the chart's
series. Nothing here reads the request; the views parse the filters.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, pgettext
from sqlalchemy import BigInteger, Text, cast, func, literal_column, or_, select

from careerlink.accounts.models import User
from careerlink.connections.machine import ANSWERED_STATES
from careerlink.connections.models import (
    ConnectionRequest,
    Outcome,
    RequestCount,
    RequestKind,
    RequestState,
)
from careerlink.connections.outcome_marks import BITS as OUTCOME_BITS
from careerlink.extensions import db
from careerlink.i18n import format_number, office_zone
from careerlink.mentors.models import Industry, MentorProfile, StudentProfile
from careerlink.mentors.supply import IndustrySupply
from careerlink.staff.reports.filters import ReportFilters, request_conditions

R = ConnectionRequest
S = RequestState


@dataclass
class Report:
    """A report's figures: the table (and CSV) and the chart's series."""

    slug: str
    title: str
    description: str
    header: list[str]
    rows: list[list]
    chart_kind: str = "bar"  # bar, stacked, line
    x_labels: list[str] = field(default_factory=list)
    series: list[tuple[str, list[float | None]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra_tables: list[tuple[str, list[str], list[list]]] = field(default_factory=list)


# --- the funnel ---------------------------------------------------------------------------------

ACCEPTED = (
    S.INTRODUCED,
    S.SCHEDULED,
    S.REVIEWED,
    S.REFERRAL_ACCEPTED,
    S.REFERRED,
    S.COMPLETED,
    S.CANCELLED,
)
KIND_TITLES = {
    RequestKind.INTRODUCTION: _l("Introductions"),
    RequestKind.SHADOWING: _l("Shadowing days"),
    RequestKind.INFORMATIONAL_INTERVIEW: _l("Informational interviews"),
    RequestKind.RESUME_REVIEW: _l("Résumé reviews"),
    RequestKind.REFERRAL: _l("Referrals"),
}


# --- requests counted by kind, state, relay and industry -----------------------------------------

CountKey = tuple[str, str, bool, int | None]  # kind, state, relayed, industry_id


def _utc_month_on_or_after(moment: datetime) -> datetime:
    """The first UTC month start at or after `moment` (a UTC time)."""
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start == moment:
        return start
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _scan_counts(conditions: list, into: dict[CountKey, int]) -> None:
    """Add the requests matching `conditions`, counted from the requests themselves."""
    relayed = R.relayed_at.is_not(None)
    stmt = (
        select(R.kind, R.state, relayed, R.industry_id, func.count())
        .where(*conditions)
        .group_by(R.kind, R.state, relayed, R.industry_id)
    )
    for kind, state, was_relayed, industry_id, n in db.session.execute(stmt):
        into[(kind, state, bool(was_relayed), industry_id)] += n


def request_counts(filters: ReportFilters) -> dict[CountKey, int]:
    """How many of the filtered requests there are per kind, state, relay and industry.

    The range is the office's days (`filters.since` to `filters.until`, UTC times). The whole
    UTC months inside it are read from the per-month counts the triggers keep
    (careerlink/connections/counts.py, by UTC month, so a change of the office's zone changes
    nothing stored); the hours before the first and after the last whole UTC month are counted
    from the requests (the report index). The programme and class-year filters are the
    students' profiles today, which the counts do not hold: those count every request in the
    range.
    """
    found: dict[CountKey, int] = defaultdict(int)
    if filters.programme or filters.class_year is not None:
        _scan_counts(request_conditions(filters), found)
        return found
    industry = [] if filters.industry is None else [R.industry_id == filters.industry.id]
    since, until = filters.since, filters.until
    first_whole = _utc_month_on_or_after(since)
    past_whole = until.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first_whole >= past_whole:  # no whole UTC month in the range
        _scan_counts(request_conditions(filters), found)
        return found
    for begin, end in ((since, first_whole), (past_whole, until)):
        if begin < end:
            _scan_counts([R.created_at >= begin, R.created_at < end, *industry], found)
    C = RequestCount
    stmt = (
        select(C.kind, C.state, C.relayed, C.industry_id, func.sum(C.n))
        .where(C.month >= first_whole.date(), C.month < past_whole.date())
        .group_by(C.kind, C.state, C.relayed, C.industry_id)
    )
    if filters.industry is not None:
        stmt = stmt.where(C.industry_id == filters.industry.id)
    for kind, state, was_relayed, industry_id, n in db.session.execute(stmt):
        found[(kind, state, bool(was_relayed), industry_id or None)] += int(n)
    return found


def funnel(filters: ReportFilters) -> Report:
    """Asked → approved and relayed → accepted → completed, with the losses at each step."""
    rows = defaultdict(int)
    for (kind, state, was_relayed, _industry), n in request_counts(filters).items():
        rows[(kind, state, was_relayed)] += n
    steps = {kind: defaultdict(int) for kind in RequestKind}
    for (kind, state, was_relayed), count in rows.items():
        c = steps[RequestKind(kind)]
        c["asked"] += count
        if was_relayed:
            c["relayed"] += count
        if state in ACCEPTED:
            c["accepted"] += count
        if state == S.COMPLETED:
            c["completed"] += count
        if state == S.WITHDRAWN:
            c["withdrawn before relay" if not was_relayed else "withdrawn after relay"] += count
        elif state in (
            S.DECLINED_BY_STAFF,
            S.ALUMNUS_LEFT,
            S.DECLINED_BY_ALUMNUS,
            S.EXPIRED,
            S.CANCELLED,
        ):
            c[S(state).value] += count
        elif state in (S.SUBMITTED, S.NEEDS_INFO):
            c["waiting for staff"] += count
        elif state == S.RELAYED:
            c["waiting for the alumnus"] += count
    columns = [
        (_("Asked"), "asked"),
        (_("Approved and relayed"), "relayed"),
        (_("Accepted"), "accepted"),
        (_("Completed"), "completed"),
        (_("Waiting for staff"), "waiting for staff"),
        (_("Declined by staff"), "declined_by_staff"),
        (_("Withdrawn before relay"), "withdrawn before relay"),
        # Closed by the system: the alumnus deleted their account before it was relayed.
        (_("Closed: the alumnus left"), "alumnus_left"),
        (_("Waiting for the alumnus"), "waiting for the alumnus"),
        (pgettext("report column", "Declined by the alumnus"), "declined_by_alumnus"),
        (_("Expired"), "expired"),
        (_("Withdrawn after relay"), "withdrawn after relay"),
        (_("Cancelled"), "cancelled"),
    ]
    table = [
        [str(KIND_TITLES[kind]), *(steps[kind][key] for _label, key in columns)]
        for kind in RequestKind
    ]
    return Report(
        slug="funnel",
        title=_("The funnel"),
        description=_(
            "How far the requests went: asked, approved by staff (approval relays the request to "
            "the alumnus at once), accepted, completed; and where the others stopped."
        )
        + " "
        + filters.describe(),
        header=[_("Kind"), *(label for label, _key in columns)],
        rows=table,
        chart_kind="bar",
        x_labels=[label for label, _key in columns[:4]],
        series=[
            (str(KIND_TITLES[kind]), [steps[kind][key] for _label, key in columns[:4]])
            for kind in RequestKind
        ],
    )


# --- supply and demand per industry -------------------------------------------------------------

UNMET = (S.DECLINED_BY_ALUMNUS, S.EXPIRED)


def supply_demand(filters: ReportFilters) -> Report:
    """Per industry: listed alumni, their monthly capacity, requests and unmet demand."""
    # Kept per industry by triggers on the profiles (careerlink/mentors/supply.py).
    supply_stmt = select(IndustrySupply.industry_id, IndustrySupply.listed, IndustrySupply.capacity)
    if filters.industry is not None:
        supply_stmt = supply_stmt.where(IndustrySupply.industry_id == filters.industry.id)
    supply = {i: (n, int(cap)) for i, n, cap in db.session.execute(supply_stmt)}
    # Per industry stored on the request (made then, moved by merges), not the alumni's
    # profiles today: a deleted alumnus's requests still count where they were made.
    unmet_states = {s.value for s in UNMET}
    demand: dict[int, tuple[int, int]] = {}
    for (_kind, state, _relayed, industry_id), n in request_counts(filters).items():
        if industry_id is None:
            continue
        asked, unmet = demand.get(industry_id, (0, 0))
        demand[industry_id] = (asked + n, unmet + (n if state in unmet_states else 0))
    industries = db.session.scalars(select(Industry).order_by(Industry.name)).all()
    rows = []
    for industry in industries:
        if filters.industry is not None and industry.id != filters.industry.id:
            continue
        listed, capacity = supply.get(industry.id, (0, 0))
        asked, unmet = demand.get(industry.id, (0, 0))
        if not (listed or asked) and not industry.active:
            continue
        rows.append([industry.label, listed, capacity, asked, unmet])
    return Report(
        slug="supply",
        title=_("Supply and demand per industry"),
        description=_(
            "For each industry: the alumni listed in the directory today and how many requests "
            "a month they can take, then the requests made to them, and the unmet demand among "
            "them (declined by the alumnus or expired without an answer)."
        )
        + " "
        + filters.describe(),
        header=[
            _("Industry"),
            _("Listed alumni"),
            _("Monthly capacity"),
            _("Requests"),
            _("Unmet demand"),
        ],
        rows=rows,
        chart_kind="bar",
        x_labels=[r[0] for r in rows],
        series=[
            (_("Monthly capacity"), [r[2] for r in rows]),
            (_("Requests"), [r[3] for r in rows]),
            (_("Unmet demand"), [r[4] for r in rows]),
        ],
        notes=[
            _(
                "A request counts under the industry its alumnus was listed in when it was made "
                "(the first by name when several), even after the alumnus leaves; a merge of two "
                "industries moves it to the one kept."
            ),
            _(
                "The listed alumni and their capacity are today's; the date filters apply to the "
                "requests only, and the programme and class year filters to the requests only."
            ),
        ],
    )


# --- speed --------------------------------------------------------------------------------------


def int_columns(columns: list, conditions: list, *, nulls: int | None = -1) -> list[np.ndarray]:
    """The integer `columns` of the requests matching `conditions`, one NumPy array each.

    A NULL is `nulls` (row i of every array is then the same request), or is left out when
    `nulls` is None. Each column comes back as one comma-separated text (SQLite's
    group_concat, PostgreSQL's string_agg) that NumPy parses in C: a hundred thousand rows as
    Python tuples took longer than the query.
    """
    if nulls is not None:
        columns = [func.coalesce(c, nulls) for c in columns]
    if db.session.get_bind().dialect.name == "postgresql":
        parts = [func.string_agg(cast(c, Text), literal_column("','")) for c in columns]
    else:
        parts = [func.group_concat(c) for c in columns]
    texts = db.session.execute(select(*parts).select_from(R).where(*conditions)).one()
    return [
        np.fromstring(t, dtype=np.int64, sep=",") if t else np.zeros(0, np.int64) for t in texts
    ]


def percentile(sorted_values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (linear interpolation, as NumPy's)."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass
class Spread:
    """One month's durations: how many, the median and the 90th percentile (seconds)."""

    count: int
    median: float
    p90: float


# A minute (or a month's position) * MONTH_KEY + seconds: one integer sorts by the first,
# then by the duration.
MONTH_KEY = 10**10


def _office_months(minutes: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The office-zone month (its position, and every month's YYYY-MM label from the first to
    the last) of each stamp, given in minutes since 1970 UTC (durations.py)."""
    zone = office_zone()
    first = datetime.fromtimestamp(int(minutes.min()) * 60, zone).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0, fold=0
    )
    last = datetime.fromtimestamp(int(minutes.max()) * 60, zone)
    labels, starts = [], []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        labels.append(f"{year:04d}-{month:02d}")
        starts.append(int(datetime(year, month, 1, tzinfo=zone).timestamp()) // 60)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return np.searchsorted(np.array(starts, np.int64), minutes, side="right") - 1, labels


def _spreads(keys: np.ndarray) -> dict[str, Spread]:
    """Per office-zone month: the count, median and 90th percentile of the durations, from
    each duration's key (the minute it ended, since 1970 UTC, times MONTH_KEY plus its
    seconds).

    Exact percentiles (linear interpolation, as PostgreSQL's percentile_cont and NumPy's)
    over every duration: one sort of the keys, by month then duration.
    """
    if not len(keys):
        return {}
    minutes, seconds = np.divmod(keys, MONTH_KEY)
    positions, labels = _office_months(minutes)
    keys = np.sort(positions * MONTH_KEY + seconds)
    months, seconds = np.divmod(keys, MONTH_KEY)
    spreads = {}
    found, starts, counts = np.unique(months, return_index=True, return_counts=True)
    for month, start, n in zip(found, starts, counts, strict=True):
        chunk = seconds[start : start + n]
        spreads[labels[month]] = Spread(
            int(n), percentile_sorted(chunk, 0.5), percentile_sorted(chunk, 0.9)
        )
    return spreads


def percentile_sorted(values, share: float) -> float:
    """`percentile` of an already sorted NumPy array."""
    position = (len(values) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return float(values[low] + (values[high] - values[low]) * (position - low))


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value / 3600.0, 1)


def speed(filters: ReportFilters) -> Report:
    """Per month: median and 90th percentile of the staff's review time and the alumni's answer."""
    # The durations the triggers keep on each request (careerlink/connections/durations.py),
    # read from their covering index.
    review_keys, answer_keys = int_columns(
        [
            cast(R.review_minute, BigInteger) * MONTH_KEY + R.review_seconds,
            cast(R.answer_minute, BigInteger) * MONTH_KEY + R.answer_seconds,
        ],
        request_conditions(filters),
        nulls=None,
    )
    review = _spreads(review_keys)
    answer = _spreads(answer_keys)
    months = sorted(set(review) | set(answer))
    rows = []
    for month in months:
        r, a = review.get(month), answer.get(month)
        rows.append(
            [
                month,
                r.count if r else 0,
                _hours(r.median) if r else None,
                _hours(r.p90) if r else None,
                a.count if a else 0,
                _hours(a.median) if a else None,
                _hours(a.p90) if a else None,
            ]
        )
    return Report(
        slug="speed",
        title=_("Speed"),
        description=_(
            "Per month (of the review or the answer, in the office's time zone), the median "
            "and the 90th percentile of the time staff took to review a request and of the "
            "time alumni took to answer a relayed one, in hours."
        )
        + " "
        + filters.describe(),
        header=[
            _("Month"),
            _("Reviews"),
            _("Review median (h)"),
            _("Review 90th percentile (h)"),
            _("Answers"),
            _("Answer median (h)"),
            _("Answer 90th percentile (h)"),
        ],
        rows=rows,
        chart_kind="line",
        x_labels=months,
        series=[
            (_("Review median (h)"), [r[2] for r in rows]),
            (_("Review 90th percentile (h)"), [r[3] for r in rows]),
            (_("Answer median (h)"), [r[5] for r in rows]),
            (_("Answer 90th percentile (h)"), [r[6] for r in rows]),
        ],
    )


# --- alumni responsiveness ----------------------------------------------------------------------

RATE_BUCKETS = ["0–19%", "20–39%", "40–59%", "60–79%", "80–100%"]
LIST_LIMIT = 200


@dataclass
class AlumnusRow:
    """One alumnus's answers to the requests relayed to them."""

    user_id: int
    relayed: int
    answered: int
    expired: int
    name: str = ""

    @property
    def rate(self) -> float:
        """Answered share of the relayed requests."""
        return self.answered / self.relayed if self.relayed else 0.0


def _alumni_keys(filters: ReportFilters) -> np.ndarray:
    """alumnus * 4 + relay_answer of every filtered relayed request (relay_answer: 1
    answered, 2 expired without an answer, 0 neither; careerlink/connections/durations.py),
    read from the relayed requests' narrow index (`ix_careerlink_requests_answers`)."""
    [keys] = int_columns(
        [R.alumnus_id * 4 + R.relay_answer],
        [R.relay_answer.is_not(None), *request_conditions(filters)],
        nulls=None,
    )
    return keys


@dataclass
class AlumniArrays:
    """Every alumnus with a request relayed to them among the filtered ones, as four NumPy
    columns (user id, relayed, answered, expired), by user id."""

    user_id: np.ndarray
    relayed: np.ndarray
    answered: np.ndarray
    expired: np.ndarray

    def rows(self, positions) -> list[AlumnusRow]:
        """The rows at these positions, as AlumnusRow."""
        return [
            AlumnusRow(
                int(self.user_id[i]),
                int(self.relayed[i]),
                int(self.answered[i]),
                int(self.expired[i]),
            )
            for i in positions
        ]

    def most_relayed_first(self, mask) -> np.ndarray:
        """Positions where `mask` holds, the most relayed first (then by user id)."""
        (positions,) = np.nonzero(mask)
        order = np.lexsort((self.user_id[positions], -self.relayed[positions]))
        return positions[order]


def alumni_arrays(filters: ReportFilters) -> AlumniArrays:
    """Each alumnus's relayed, answered and expired requests among the filtered ones.

    Counted by NumPy from one narrow read of the requests' kept answer class (an expired
    request the alumnus had answered is a time they proposed that the student let lapse:
    answered, not expired): a GROUP BY per alumnus over the report index's wide rows sorted
    tens of thousands of groups, and a Python object per alumnus took longer still.
    """
    keys = _alumni_keys(filters)
    alumni, answer = keys >> 2, keys & 3
    if len(alumni) and alumni.max() <= 4 * len(alumni) + 1_000_000:
        # Counted straight by user id (no sort): ids are dense enough for one array.
        size = int(alumni.max()) + 1
        relayed = np.bincount(alumni, minlength=size)
        (user_id,) = np.nonzero(relayed)
        return AlumniArrays(
            user_id,
            relayed[user_id],
            np.bincount(alumni[answer == 1], minlength=size)[user_id],
            np.bincount(alumni[answer == 2], minlength=size)[user_id],
        )
    user_id, position = np.unique(alumni, return_inverse=True)
    size = len(user_id)
    return AlumniArrays(
        user_id,
        np.bincount(position, minlength=size),
        np.bincount(position[answer == 1], minlength=size),
        np.bincount(position[answer == 2], minlength=size),
    )


def alumni_rows(filters: ReportFilters) -> list[AlumnusRow]:
    """`alumni_arrays` as AlumnusRow objects (no names yet), by user id."""
    arrays = alumni_arrays(filters)
    return arrays.rows(range(len(arrays.user_id)))


CHUNK = 5000  # ids per IN list: PostgreSQL takes at most 65,535 parameters in one query


def _named(rows: list[AlumnusRow]) -> list[AlumnusRow]:
    """The rows with their alumni's names (one query per CHUNK alumni)."""
    names: dict[int, str] = {}
    ids = [r.user_id for r in rows]
    for start in range(0, len(ids), CHUNK):
        names.update(
            db.session.execute(
                select(User.id, User.display_name).where(User.id.in_(ids[start : start + CHUNK]))
            ).all()
        )
    for row in rows:
        row.name = names.get(row.user_id, "")
    return rows


def _paused_for_expiries(rows: list[AlumnusRow] | AlumniArrays) -> set[int]:
    """Of these alumni, those not accepting requests whose last answered-or-expired request
    expired: the clock paused them (an alumnus who paused themselves had answered)."""
    not_accepting = set(
        db.session.scalars(
            select(MentorProfile.user_id).where(MentorProfile.accepting_requests.is_(False))
        )
    )
    if isinstance(rows, AlumniArrays):
        with_expiries = rows.user_id[rows.expired > 0].tolist()
    else:
        with_expiries = [r.user_id for r in rows if r.expired]
    user_ids = [uid for uid in with_expiries if uid in not_accepting]
    if not user_ids:
        return set()
    closed = R.state.in_([S.EXPIRED.value, *(s.value for s in ANSWERED_STATES)])
    paused: set[int] = set()
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        latest = (
            select(R.alumnus_id, func.max(R.relayed_at).label("last"))
            .where(R.alumnus_id.in_(chunk), closed)
            .group_by(R.alumnus_id)
            .subquery()
        )
        stmt = (
            select(R.alumnus_id)
            .join(latest, (latest.c.alumnus_id == R.alumnus_id) & (latest.c.last == R.relayed_at))
            .where(R.state == S.EXPIRED.value, R.answered_at.is_(None))
        )
        paused.update(db.session.scalars(stmt))
    return paused


def responsiveness(filters: ReportFilters) -> Report:
    """Response rate per alumnus, the silent ones and those paused for letting requests expire."""
    alumni = alumni_arrays(filters)
    # The same float arithmetic as AlumnusRow.rate and int(): the same bucket for each alumnus.
    rates = (alumni.answered / alumni.relayed) * 100 if len(alumni.user_id) else alumni.relayed
    per_bucket = np.bincount(np.minimum(rates.astype(np.int64) // 20, 4), minlength=5)
    buckets = [int(n) for n in per_bucket[: len(RATE_BUCKETS)]]
    silent_positions = alumni.most_relayed_first(alumni.answered == 0)
    paused_ids = _paused_for_expiries(alumni)
    paused_positions = alumni.most_relayed_first(
        np.isin(alumni.user_id, np.fromiter(paused_ids, np.int64, len(paused_ids)))
    )
    silent = alumni.rows(silent_positions[:LIST_LIMIT])
    paused = alumni.rows(paused_positions[:LIST_LIMIT])
    _named(silent + paused)  # the rows shown get their names
    answered = int(alumni.answered.sum())
    relayed = int(alumni.relayed.sum())
    overall = f"{answered / relayed:.0%}" if relayed else None
    counted = len(alumni.user_id)
    silent_count, paused_count = len(silent_positions), len(paused_positions)

    def listing(rows: list[AlumnusRow]) -> list[list]:
        return [
            [a.name, a.relayed, a.answered, a.expired, f"{a.rate:.0%}"] for a in rows[:LIST_LIMIT]
        ]

    header = [_("Alumnus"), _("Relayed"), _("Answered"), _("Expired"), _("Response rate")]
    if overall is None:
        shares = ngettext(
            "How many alumni answered what share of the requests relayed to them (%(num)s "
            "alumnus; no requests relayed).",
            "How many alumni answered what share of the requests relayed to them (%(num)s "
            "alumni; no requests relayed).",
            counted,
        )
    else:
        shares = ngettext(
            "How many alumni answered what share of the requests relayed to them (%(num)s "
            "alumnus; overall response rate %(rate)s).",
            "How many alumni answered what share of the requests relayed to them (%(num)s "
            "alumni; overall response rate %(rate)s).",
            counted,
            rate=overall,
        )
    return Report(
        slug="responsiveness",
        title=_("Alumni responsiveness"),
        description=shares + " " + filters.describe(),
        header=[_("Response rate"), _("Alumni")],
        rows=[[label, n] for label, n in zip(RATE_BUCKETS, buckets, strict=True)],
        chart_kind="bar",
        x_labels=RATE_BUCKETS,
        series=[(_("Alumni"), buckets)],
        extra_tables=[
            (
                _("Silent alumni: no answer at all (%(num)s)", num=format_number(silent_count)),
                header,
                listing(silent),
            ),
            (
                _(
                    "Paused after letting requests expire (%(num)s)",
                    num=format_number(paused_count),
                ),
                header,
                listing(paused),
            ),
        ],
        notes=[
            _(
                "Each list shows at most %(num)d alumni, those sent the most requests first; "
                "the CSV has every alumnus.",
                num=LIST_LIMIT,
            )
        ],
    )


CSV_BATCH = 2000  # names read from the database at a time while the CSV streams


def responsiveness_csv(filters: ReportFilters) -> tuple[list[str], Iterator[list]]:
    """Every alumnus's row (the CSV download of the responsiveness report), by name then id:
    the header, and the rows as an iterator that reads the names as it goes.

    The counts are NumPy arrays (one number per alumnus); the names are read in name order
    from the database (byte order: SQLite's BINARY, PostgreSQL's "C", so both give Python's
    order) a batch at a time and each row is made as its name arrives: nothing holds every
    row, and a streamed download starts before the last name is read.
    """
    header = [
        _("Alumnus"),
        _("Relayed"),
        _("Answered"),
        _("Expired"),
        _("Response rate"),
        _("Silent"),
        _("Paused for expiries"),
    ]
    return header, _responsiveness_rows(filters)


def _responsiveness_rows(filters: ReportFilters) -> Iterator[list]:
    alumni = alumni_arrays(filters)
    if not len(alumni.user_id):
        return
    paused = _paused_for_expiries(alumni)
    position = {uid: i for i, uid in enumerate(alumni.user_id.tolist())}
    relayed = alumni.relayed.tolist()
    answered = alumni.answered.tolist()
    expired = alumni.expired.tolist()
    rates: dict[tuple[int, int], str] = {}  # few distinct pairs: each formatted once
    yes, no = _("yes"), _("no")

    def rate(a: int, n: int) -> str:
        if (a, n) not in rates:
            rates[(a, n)] = f"{a / n:.2f}"  # the same float as AlumnusRow.rate
        return rates[(a, n)]

    name = User.display_name
    if db.session.get_bind().dialect.name == "postgresql":
        name = name.collate("C")
    stmt = select(User.id, User.display_name).order_by(name, User.id)
    # A few alumni: their names by id. Many: every user's name in one sequential read, the
    # others skipped (looking tens of thousands up by id took several times longer).
    if len(position) <= CHUNK:
        stmt = stmt.where(User.id.in_(list(position)))
    # Options on the statement, not the session's connection (which would keep them: every
    # later statement of the session would then open a server-side cursor on PostgreSQL).
    result = db.session.connection().execute(
        stmt.execution_options(stream_results=True, max_row_buffer=CSV_BATCH)
    )
    try:
        for batch in result.partitions(CSV_BATCH):
            for uid, display_name in batch:
                i = position.pop(uid, None)
                if i is None:
                    continue
                n, a = relayed[i], answered[i]
                yield [
                    display_name,
                    n,
                    a,
                    expired[i],
                    rate(a, n),
                    yes if a == 0 else no,
                    yes if uid in paused else no,
                ]
    finally:
        result.close()
    # An alumnus without a user row (none today: the foreign key) still counts, unnamed.
    for uid, i in sorted(position.items()):
        n, a = relayed[i], answered[i]
        yield [
            "",
            n,
            a,
            expired[i],
            rate(a, n),
            yes if a == 0 else no,
            yes if uid in paused else no,
        ]


# --- outcomes -----------------------------------------------------------------------------------


def outcomes(filters: ReportFilters) -> Report:
    """Outcomes students reported (by industry and by programme) and the feedback ratings."""
    # Each request's outcomes and ratings as the triggers keep them on it (outcome_marks.py),
    # read from the requests' narrow index; only the requests with outcomes are joined to
    # their student's programme (today's).
    conditions = request_conditions(filters)
    marked = or_(
        R.outcome_bits.is_not(None), R.student_rating.is_not(None), R.alumnus_rating.is_not(None)
    )
    industry_ids, bits, by_student, by_alumnus = int_columns(
        [R.industry_id, R.outcome_bits, R.student_rating, R.alumnus_rating], [marked, *conditions]
    )
    # Each industry by its name in the reader's language (two may share one: counts add up).
    names = {i.id: i.label for i in db.session.scalars(select(Industry))}
    by_industry: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, bit in OUTCOME_BITS.items():
        # An outcome counts under its request's industry (none: not in this table).
        found, counts = np.unique(industry_ids[(bits & bit) != 0], return_counts=True)
        for industry_id, n in zip(found.tolist(), counts.tolist(), strict=True):
            if industry_id in names:
                by_industry[names[industry_id]][kind] += n
    ratings = {
        (side, score): int(np.count_nonzero(scores == score))
        for side, scores in (("student", by_student), ("alumnus", by_alumnus))
        for score in range(1, 6)
    }
    by_programme: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    programme = func.coalesce(func.nullif(StudentProfile.programme, ""), _("(not given)"))
    stmt = (
        select(programme, R.outcome_bits, func.count())
        .select_from(R)
        .outerjoin(StudentProfile, StudentProfile.user_id == R.student_id)
        .where(R.outcome_bits.is_not(None), *conditions)
        .group_by(programme, R.outcome_bits)
    )
    for group, group_bits, count in db.session.execute(stmt):
        for kind, bit in OUTCOME_BITS.items():
            if group_bits & bit:
                by_programme[group][kind] += count
    kinds = list(Outcome)
    # The chart counts each outcome once (by programme: each request has one student).
    chart_totals = [sum(by_programme[p][k.value] for p in by_programme) for k in kinds]
    header = [_("Industry"), *(str(k.label) for k in kinds)]
    rows = [[name, *(by_industry[name][k.value] for k in kinds)] for name in sorted(by_industry)]
    programme_rows = [
        [name, *(by_programme[name][k.value] for k in kinds)] for name in sorted(by_programme)
    ]
    rating_rows = [
        [
            _("%(score)d of 5", score=score),
            ratings.get(("student", score), 0),
            ratings.get(("alumnus", score), 0),
        ]
        for score in range(5, 0, -1)
    ]
    return Report(
        slug="outcomes",
        title=_("Outcomes and feedback"),
        description=_(
            "What the students reported came of the requests (informational interviews, job "
            "interviews, internships, job offers) by the alumnus's industry and by the "
            "student's programme, and how useful each side rated the meeting."
        )
        + " "
        + filters.describe(),
        header=header,
        rows=rows,
        chart_kind="bar",
        x_labels=[str(k.label) for k in kinds],
        series=[(_("Outcomes reported"), chart_totals)],
        extra_tables=[
            (
                _("By the student's programme"),
                [_("Programme"), *(str(k.label) for k in kinds)],
                programme_rows,
            ),
            (
                _("Feedback ratings (usefulness)"),
                [_("Rating"), _("By students"), _("By alumni")],
                rating_rows,
            ),
        ],
        notes=[
            _(
                "An outcome counts under the industry its request was made in (the alumnus's, "
                "the first by name when several)."
            )
        ],
    )


REPORTS = {
    "funnel": funnel,
    "supply": supply_demand,
    "speed": speed,
    "responsiveness": responsiveness,
    "outcomes": outcomes,
}
# Lazy: read in the current language wherever they are shown.
TITLES = {
    "funnel": _l("The funnel"),
    "supply": _l("Supply and demand per industry"),
    "speed": _l("Speed"),
    "responsiveness": _l("Alumni responsiveness"),
    "outcomes": _l("Outcomes and feedback"),
}


def csv_table(slug: str, filters: ReportFilters) -> tuple[list[str], list[list]]:
    """The header and rows of a report's CSV download (responsiveness: `responsiveness_csv`,
    streamed)."""
    if slug == "responsiveness":
        return responsiveness_csv(filters)
    report = REPORTS[slug](filters)
    header, rows = list(report.header), [list(r) for r in report.rows]
    for title, extra_header, extra_rows in report.extra_tables:
        rows.append([])
        rows.append([str(title)])
        rows.append(list(extra_header))
        rows.extend(list(r) for r in extra_rows)
    return header, rows
