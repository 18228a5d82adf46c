"""The five reports: each one a few GROUP BY queries over the filtered requests.

Every report returns a `Report`: the table (header and rows, also the CSV) and the chart's
series. Nothing here reads the request; the views parse the filters.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, func, literal_column, select

from careerlink.accounts.models import User
from careerlink.connections.machine import ANSWERED_STATES
from careerlink.connections.models import (
    ConnectionRequest,
    Outcome,
    RequestCount,
    RequestFeedback,
    RequestKind,
    RequestOutcome,
    RequestState,
)
from careerlink.extensions import db
from careerlink.i18n import format_number
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


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


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

    The whole months of the range are read from the per-month counts the triggers keep
    (careerlink/connections/counts.py); the days before the first and after the last whole
    month are counted from the requests (the report index). The programme and class-year
    filters are the students' profiles today, which the counts do not hold: those count
    every request in the range.
    """
    found: dict[CountKey, int] = defaultdict(int)
    if filters.programme or filters.class_year is not None:
        _scan_counts(request_conditions(filters), found)
        return found
    industry = [] if filters.industry is None else [R.industry_id == filters.industry.id]
    after = filters.end + timedelta(days=1)
    first_whole = filters.start if filters.start.day == 1 else _next_month(filters.start)
    past_whole = after.replace(day=1)
    if first_whole >= past_whole:  # no whole month in the range
        _scan_counts(request_conditions(filters), found)
        return found
    for begin, end in ((filters.start, first_whole), (past_whole, after)):
        if begin < end:
            _scan_counts(
                [R.created_at >= _midnight(begin), R.created_at < _midnight(end), *industry],
                found,
            )
    C = RequestCount
    stmt = (
        select(C.kind, C.state, C.relayed, C.industry_id, func.sum(C.n))
        .where(C.month >= first_whole, C.month < past_whole)
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
        (_("Declined by the alumnus"), "declined_by_alumnus"),
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


def _seconds_between(later, earlier):
    """SQL for `later - earlier` in seconds, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _month(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column)


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


def _spreads(later, earlier, filters: ReportFilters) -> dict[str, Spread]:
    """Per month of `later`: the count, median and 90th percentile of `later - earlier`.

    PostgreSQL computes the percentiles itself (`percentile_cont`, the same linear
    interpolation as `percentile` below); SQLite has no percentile function, so one narrow
    unsorted fetch of (month, seconds) goes to NumPy, which sorts far faster than SQLite.
    A negative duration (clocks a little apart) counts as zero.
    """
    month = _month(later)
    seconds = _seconds_between(later, earlier)
    conditions = (later.is_not(None), *request_conditions(filters))
    if db.session.get_bind().dialect.name == "postgresql":
        clamped = func.greatest(seconds, 0.0)
        stmt = (
            select(
                month,
                func.count(),
                func.percentile_cont(0.5).within_group(clamped),
                func.percentile_cont(0.9).within_group(clamped),
            )
            .where(*conditions)
            .group_by(month)
        )
        return {
            key: Spread(int(n), float(p50), float(p90))
            for key, n, p50, p90 in db.session.execute(stmt)
        }
    # The driver's own tuples (a text and a float each: nothing to convert), read straight
    # from the DBAPI cursor: building a hundred thousand Row objects took longer than SQLite.
    result = db.session.connection().execute(select(month, seconds).where(*conditions))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return {}
    months = np.array([r[0] for r in rows])
    values = np.maximum(np.fromiter((r[1] for r in rows), float, len(rows)), 0.0)
    order = np.lexsort((values, months))
    months, values = months[order], values[order]
    keys, starts, counts = np.unique(months, return_index=True, return_counts=True)
    spreads = {}
    for key, start, n in zip(keys, starts, counts, strict=True):
        chunk = values[start : start + n]
        spreads[str(key)] = Spread(
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
    review = _spreads(R.reviewed_at, R.created_at, filters)
    answer = _spreads(R.answered_at, R.relayed_at, filters)
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
            "Per month (of the review or the answer), the median and the 90th percentile of the "
            "time staff took to review a request and of the time alumni took to answer a "
            "relayed one, in hours."
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


def _alumni_statement(filters: ReportFilters):
    # An expired request the alumnus had answered is a time they proposed that the student
    # let lapse: answered, not expired, for the alumnus.
    lapsed = (R.state == S.EXPIRED.value) & R.answered_at.is_not(None)
    unanswered = (R.state == S.EXPIRED.value) & R.answered_at.is_(None)
    answered = R.state.in_([s.value for s in ANSWERED_STATES]) | lapsed
    return (
        select(
            R.alumnus_id,
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((unanswered, 1), else_=0)),
        )
        .where(R.relayed_at.is_not(None), *request_conditions(filters))
        .group_by(R.alumnus_id)
    )


def alumni_rows(filters: ReportFilters) -> list[AlumnusRow]:
    """Every alumnus with a request relayed to them among the filtered ones (no names yet).

    Answered means a state the alumnus's answer leads to, so that the report index alone
    answers the query.
    """
    return [
        AlumnusRow(uid, n, int(a or 0), int(e or 0))
        for uid, n, a, e in db.session.execute(_alumni_statement(filters))
    ]


@dataclass
class AlumniArrays:
    """`alumni_rows` as four NumPy columns (user id, relayed, answered, expired)."""

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
    """`alumni_rows` read straight from the driver into arrays: a page shows a few hundred of
    tens of thousands of alumni, and building a Python object for each took most of its time."""
    result = db.session.connection().execute(_alumni_statement(filters))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    columns = np.array(rows, dtype=np.int64).reshape(-1, 4) if rows else np.zeros((0, 4), int)
    return AlumniArrays(columns[:, 0], columns[:, 1], columns[:, 2], columns[:, 3])


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


def responsiveness_csv(filters: ReportFilters) -> tuple[list[str], list[list]]:
    """Every alumnus's row (the CSV download of the responsiveness report), by name."""
    alumni = alumni_rows(filters)
    paused = _paused_for_expiries(alumni)
    named = sorted(_named(alumni), key=lambda a: (a.name, a.user_id))
    header = [
        _("Alumnus"),
        _("Relayed"),
        _("Answered"),
        _("Expired"),
        _("Response rate"),
        _("Silent"),
        _("Paused for expiries"),
    ]
    return header, [
        [
            a.name,
            a.relayed,
            a.answered,
            a.expired,
            f"{a.rate:.2f}",
            _("yes") if a.answered == 0 else _("no"),
            _("yes") if a.user_id in paused else _("no"),
        ]
        for a in named
    ]


# --- outcomes -----------------------------------------------------------------------------------


def outcomes(filters: ReportFilters) -> Report:
    """Outcomes students reported (by industry and by programme) and the feedback ratings."""
    conditions = request_conditions(filters)
    by_industry: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    stmt = (
        select(R.industry_id, RequestOutcome.kind, func.count())
        .select_from(RequestOutcome)
        .join(R, R.id == RequestOutcome.request_id)
        .where(*conditions, R.industry_id.is_not(None))
        .group_by(R.industry_id, RequestOutcome.kind)
    )
    counted = db.session.execute(stmt).all()
    # Each industry by its name in the reader's language (two may share one: counts add up).
    labels = {
        i.id: i.label
        for i in db.session.scalars(
            select(Industry).where(Industry.id.in_({row[0] for row in counted}))
        )
    }
    for industry_id, kind, count in counted:
        by_industry[labels[industry_id]][kind] += count
    by_programme: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    programme = func.coalesce(func.nullif(StudentProfile.programme, ""), _("(not given)"))
    stmt = (
        select(programme, RequestOutcome.kind, func.count())
        .select_from(RequestOutcome)
        .join(R, R.id == RequestOutcome.request_id)
        .outerjoin(StudentProfile, StudentProfile.user_id == R.student_id)
        .where(*conditions)
        .group_by(programme, RequestOutcome.kind)
    )
    for name, kind, count in db.session.execute(stmt):
        by_programme[name][kind] += count
    ratings = {
        (side, usefulness): count
        for side, usefulness, count in db.session.execute(
            select(RequestFeedback.side, RequestFeedback.usefulness, func.count())
            .join(R, R.id == RequestFeedback.request_id)
            .where(*conditions)
            .group_by(RequestFeedback.side, RequestFeedback.usefulness)
        )
    }
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
    """The header and rows of a report's CSV download."""
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
