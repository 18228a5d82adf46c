"""A report's dates are the office's calendar days (CAREERLINK_TIME_ZONE, issue 15's rule):
the date filters count whole days there and the speed report's months are its months.

Every request below is made at a time chosen near a midnight or a month's end, so the counts
are known by construction: the comment beside each says on which office day it falls.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.staff.reports import queries
from careerlink.staff.reports.filters import office_midnight, parse_filters

R = ConnectionRequest


@pytest.fixture
def office(app, db):
    """Set the office's time zone for the test."""

    def set_zone(name: str) -> None:
        app.config["CAREERLINK_TIME_ZONE"] = name

    yield set_zone
    app.config["CAREERLINK_TIME_ZONE"] = "UTC"


def filters(**args):
    return parse_filters({k: str(v) for k, v in args.items()})


def asked(report) -> int:
    """How many requests the funnel counts (introductions)."""
    [intro] = [r for r in report.rows if r[0] == "Introductions"]
    return intro[1]


def made_at(make_request, vet, *moments: datetime) -> None:
    """One waiting introduction made at each of these moments."""
    for moment in moments:
        req = make_request(mentor=vet, state="submitted")
        with transaction():
            _db.session.execute(update(R).where(R.id == req.id).values(created_at=moment))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_office_s_midnight_is_the_first_utc_moment_counted(office):
    office("Australia/Sydney")  # +11 in January (daylight time), +10 in May
    assert office_midnight(date(2026, 1, 1)) == utc(2025, 12, 31, 13)
    assert office_midnight(date(2026, 5, 1)) == utc(2026, 4, 30, 14)
    office("America/Toronto")  # -5 in winter, -4 in summer
    assert office_midnight(date(2026, 3, 1)) == utc(2026, 3, 1, 5)
    assert office_midnight(date(2026, 7, 1)) == utc(2026, 7, 1, 4)
    f = filters(start="2026-03-01", end="2026-03-31")
    # Daylight time began on 8 March: the month ends at midnight -4.
    assert (f.since, f.until) == (utc(2026, 3, 1, 5), utc(2026, 4, 1, 4))


SYDNEY_FEBRUARY = [
    utc(2026, 1, 31, 12, 30),  # Sydney 31 Jan 23:30: out
    utc(2026, 1, 31, 13, 30),  # Sydney 1 Feb 00:30: in (UTC: 31 Jan)
    utc(2026, 2, 15, 12),  # Sydney 15 Feb 23:00: in
    utc(2026, 2, 28, 12, 59),  # Sydney 28 Feb 23:59: in
    utc(2026, 2, 28, 13, 0),  # Sydney 1 Mar 00:00: out (UTC: 28 Feb)
    utc(2026, 2, 28, 20, 0),  # Sydney 1 Mar 07:00: out (UTC: 28 Feb)
]


def test_a_day_is_the_office_s_day_in_sydney(office, make_mentor, make_request):
    vet = make_mentor(monthly_capacity=20)
    made_at(make_request, vet, *SYDNEY_FEBRUARY)
    february = {"start": "2026-02-01", "end": "2026-02-28"}
    assert asked(queries.funnel(filters(**february))) == 4  # UTC days: the last four
    office("Australia/Sydney")
    assert asked(queries.funnel(filters(**february))) == 3
    assert asked(queries.funnel(filters(start="2026-03-01", end="2026-03-01"))) == 2
    assert asked(queries.funnel(filters(start="2026-01-31", end="2026-01-31"))) == 1


def test_whole_months_and_their_edges_in_sydney(office, make_mentor, make_request):
    """A range of whole office months reads the whole UTC months inside it from the kept
    counts and counts the hours at either end from the requests: the same figures."""
    vet = make_mentor(monthly_capacity=20)
    made_at(
        make_request,
        vet,
        *SYDNEY_FEBRUARY,  # 6, all from 1 Jan to 31 Mar in Sydney
        utc(2025, 12, 31, 12, 30),  # Sydney 31 Dec 23:30: out
        utc(2025, 12, 31, 13, 30),  # Sydney 1 Jan 00:30: in (UTC: 31 Dec)
        utc(2026, 3, 31, 12, 30),  # Sydney 31 Mar 23:30: in
        utc(2026, 3, 31, 13, 30),  # Sydney 1 Apr 00:30: out (UTC: 31 Mar)
        utc(2026, 3, 31, 20, 0),  # Sydney 1 Apr 07:00: out (UTC: 31 Mar)
    )
    first_quarter = {"start": "2026-01-01", "end": "2026-03-31"}
    assert asked(queries.funnel(filters(**first_quarter))) == 9  # UTC: all but the two of 31 Dec
    office("Australia/Sydney")
    assert asked(queries.funnel(filters(**first_quarter))) == 8
    [vet_row] = [r for r in queries.supply_demand(filters(**first_quarter)).rows if r[3]]
    assert vet_row[3] == 8


def test_a_day_is_the_office_s_day_in_toronto(office, make_mentor, make_request):
    vet = make_mentor(monthly_capacity=20)
    made_at(
        make_request,
        vet,
        utc(2026, 2, 1, 4, 30),  # Toronto 31 Jan 23:30: out (UTC: 1 Feb)
        utc(2026, 2, 1, 5, 30),  # Toronto 1 Feb 00:30: in
        utc(2026, 3, 1, 4, 30),  # Toronto 28 Feb 23:30: in (UTC: 1 Mar)
        utc(2026, 3, 1, 5, 0),  # Toronto 1 Mar 00:00: out
    )
    february = {"start": "2026-02-01", "end": "2026-02-28"}
    assert asked(queries.funnel(filters(**february))) == 2  # UTC: the first two
    office("America/Toronto")
    assert asked(queries.funnel(filters(**february))) == 2
    assert asked(queries.funnel(filters(start="2026-01-31", end="2026-02-01"))) == 2
    assert asked(queries.funnel(filters(start="2026-02-02", end="2026-02-28"))) == 1
    assert asked(queries.funnel(filters(start="2026-03-01", end="2026-03-31"))) == 1


def timed(make_request, vet, created: datetime, reviewed: datetime, answered: datetime | None):
    """A request made, reviewed and relayed at once, and answered, at these times."""
    req = make_request(mentor=vet, state="declined_by_alumnus" if answered else "relayed")
    with transaction():
        _db.session.execute(
            update(R)
            .where(R.id == req.id)
            .values(
                created_at=created, reviewed_at=reviewed, relayed_at=reviewed, answered_at=answered
            )
        )


def test_speed_months_are_the_office_s_months_in_sydney(office, make_mentor, make_request):
    vet = make_mentor(monthly_capacity=20)
    made = utc(2026, 1, 31, 10, 30)  # Sydney 31 Jan 21:30
    # Reviewed after 2 h (Sydney 31 Jan 23:30), answered 28 days later (Sydney 28 Feb 23:30).
    timed(make_request, vet, made, made + timedelta(hours=2), made + timedelta(days=28, hours=2))
    # Reviewed after 3 h (Sydney 1 Feb 00:30), answered 28 days later (Sydney 1 Mar 00:30).
    timed(make_request, vet, made, made + timedelta(hours=3), made + timedelta(days=28, hours=3))
    january_february = {"start": "2026-01-01", "end": "2026-02-28"}
    assert queries.speed(filters(**january_february)).rows == [
        ["2026-01", 2, 2.5, 2.9, 0, None, None],
        ["2026-02", 0, None, None, 2, 672.0, 672.0],
    ]
    office("Australia/Sydney")
    assert queries.speed(filters(**january_february)).rows == [
        ["2026-01", 1, 2.0, 2.0, 0, None, None],
        ["2026-02", 1, 3.0, 3.0, 1, 672.0, 672.0],
        ["2026-03", 0, None, None, 1, 672.0, 672.0],
    ]


def test_speed_months_are_the_office_s_months_in_toronto(office, make_mentor, make_request):
    vet = make_mentor(monthly_capacity=20)
    made = utc(2026, 2, 28, 20)  # Toronto 28 Feb 15:00
    # Reviewed after 8.5 h (Toronto 28 Feb 23:30) and 9.5 h (Toronto 1 Mar 00:30); no answer.
    timed(make_request, vet, made, made + timedelta(hours=8, minutes=30), None)
    timed(make_request, vet, made, made + timedelta(hours=9, minutes=30), None)
    office("America/Toronto")
    assert queries.speed(filters(start="2026-02-01", end="2026-03-31")).rows == [
        ["2026-02", 1, 8.5, 8.5, 0, None, None],
        ["2026-03", 1, 9.5, 9.5, 0, None, None],
    ]
