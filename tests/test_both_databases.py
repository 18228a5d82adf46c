"""What must behave the same on SQLite and PostgreSQL, asserted where the two differ.

CI runs the suite on each database. The tests here go through the code path that is
different on each (FTS5 MATCH or a tsvector @@ to_tsquery, SQLite's functions or PostgreSQL's,
string or timestamptz datetimes) and look at what reaches the database, so a rule that one
database happens to enforce by itself (SQLite's tokenizer folds accents; PostgreSQL's does not)
cannot pass unnoticed on the other. None of them is skipped on either database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from conftest import TEST_DB_URL
from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from careerlink.accounts.models import User
from careerlink.accounts.services import create_user
from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest, RequestFeedback
from careerlink.connections.services.clock import due_expiries
from careerlink.database import transaction
from careerlink.errors import Conflict
from careerlink.mentors.directory_snapshot import PRIME
from careerlink.mentors.models import MentorProfile
from careerlink.mentors.search import SearchCriteria, day_seed, search_mentors
from careerlink.models import utcnow
from careerlink.permissions import Role


@pytest.fixture
def dialect(db) -> str:
    return db.engine.dialect.name


def test_the_suite_runs_on_the_database_it_was_given(db, dialect):
    """A run meant for PostgreSQL cannot quietly test SQLite instead, nor the other way."""
    assert dialect == ("postgresql" if TEST_DB_URL else "sqlite")
    tables = inspect(db.engine).get_table_names()
    if dialect == "sqlite":
        assert "careerlink_mentor_search" in tables  # the FTS5 index
    else:
        columns = {c["name"] for c in inspect(db.engine).get_columns("careerlink_mentor_profiles")}
        assert "search_vector" in columns  # the generated tsvector


# --- folding in the directory search ---------------------------------------------------------


class Statements:
    """The SQL statements and string parameters sent to the database meanwhile."""

    def __init__(self, engine):
        self.engine = engine
        self.sql: list[str] = []
        self.params: list[str] = []

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many):
        self.sql.append(statement)
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        self.params.extend(v for v in values if isinstance(v, str))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def names(result) -> list[str]:
    return sorted(p.display_name for p in result.items)


@pytest.fixture
def named(make_user, make_mentor):
    """named(name, **fields) -> a listed alumna with this display name."""

    def make(name: str, **fields):
        return make_mentor(make_user(Role.ALUMNUS, name=name), **fields)

    return make


# (the alumni, a query, whom it finds, the folded words the database must be sent)
FOLDING = [
    (["José Núñez", "Jose Plain"], "JOSÉ", ["Jose Plain", "José Núñez"], "jose"),
    (["José Núñez", "Jose Plain"], "josé", ["Jose Plain", "José Núñez"], "jose"),
    (["José Núñez"], "Nunez", ["José Núñez"], "nunez"),
    (["Zoë Brennan", "Zoe Plain"], "ZOË", ["Zoe Plain", "Zoë Brennan"], "zoe"),
    (["Zoë Brennan"], "zoe", ["Zoë Brennan"], "zoe"),
    (["Ærø Hansen"], "ÆRØ", ["Ærø Hansen"], "ærø"),
    (["Ærø Hansen"], "ærø", ["Ærø Hansen"], "ærø"),
    (["Åsa Öberg"], "ASA ÖBERG", ["Åsa Öberg"], "asa oberg"),
    (["Gil Finance"], "ﬁnance", ["Gil Finance"], "finance"),
    (["Hans Straße"], "STRASSE", ["Hans Straße"], "strasse"),
]


@pytest.mark.parametrize(("people", "query", "found", "word"), FOLDING)
def test_accents_and_case_fold_alike_on_both_databases(
    db, dialect, named, people, query, found, word
):
    for person in people:
        named(person)
    with Statements(db.engine) as sent:
        result = search_mentors(SearchCriteria(q=query))
    assert names(result) == found and result.total == len(found)
    # What the database was asked is the folded word, through its own full-text path: SQLite's
    # tokenizer would forgive an unfolded query, PostgreSQL's would not.
    *first, last = word.split()
    if dialect == "sqlite":
        assert any(" MATCH " in sql.upper() for sql in sent.sql)
        expected = " ".join([*(f'"{w}"' for w in first), f'"{last}"*'])
    else:
        assert any("@@ to_tsquery" in sql for sql in sent.sql)
        expected = " & ".join([*first, f"{last}:*"])
    searched = [p for p in sent.params if last in p or query.lower() in p.lower()]
    assert expected in searched
    assert all(p == expected for p in searched), searched


def test_a_query_is_folded_before_either_database_sees_it():
    """The one place both paths fold: the criteria's terms."""
    assert SearchCriteria(q="  JOSÉ   Zoë  Ærø ﬁ ").terms == ["jose", "zoe", "ærø", "fi"]


@pytest.mark.parametrize(
    ("field", "stored", "asked"),
    [
        ("city", "Évry", "Évry"),
        ("city", "Évry", "ÉVRY"),
        ("city", "Évry", "évry"),
        ("region", "Île-de-France", "île-de-france"),
        ("country", "Österreich", "ÖSTERREICH"),
        ("city", "Łódź", "ŁÓDŹ"),
        ("city", "Lyon", "LYON"),
    ],
)
def test_place_filters_ignore_case_in_every_script(named, field, stored, asked):
    """The facet counts (folded in Python) and the listed alumni (lower() in SQL) agree.

    SQLite's own lower() folds ASCII only: filtering by "Évry" counted the alumna and listed
    nobody there, while PostgreSQL listed her.
    """
    named("Placed Alumna", **{field: stored})
    named("Elsewhere Alumnus", **{field: "Zurich"})
    result = search_mentors(SearchCriteria(**{field: asked}))
    assert (result.total, names(result)) == (1, ["Placed Alumna"])
    assert search_mentors(SearchCriteria()).facets[field] == {stored: 1, "Zurich": 1}


# --- constraints -----------------------------------------------------------------------------


def raw_insert(db, table, **values) -> None:
    """Insert a row on a connection of its own, bypassing every rule of the services."""
    with db.engine.begin() as conn:
        conn.execute(insert(table).values(**values))


def user_row(email: str) -> dict:
    now = utcnow()
    return {
        "email": email,
        "display_name": "Raw Row",
        "active": True,
        "created_at": now,
        "updated_at": now,
    }


def test_an_address_is_unique_whatever_its_case(db, make_user):
    make_user(email="stella@example.edu")
    for spelling in ("Stella@Example.edu", "STELLA@EXAMPLE.EDU", " stella@example.edu "):
        with pytest.raises(Conflict):
            create_user(spelling, "Twin", "a long enough password", [Role.STUDENT])
        db.session.rollback()
    with pytest.raises(IntegrityError):
        raw_insert(db, User.__table__, **user_row("stella@example.edu"))


@pytest.mark.parametrize("email", ["Stella@example.edu", "ÉLODIE@example.fr", "élodiE@example.fr"])
def test_the_database_refuses_an_address_that_is_not_lower_case(db, email):
    """The CHECK (email = lower(email)) holds for every script on both databases."""
    with pytest.raises(IntegrityError):
        raw_insert(db, User.__table__, **user_row(email))
    raw_insert(db, User.__table__, **user_row(email.lower()))
    assert db.session.scalar(select(User.email).where(User.email == email.lower()))


def request_row(student_id: int, alumnus_id: int, state: str) -> dict:
    now = utcnow()
    return {
        "kind": "introduction",
        "state": state,
        "student_id": student_id,
        "alumnus_id": alumnus_id,
        "hopes": "",
        "why_alumnus": "",
        "message": "A raw row.",
        "proposed_dates": [],
        "conduct_acknowledged_at": now,
        "ics_sequence": 0,
        "created_at": now,
        "updated_at": now,
    }


OPEN = ["submitted", "needs_info", "relayed"]
CLOSED = [
    "declined_by_staff",
    "declined_by_alumnus",
    "expired",
    "withdrawn",
    "introduced",
    "scheduled",
    "cancelled",
    "completed",
]


@pytest.mark.parametrize("first", OPEN)
def test_one_open_request_per_student_and_alumnus(db, make_user, first):
    student, alumnus = make_user(Role.STUDENT), make_user(Role.ALUMNUS)
    table = ConnectionRequest.__table__
    raw_insert(db, table, **request_row(student.id, alumnus.id, first))
    for second in OPEN:
        with pytest.raises(IntegrityError):
            raw_insert(db, table, **request_row(student.id, alumnus.id, second))
    for closed in CLOSED:  # ended requests do not count, however many
        raw_insert(db, table, **request_row(student.id, alumnus.id, closed))
        raw_insert(db, table, **request_row(student.id, alumnus.id, closed))
    raw_insert(db, table, **request_row(alumnus.id, student.id, first))  # the other direction


def test_a_second_open_request_through_the_service_is_a_conflict(db, make_request):
    req = make_request()
    with pytest.raises(Conflict):
        services.submit_request(
            req.student,
            req.mentor_profile,
            "introduction",
            hopes="Again.",
            why_alumnus="Again.",
            message=req.message,
            conduct_acknowledged=True,
        )
    db.session.rollback()


@pytest.mark.parametrize(
    ("change", "values"),
    [
        ("an unknown state", {"state": "lost"}),
        ("an unknown kind", {"kind": "coffee"}),
        ("asking oneself", {"alumnus_id": None}),
    ],
)
def test_the_database_refuses_impossible_requests(db, make_request, change, values):
    req = make_request()
    if values.get("alumnus_id", 0) is None:
        values = {"alumnus_id": req.student_id}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            update(ConnectionRequest.__table__)
            .where(ConnectionRequest.__table__.c.id == req.id)
            .values(**values)
        )


def test_feedback_is_once_per_side_and_scored_one_to_five(db, make_request):
    req = make_request(state="introduced")
    table = RequestFeedback.__table__
    row = {"request_id": req.id, "met": True, "created_at": utcnow()}
    for bad in (0, 6):
        with pytest.raises(IntegrityError):
            raw_insert(db, table, side="student", usefulness=bad, **row)
    with pytest.raises(IntegrityError):
        raw_insert(db, table, side="staff", usefulness=3, **row)
    raw_insert(db, table, side="student", usefulness=1, **row)
    raw_insert(db, table, side="alumnus", usefulness=5, **row)
    with pytest.raises(IntegrityError):
        raw_insert(db, table, side="student", usefulness=3, **row)


# --- ordering --------------------------------------------------------------------------------


def test_a_students_requests_newest_first_ties_by_id(db, student, make_mentor):
    same = utcnow()
    made = []
    for _ in range(3):
        with transaction():
            made.append(
                services.submit_request(
                    student,
                    make_mentor(),
                    "introduction",
                    hopes="Learn.",
                    why_alumnus="You.",
                    message="x" * 100,
                    conduct_acknowledged=True,
                    now=same,
                ).id
            )
    assert [r.id for r in services.requests_of_student(student)] == sorted(made, reverse=True)


def test_the_staff_queue_oldest_change_first_ties_by_id(db, make_request):
    reqs = [make_request() for _ in range(4)]
    same = utcnow() - timedelta(days=2)
    older = same - timedelta(seconds=1)
    stamps = {reqs[0].id: same, reqs[1].id: older, reqs[2].id: same, reqs[3].id: same}
    with transaction():
        for request_id, stamp in stamps.items():
            db.session.execute(
                update(ConnectionRequest)
                .where(ConnectionRequest.id == request_id)
                .values(updated_at=stamp)
            )
    ids = db.session.scalars(services.queue_query(services.QueueFilters())).all()
    assert [r.id for r in ids] == [reqs[1].id, reqs[0].id, reqs[2].id, reqs[3].id]


def test_the_directory_order_is_the_same_on_both_databases(db, named):
    """Available first; never asked first; then the day's shuffle, computed here in Python."""
    on = date(2030, 6, 3)
    fresh = [named(f"Fresh {i}") for i in range(6)]
    asked = named("Asked Once", last_requested_at=datetime(2030, 6, 1, tzinfo=UTC))
    away = named("Away Now", away_until=on + timedelta(days=3))
    seed = day_seed(None, on)
    multiplier, offset = 1 + seed % (PRIME - 1), (seed * 2654435761) % PRIME
    shuffled = sorted(fresh, key=lambda p: ((p.id * multiplier + offset) % PRIME, p.id))
    result = search_mentors(SearchCriteria(), on=on)
    assert [p.id for p in result.items] == [p.id for p in shuffled] + [asked.id, away.id]


# --- times -----------------------------------------------------------------------------------


def test_times_in_any_offset_are_stored_and_compared_in_utc(db, make_request):
    """A deadline written in +02:00 is due at the same instant in UTC on both databases."""
    req = make_request(state="relayed")
    paris = timezone(timedelta(hours=2))
    deadline = datetime(2030, 6, 3, 9, 30, 15, 123456, tzinfo=paris)
    with transaction():
        db.session.get(ConnectionRequest, req.id).respond_by = deadline
    db.session.expire_all()
    stored = db.session.get(ConnectionRequest, req.id).respond_by
    assert stored == deadline and stored.tzinfo == UTC
    assert stored == datetime(2030, 6, 3, 7, 30, 15, 123456, tzinfo=UTC)  # microseconds kept
    instant = deadline.astimezone(UTC)
    assert due_expiries(instant - timedelta(microseconds=1)) == []
    assert due_expiries(instant) == [req.id]
    assert due_expiries(instant.astimezone(timezone(timedelta(hours=-5)))) == [req.id]


def test_a_naive_datetime_is_refused_before_it_reaches_either_database(db, make_request):
    req = make_request()
    db.session.get(ConnectionRequest, req.id).respond_by = datetime(2030, 1, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime given"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(StatementError, match="naive datetime given"):
        db.session.execute(
            select(MentorProfile.id).where(MentorProfile.last_confirmed_at < datetime(2030, 1, 1))
        ).all()
    db.session.rollback()
    assert db.session.get(ConnectionRequest, req.id).respond_by is None


def test_lower_is_the_same_function_on_both_databases(db):
    """lower() folds every script alike (the email CHECK and the place filters rely on it)."""
    got = db.session.scalar(text("SELECT lower(:v)"), {"v": "ÉVRY ÎLE ÖSTERREICH ŁÓDŹ ΑΘΉΝΑ"})
    assert got == "évry île österreich łódź αθήνα"
    assert db.session.scalar(text("SELECT lower(NULL)")) is None
