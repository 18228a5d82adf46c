"""Reading requests: lookups, who may see or answer one, lists, load, the staff queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from babel.numbers import format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased, defaultload, lazyload, load_only, selectinload

from careerlink.accounts.models import User, UserRole
from careerlink.connections.models import (
    OPEN_STATES,
    ConnectionRequest,
    RequestCount,
    RequestEvent,
    RequestKind,
    RequestState,
)
from careerlink.extensions import db
from careerlink.mentors.availability import LOAD_COLUMNS, get_profile, load_columns_for_users
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.models import utcnow
from careerlink.permissions import Role, is_staff

_OPEN = [s.value for s in OPEN_STATES]


def get_request(request_id: int) -> ConnectionRequest | None:
    """A request by id."""
    return db.session.get(ConnectionRequest, request_id)


def mentor_profile(profile_id: int) -> MentorProfile | None:
    """The mentor profile with this id, or None."""
    return get_profile(profile_id)


def can_view_request(actor: User | None, req: ConnectionRequest) -> bool:
    """The student who asked, the alumnus once it was relayed to them, and staff."""
    if actor is None or not getattr(actor, "is_authenticated", True) or not actor.is_active:
        return False
    if is_staff(actor) or actor.id == req.student_id:
        return True
    return actor.id == req.alumnus_id and req.relayed_at is not None


def can_answer_request(actor: User | None, req: ConnectionRequest) -> bool:
    """Only the alumnus the request was relayed to answers it."""
    return actor is not None and actor.id == req.alumnus_id and req.relayed_at is not None


def side_of(user: User, req: ConnectionRequest) -> str | None:
    """ "student" or "alumnus" for the two people in a request, else None."""
    if user.id == req.student_id:
        return "student"
    if user.id == req.alumnus_id and req.relayed_at is not None:
        return "alumnus"
    return None


def open_count_for_student(student_id: int) -> int:
    """How many open requests a student has."""
    return db.session.scalar(
        select(func.count())
        .select_from(ConnectionRequest)
        .where(ConnectionRequest.student_id == student_id, ConnectionRequest.state.in_(_OPEN))
    )


def open_requests_of_student(student_id: int) -> list[tuple[int, int]]:
    """(id, alumnus id) of each of a student's open requests: one statement answers both
    "is one open with this alumnus?" and "how many are open?"."""
    rows = db.session.execute(
        select(ConnectionRequest.id, ConnectionRequest.alumnus_id).where(
            ConnectionRequest.student_id == student_id, ConnectionRequest.state.in_(_OPEN)
        )
    )
    return [(row.id, row.alumnus_id) for row in rows]


def open_request_between(student_id: int, alumnus_id: int) -> ConnectionRequest | None:
    """The student's open request to this alumnus, if any."""
    return db.session.scalar(
        select(ConnectionRequest).where(
            ConnectionRequest.student_id == student_id,
            ConnectionRequest.alumnus_id == alumnus_id,
            ConnectionRequest.state.in_(_OPEN),
        )
    )


def requests_of_student(user: User) -> list[ConnectionRequest]:
    """A student's requests, newest first."""
    return list(
        db.session.scalars(
            select(ConnectionRequest)
            .where(ConnectionRequest.student_id == user.id)
            .order_by(ConnectionRequest.created_at.desc(), ConnectionRequest.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class RequestLine:
    """One line of the account page's lists: a request's id, kind, state, times and the other
    person's name, read as columns (no request or person objects)."""

    id: int
    kind: str
    state: str
    student_id: int
    alumnus_id: int
    created_at: datetime
    relayed_at: datetime | None
    respond_by: datetime | None
    student_name: str
    alumnus_name: str

    @property
    def kind_enum(self) -> RequestKind:
        """The kind as an enum member."""
        return RequestKind(self.kind)

    @property
    def state_enum(self) -> RequestState:
        """The state as an enum member."""
        return RequestState(self.state)


def requests_of(user: User) -> tuple[list[RequestLine], list[RequestLine]]:
    """A user's requests as a student (newest first) and those relayed to them as an alumnus
    (newest relay first), in one statement."""
    rows = db.session.connection().execute(_requests_of_select(), {"user_id": user.id})
    found = [RequestLine(*row) for row in rows]
    asked = [r for r in found if r.student_id == user.id]
    asked.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    received = [r for r in found if r.alumnus_id == user.id and r.relayed_at is not None]
    received.sort(key=lambda r: (r.relayed_at, r.id), reverse=True)
    return asked, received


@cache
def _requests_of_select():
    # Built once (on first use, when every model is mapped); the user is a parameter.
    student, alumnus = aliased(User, name="student"), aliased(User, name="alumnus")
    user_id = bindparam("user_id")
    return (
        select(
            ConnectionRequest.id,
            ConnectionRequest.kind,
            ConnectionRequest.state,
            ConnectionRequest.student_id,
            ConnectionRequest.alumnus_id,
            ConnectionRequest.created_at,
            ConnectionRequest.relayed_at,
            ConnectionRequest.respond_by,
            student.display_name,
            alumnus.display_name,
        )
        .join(student, student.id == ConnectionRequest.student_id)
        .join(alumnus, alumnus.id == ConnectionRequest.alumnus_id)
        .where(
            or_(
                ConnectionRequest.student_id == user_id,
                and_(
                    ConnectionRequest.alumnus_id == user_id,
                    ConnectionRequest.relayed_at.is_not(None),
                ),
            )
        )
    )


def requests_for_alumnus(user: User) -> list[ConnectionRequest]:
    """The requests relayed to an alumnus, newest first (never those still under review)."""
    return list(
        db.session.scalars(
            select(ConnectionRequest)
            .where(
                ConnectionRequest.alumnus_id == user.id, ConnectionRequest.relayed_at.is_not(None)
            )
            .order_by(ConnectionRequest.relayed_at.desc(), ConnectionRequest.id.desc())
        )
    )


@dataclass
class Load:
    """An alumnus's current load, shown to staff before approving."""

    open_relayed: int
    month_count: int
    capacity: int | None
    response_rate: float | None
    median_days: float | None
    last_answer_at: datetime | None
    accepting: bool

    @property
    def label(self) -> str:
        """For example "2 waiting · 3 of 4 this month"."""
        if self.capacity:
            return _(
                "%(waiting)d waiting · %(count)d of %(capacity)d this month",
                waiting=self.open_relayed,
                count=self.month_count,
                capacity=self.capacity,
            )
        return _(
            "%(waiting)d waiting · %(count)d this month",
            waiting=self.open_relayed,
            count=self.month_count,
        )

    @property
    def rate_label(self) -> str:
        """For example "80% answered" or "no answers yet"."""
        if self.response_rate is None:
            return _("no history yet")
        return _(
            "%(rate)s answered",
            rate=format_percent(round(self.response_rate, 2), locale=get_locale() or "en"),
        )


def load_of(alumnus_id: int, today: date | None = None) -> Load:
    """Open relayed requests, this month's requests against capacity, response statistics."""
    return loads_of([alumnus_id], today)[alumnus_id]


def loads_of(alumnus_ids: Iterable[int], today: date | None = None) -> dict[int, Load]:
    """`load_of` for several alumni at once, in two queries whatever their number."""
    ids = sorted(set(alumnus_ids))
    if not ids:
        return {}
    profiles = load_columns_for_users(ids)
    relayed = ConnectionRequest.state == RequestState.RELAYED.value
    requests = {
        row.alumnus_id: row
        for row in db.session.execute(
            select(
                ConnectionRequest.alumnus_id,
                func.sum(case((relayed, 1), else_=0)).label("open_relayed"),
                func.max(ConnectionRequest.answered_at).label("last_answer"),
            )
            .where(ConnectionRequest.alumnus_id.in_(ids))
            .group_by(ConnectionRequest.alumnus_id)
        )
    }
    today = today or utcnow().date()
    loads = {}
    for alumnus_id in ids:
        row = requests.get(alumnus_id)
        loads[alumnus_id] = _load(
            profiles.get(alumnus_id),
            int(row.open_relayed or 0) if row is not None else 0,
            row.last_answer if row is not None else None,  # max() keeps the column's type
            today,
        )
    return loads


def _load(profile, open_relayed: int, last_answer: datetime | None, today: date) -> Load:
    month_count = 0
    if profile is not None:
        month_start = getattr(profile, "month_start", None)
        if month_start is not None and (month_start.year, month_start.month) == (
            today.year,
            today.month,
        ):
            month_count = profile.month_request_count or 0
    return Load(
        open_relayed=open_relayed,
        month_count=month_count,
        capacity=getattr(profile, "monthly_capacity", None),
        response_rate=getattr(profile, "response_rate", None),
        median_days=getattr(profile, "median_response_days", None),
        last_answer_at=last_answer,
        accepting=bool(getattr(profile, "accepting_requests", False)),
    )


# --- the staff queue and home -----------------------------------------------------------------


@dataclass
class QueueFilters:
    """The staff queue's filters."""

    state: str = RequestState.SUBMITTED.value
    kind: str = ""
    industry: str = ""
    min_days: int = 0


def queue_query(filters: QueueFilters, now: datetime | None = None):
    """The staff queue as a select: oldest waiting first."""
    # The page shows how long each request has waited, which its last event's time says (not
    # who acted); it shows the people's names, never their roles.
    return _queue_where(select(ConnectionRequest), filters, now).options(
        selectinload(ConnectionRequest.events).options(
            load_only(RequestEvent.created_at), lazyload(RequestEvent.actor)
        ),
        defaultload(ConnectionRequest.student).lazyload(User.role_rows),
        defaultload(ConnectionRequest.alumnus).lazyload(User.role_rows),
    )


def queue_rows_query(filters: QueueFilters, now: datetime | None = None):
    """The staff queue's page as plain rows: what its table shows, in `queue_query`'s order.

    Only the columns the table shows (no request, person or event objects): a row's id, kind,
    state, alumnus, the times its wait is counted from (`queue_waiting_since`), its deadline,
    the two people's names, and what `queue_load` makes the alumnus's load of (their profile's
    load columns, their relayed requests and last answer), all in the page's one statement.
    """
    return _queue_where(_queue_rows_select(), filters, now)


@cache
def _queue_rows_select():
    # Built once (on first use, when every model is mapped): only the filters change.
    student, alumnus = aliased(User, name="student"), aliased(User, name="alumnus")
    others = aliased(ConnectionRequest, name="others")

    def of_the_alumnus(value, *where):
        # One value over the requests to the row's alumnus, through the alumnus's index.
        return (
            select(value)
            .where(others.alumnus_id == ConnectionRequest.alumnus_id, *where)
            .correlate(ConnectionRequest)
            .scalar_subquery()
        )

    # The time of the request's last event, as `ConnectionRequest.events[-1]` has it (by id).
    last_event_at = (
        select(RequestEvent.created_at)
        .where(RequestEvent.request_id == ConnectionRequest.id)
        .order_by(RequestEvent.id.desc())
        .limit(1)
        .correlate(ConnectionRequest)
        .scalar_subquery()
    )
    return (
        select(
            ConnectionRequest.id,
            ConnectionRequest.kind,
            ConnectionRequest.state,
            ConnectionRequest.alumnus_id,
            ConnectionRequest.created_at,
            ConnectionRequest.relayed_at,
            ConnectionRequest.respond_by,
            student.display_name.label("student_name"),
            alumnus.display_name.label("alumnus_name"),
            last_event_at.label("last_event_at"),
            *(getattr(MentorProfile, name).label(name) for name in LOAD_COLUMNS),
            of_the_alumnus(func.count(), others.state == RequestState.RELAYED.value).label(
                "open_relayed"
            ),
            of_the_alumnus(func.max(others.answered_at)).label("last_answer"),
        )
        .select_from(ConnectionRequest)
        .join(student, student.id == ConnectionRequest.student_id)
        .join(alumnus, alumnus.id == ConnectionRequest.alumnus_id)
        .outerjoin(MentorProfile, MentorProfile.user_id == ConnectionRequest.alumnus_id)
    )


def queue_load(row, today: date | None = None) -> Load:
    """`load_of` the row's alumnus, from a row of `queue_rows_query` (no profile: all None)."""
    return _load(row, int(row.open_relayed or 0), row.last_answer, today or utcnow().date())


def queue_waiting_since(row) -> datetime:
    """`ConnectionRequest.waiting_since` for a row of `queue_rows_query`."""
    if row.state == RequestState.RELAYED.value and row.relayed_at:
        return row.relayed_at
    return row.last_event_at or row.created_at


def _queue_where(stmt, filters: QueueFilters, now: datetime | None):
    now = now or utcnow()
    if filters.state == "overdue":
        stmt = stmt.where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by <= now,
        )
    elif filters.state == "open":
        stmt = stmt.where(ConnectionRequest.state.in_(_OPEN))
    elif filters.state:
        stmt = stmt.where(ConnectionRequest.state == filters.state)
    if filters.kind:
        stmt = stmt.where(ConnectionRequest.kind == filters.kind)
    if filters.industry:
        stmt = stmt.where(
            ConnectionRequest.alumnus_id.in_(
                select(MentorProfile.user_id).where(
                    MentorProfile.industries.any(Industry.slug == filters.industry)
                )
            )
        )
    if filters.min_days:
        stmt = stmt.where(ConnectionRequest.updated_at <= now - timedelta(days=filters.min_days))
    return stmt.order_by(ConnectionRequest.updated_at, ConnectionRequest.id)


def request_counts(now: datetime | None = None) -> dict[str, int]:
    """Counts for the staff home: waiting for review, waiting on alumni, overdue."""
    row = db.session.execute(_request_counts_select(), {"now": now or utcnow()}).one()
    return {name: int(value) for name, value in row._mapping.items()}


@cache
def _request_counts_select():
    # Built once (on first use, when every model is mapped); the time is a parameter.
    def in_state(state: RequestState):
        # The trigger-kept counts (counts.py): a few rows per state, not every request.
        return func.coalesce(
            select(func.sum(RequestCount.n))
            .where(RequestCount.state == state.value)
            .scalar_subquery(),
            0,
        )

    overdue = (
        select(func.count())
        .select_from(ConnectionRequest)
        .where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by
            <= bindparam("now", type_=ConnectionRequest.respond_by.type),
        )
        .scalar_subquery()
    )
    # Four counts in one round trip; only the overdue, which depends on the time, reads the
    # requests (through their (state, respond_by) index).
    return select(
        in_state(RequestState.SUBMITTED).label("review"),
        in_state(RequestState.NEEDS_INFO).label("needs_info"),
        in_state(RequestState.RELAYED).label("alumni"),
        overdue.label("overdue"),
    )


def next_queue_change(filters: QueueFilters, now: datetime) -> datetime | None:
    """The first moment after `now` at which the clock alone changes what the queue shows with
    these filters: a relayed request passing its deadline (the overdue count, the "overdue"
    list and badge) or, with a minimum wait, a request reaching it (None: no such moment)."""
    first_deadline = (
        select(func.min(ConnectionRequest.respond_by))
        .where(
            ConnectionRequest.state == RequestState.RELAYED.value,
            ConnectionRequest.respond_by > now,
        )
        .scalar_subquery()
    )
    columns = [first_deadline]
    if filters.min_days:
        age = timedelta(days=filters.min_days)
        unfiltered = QueueFilters(filters.state, filters.kind, filters.industry, 0)
        next_of_age = (
            _queue_where(select(func.min(ConnectionRequest.updated_at)), unfiltered, now)
            .order_by(None)
            .where(ConnectionRequest.updated_at > now - age)
            .scalar_subquery()
        )
        columns.append(next_of_age)
    row = db.session.execute(select(*columns)).one()
    moments = [row[0]]
    if filters.min_days and row[1] is not None:
        moments.append(row[1] + timedelta(days=filters.min_days))
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


# The queue's filters by state whose length `request_counts` has counted.
QUEUE_COUNTS = {
    RequestState.SUBMITTED.value: "review",
    RequestState.NEEDS_INFO.value: "needs_info",
    RequestState.RELAYED.value: "alumni",
    "overdue": "overdue",
}


def counted_total(filters: QueueFilters, counts: dict[str, int]) -> int | None:
    """The number of requests the queue lists with these filters, when `counts` (from
    `request_counts` at the same time) has it: a state alone, no other filter."""
    if filters.kind or filters.industry or filters.min_days:
        return None
    name = QUEUE_COUNTS.get(filters.state)
    return None if name is None else counts[name]


def staff_emails() -> list[str]:
    """Addresses of every active staff member and admin."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([Role.STAFF.value, Role.ADMIN.value]), User.active.is_(True))
            .distinct()
            .order_by(User.email)
        )
    )
