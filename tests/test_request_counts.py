"""The per-month request counts the reports read are always what a fresh count gives.

The triggers (careerlink/connections/counts.py) keep them through every kind of change: the
state machine's moves, an industry merge, an industry's removal, account deletion, the
retention job, and changes made behind the application's back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from support.properties import database_property

from careerlink.connections import counts
from careerlink.connections.machine import STAFF, STUDENT, SYSTEM, TRANSITIONS
from careerlink.connections.models import ConnectionRequest, RequestCount, RequestEvent
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mentors.models import Industry
from careerlink.permissions import Role

R = ConnectionRequest


def kept() -> list[tuple]:
    """The table as the triggers left it."""
    return sorted(
        tuple(row)
        for row in _db.session.execute(
            select(
                RequestCount.month,
                RequestCount.kind,
                RequestCount.state,
                RequestCount.relayed,
                RequestCount.industry_id,
                RequestCount.n,
            )
        )
    )


def recounted() -> list[tuple]:
    """The table as a fresh count of the requests makes it (the rebuild, rolled back)."""
    connection = _db.session.connection()
    nested = connection.begin_nested()
    try:
        counts.rebuild(connection)
        _db.session.expire_all()
        return kept()
    finally:
        nested.rollback()


def counted(month: date, kind: str, state: str, relayed: bool, industry_id: int = 0) -> int:
    """One key's count as kept."""
    return (
        _db.session.scalar(
            select(RequestCount.n).where(
                RequestCount.month == month,
                RequestCount.kind == kind,
                RequestCount.state == state,
                RequestCount.relayed.is_(relayed),
                RequestCount.industry_id == industry_id,
            )
        )
        or 0
    )


def month_of(req) -> date:
    """The first day of the request's month of creation."""
    return req.created_at.date().replace(day=1)


def test_a_request_is_counted_under_each_state_it_moves_to(make_request):
    req = make_request(state="submitted")
    month, industry = month_of(req), req.industry_id
    assert industry is not None
    assert counted(month, "introduction", "submitted", False, industry) == 1
    make_request(mentor=req.alumnus.mentor_profile, state="completed")
    assert counted(month, "introduction", "completed", True, industry) == 1
    assert counted(month, "introduction", "submitted", False, industry) == 1
    assert kept() == recounted()


def test_the_counts_follow_a_change_made_behind_the_application_s_back(make_request):
    req = make_request(state="relayed")
    made_in = month_of(req)
    assert made_in != date(2025, 1, 1)
    with transaction():
        _db.session.execute(
            update(R).where(R.id == req.id).values(created_at=datetime(2025, 1, 15, tzinfo=UTC))
        )
    assert counted(date(2025, 1, 1), "introduction", "relayed", True, req.industry_id) == 1
    assert counted(made_in, "introduction", "relayed", True, req.industry_id) == 0
    assert kept() == recounted()
    with transaction():
        _db.session.execute(delete(R).where(R.id == req.id))
    assert kept() == []


def test_an_industry_merge_moves_the_counts(make_mentor, make_request, make_user):
    from careerlink.staff.admin.services import merge_industries

    admin_actor = make_user(Role.ADMIN)
    vet = make_mentor(industry="veterinary")
    make_request(mentor=vet, state="expired")
    make_request(mentor=make_mentor(industry="software"), state="submitted")
    source = _db.session.scalar(select(Industry).where(Industry.slug == "veterinary"))
    target = _db.session.scalar(select(Industry).where(Industry.slug == "software"))
    source_id = source.id
    with transaction():
        merge_industries(admin_actor, source, target)
    assert {row[4] for row in kept()} == {target.id}
    assert source_id != target.id
    assert kept() == recounted()


def test_an_industry_removed_leaves_its_requests_counted_without_one(make_mentor, make_request):
    make_request(mentor=make_mentor(industry="veterinary"), state="declined_by_alumnus")
    with transaction():
        _db.session.execute(delete(Industry).where(Industry.slug == "veterinary"))
    assert _db.session.scalar(select(R.industry_id)) is None
    assert [row[4] for row in kept()] == [0]
    assert kept() == recounted()


def test_account_deletion_keeps_the_counts(make_request, student, staff):
    from careerlink.accounts.privacy import delete_account

    make_request(student=student, state="relayed")
    make_request(student=student, state="submitted")
    make_request(student=student, state="completed")
    before = kept()
    with transaction():
        delete_account(staff, student)
    states = sorted(_db.session.scalars(select(R.state)))
    assert states == ["completed", "withdrawn", "withdrawn"]
    assert kept() != before
    assert kept() == recounted()


def test_the_retention_job_keeps_the_counts(app, make_request):
    from careerlink.accounts.privacy import purge_closed_messages

    make_request(state="completed")
    make_request(state="declined_by_staff")
    before = kept()
    with transaction():
        purged = purge_closed_messages(months=1, now=datetime(2100, 1, 1, tzinfo=UTC))
    assert purged == 2
    assert kept() == before == recounted()


def test_the_rebuild_command_recounts_every_request(app, make_request):
    make_request(state="completed")
    make_request(state="expired")
    expected = kept()
    with transaction():  # the table made wrong behind the triggers' back
        _db.session.execute(update(RequestCount).values(n=RequestCount.n + 5))
    assert kept() != expected
    result = app.test_cli_runner().invoke(args=["careerlink", "reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Recounted 2 requests into {len(expected)} monthly counts "
        "and the listed alumni of 1 industries; timed 2 reviewed requests; "
        "0 requests have outcomes or feedback."
    )
    _db.session.expire_all()
    assert kept() == expected


# --- property: any sequence of changes ----------------------------------------------------------

KINDS = ["introduction", "shadowing", "informational_interview", "resume_review", "referral"]
MONTHS = [datetime(2025, m, 28, 23, 59, tzinfo=UTC) for m in (1, 2, 12)]


@pytest.fixture
def cast(make_user, make_mentor):
    """Three students, two alumni in two industries, a staff member."""
    alumni = [
        make_mentor(industry="veterinary", offers=tuple(KINDS)).user,
        make_mentor(industry="software", offers=tuple(KINDS)).user,
    ]
    students = [make_user(Role.STUDENT) for _ in range(3)]
    industries = list(_db.session.scalars(select(Industry.id).order_by(Industry.id)))
    return {
        "students": students,
        "alumni": alumni,
        "staff": make_user(Role.STAFF),
        "industries": industries,
    }


def _actor(cast, req, role):
    if role == STUDENT:
        return _db.session.get(type(cast["staff"]), req.student_id)
    if role == STAFF:
        return cast["staff"]
    if role == SYSTEM:
        return None
    return _db.session.get(type(cast["staff"]), req.alumnus_id)


def _step(cast, data) -> None:
    """One random change: a new request, a move, a new date or industry, or a deletion."""
    requests = list(_db.session.scalars(select(R).order_by(R.id)))
    choice = data.draw(st.sampled_from(["submit", "move", "move", "date", "industry", "delete"]))
    if choice == "submit" or not requests:
        student = data.draw(st.sampled_from(cast["students"]))
        alumnus = data.draw(st.sampled_from(cast["alumni"]))
        kind = data.draw(st.sampled_from(KINDS))
        when = datetime.now(UTC)
        with transaction():
            nested = _db.session.begin_nested()
            try:
                ConnectionRequest.submit(
                    by=student,
                    kind=kind,
                    alumnus_id=alumnus.id,
                    message="Hello",
                    conduct_acknowledged_at=when,
                    industry_id=data.draw(st.sampled_from([None, *cast["industries"]])),
                    now=when,
                )
            except Exception:  # the pair already has an open request: nothing made
                nested.rollback()
        return
    req = data.draw(st.sampled_from(requests))
    if choice == "move":
        moves = [
            t
            for t in TRANSITIONS
            if t.action != "submit"
            and req.state in t.sources
            and (t.kind is None or t.kind.value == req.kind)
            and all(getattr(req, column) is None for column in t.unset)
        ]
        if not moves:
            return
        move = data.draw(st.sampled_from(moves))
        now = datetime.now(UTC)
        values = {column: now for column in move.unset}
        if move.action == "approve":
            values.update(relayed_at=now, reviewed_at=now)
        with transaction():
            req.apply(
                move.action,
                by=_actor(cast, req, move.roles[0]),
                role=move.roles[0],
                now=now,
                **values,
            )
    elif choice == "date":
        with transaction():
            _db.session.execute(
                update(R)
                .where(R.id == req.id)
                .values(created_at=data.draw(st.sampled_from(MONTHS)))
            )
    elif choice == "industry":
        with transaction():
            _db.session.execute(
                update(R)
                .where(R.id == req.id)
                .values(industry_id=data.draw(st.sampled_from([None, *cast["industries"]])))
            )
    else:
        with transaction():
            _db.session.execute(delete(R).where(R.id == req.id))


@database_property()
@given(data=st.data())
def test_after_any_sequence_of_changes_the_kept_counts_equal_a_recount(cast, data):
    """Property: transitions, redated and re-filed requests and deletions, in any order."""
    with transaction():  # each example starts from no request (the fixtures outlive it)
        for model in (RequestEvent, R):
            _db.session.execute(delete(model))
    assert kept() == []
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        _step(cast, data)
        _db.session.expire_all()
    assert kept() == recounted()


# --- the reports read whole months from the counts, the days around them from the requests ------


@pytest.fixture
def spread(make_mentor, make_request):
    """Six requests in two industries and several states (redated by the test)."""
    vet, software = make_mentor(industry="veterinary"), make_mentor(industry="software")
    made = [
        make_request(mentor=vet, state="completed"),
        make_request(mentor=vet, state="expired"),
        make_request(mentor=vet, state="submitted"),
        make_request(mentor=software, state="declined_by_alumnus"),
        make_request(mentor=software, kind="shadowing", state="scheduled"),
        make_request(mentor=software, state="withdrawn"),
    ]
    return [r.id for r in made]


DAYS = st.dates(min_value=date(2024, 12, 1), max_value=date(2025, 3, 31))


@database_property(25)
@given(data=st.data())
def test_counts_over_any_range_equal_a_count_of_the_requests(spread, data):
    """Property: any dates (month ends, first days) and any range give a scan's figures."""
    from careerlink.staff.reports import queries
    from careerlink.staff.reports.filters import ReportFilters, request_conditions

    with transaction():
        for request_id in spread:
            day = data.draw(DAYS)
            minute = data.draw(st.sampled_from([0, 1, 23 * 60 + 59]))
            when = datetime(day.year, day.month, day.day, tzinfo=UTC).replace(
                hour=minute // 60, minute=minute % 60
            )
            _db.session.execute(update(R).where(R.id == request_id).values(created_at=when))
    start, end = sorted([data.draw(DAYS), data.draw(DAYS)])
    industry = data.draw(st.sampled_from([None, "veterinary", "software"]))
    filters = ReportFilters(
        start,
        end,
        _db.session.scalar(select(Industry).where(Industry.slug == industry)) if industry else None,
    )
    scanned: dict = defaultdict(int)
    queries._scan_counts(request_conditions(filters), scanned)
    assert dict(queries.request_counts(filters)) == dict(scanned)
    assert sum(scanned.values()) == _db.session.scalar(
        select(func.count()).where(*request_conditions(filters))
    )
