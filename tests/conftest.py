"""Shared fixtures: the app on SQLite or PostgreSQL, a real SMTP server, factories, personas."""

from __future__ import annotations

import contextvars
import email
import email.policy
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

os.environ.setdefault("CAREERLINK_ENV", "testing")

from factories import MESSAGE, advance, working_days  # noqa: E402

from careerlink import create_app  # noqa: E402
from careerlink.extensions import db as _db  # noqa: E402
from careerlink.permissions import Role  # noqa: E402

TEST_DB_URL = os.environ.get("CAREERLINK_TEST_DATABASE_URL", "").strip()
DEFAULT_PASSWORD = "correct horse battery"


def _pg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


@dataclass
class TestDatabase:
    """Where this test run keeps its tables: a temp SQLite file or a private PostgreSQL schema."""

    url: str
    dialect: str
    engine_options: dict = field(default_factory=dict)
    schema: str | None = None


def _new_database(tmp_path_factory, label: str) -> TestDatabase:
    if TEST_DB_URL:
        url = _pg_url(TEST_DB_URL)
        # Each run (and each migration test) gets its own schema, so runs never collide.
        schema = f"cl_{label}_{uuid.uuid4().hex[:10]}"
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        return TestDatabase(
            url=url,
            dialect="postgresql",
            engine_options={"connect_args": {"options": f"-csearch_path={schema}"}},
            schema=schema,
        )
    path = tmp_path_factory.mktemp(label) / "careerlink.sqlite3"
    return TestDatabase(url=f"sqlite:///{path}", dialect="sqlite")


def _drop_database(database: TestDatabase) -> None:
    if database.schema:
        engine = create_engine(database.url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def new_database(tmp_path_factory):
    """A factory of empty databases (for migration tests); all are dropped at the end."""
    made: list[TestDatabase] = []

    def factory(label: str = "extra") -> TestDatabase:
        database = _new_database(tmp_path_factory, label)
        made.append(database)
        return database

    yield factory
    for database in made:
        _drop_database(database)


def app_config(database: TestDatabase, tmp_path, **extra) -> dict:
    """The configuration the tests run the app with."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database.url,
        "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options,
        "WTF_CSRF_ENABLED": False,
        # Initialised (so one test can switch it on), then switched off in the app fixture.
        "RATELIMIT_ENABLED": True,
        "PASSWORD_HASH_FAST": True,
        "SERVER_NAME": None,
        "CAREERLINK_BASE_URL": "http://careerlink.test",
        "CAREERLINK_MAIL_TRANSPORT": "catcher",
        "CAREERLINK_MAIL_DIR": str(tmp_path / "mail"),
        "MAIL_DEFAULT_SENDER": "CareerLink <careers@example.edu>",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[TestDatabase]:
    """The run's database."""
    database = _new_database(tmp_path_factory, "suite")
    yield database
    _drop_database(database)


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server would.

    Without this, a request reuses the test's app context: its `g` (and Flask-Login's cached
    user) and its database session would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        """Send the request from an empty contextvars context."""
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database, tmp_path_factory):
    """The application, with every table created once for the run."""
    application = create_app(app_config(database, tmp_path_factory.mktemp("instance")))
    application.test_client_class = IsolatedClient
    from careerlink.extensions import limiter

    limiter.enabled = False
    with application.app_context():
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _rate_limits_off():
    """Rate limits are off unless a test turns them on (other create_app calls re-enable them)."""
    from careerlink.extensions import limiter

    limiter.enabled = False
    yield
    limiter.enabled = False


def _clean_tables() -> None:
    _db.session.remove()
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name.startswith("careerlink_")]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    """The database inside an app context, emptied after each test."""
    ctx = app.app_context()
    ctx.push()
    try:
        yield _db
    finally:
        _db.session.rollback()
        _clean_tables()
        ctx.pop()


@pytest.fixture
def client(app, db):
    """A test client (CSRF off; see test_csrf for a client with it on)."""
    return app.test_client()


@pytest.fixture
def make_user(db):
    """Create a committed user: make_user(role=Role.STUDENT, email=..., verified=True)."""
    from careerlink.accounts.services import create_user
    from careerlink.models import utcnow

    counter = {"n": 0}

    def factory(
        *roles: Role,
        email: str | None = None,
        name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        verified: bool = True,
        alumnus_verified: bool = True,
    ):
        counter["n"] += 1
        roles = roles or (Role.STUDENT,)
        user = create_user(
            email or f"user{counter['n']}-{uuid.uuid4().hex[:6]}@example.edu",
            name or f"Test User {counter['n']}",
            password,
            list(roles),
            verified=verified,
        )
        if Role.ALUMNUS in roles and alumnus_verified:
            user.alumnus_verified_at = utcnow()
        db.session.commit()
        return user

    return factory


@pytest.fixture
def student(make_user):
    """A verified student."""
    return make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")


@pytest.fixture
def alumna(make_user):
    """A verified alumna."""
    return make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")


@pytest.fixture
def staff(make_user):
    """A career-office staff member."""
    return make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user(Role.ADMIN, email="ada@careers.example.edu", name="Ada Admin")


@pytest.fixture
def make_mentor(db, make_user):
    """make_mentor(user=None, offers=("introduction", "shadowing"), industry="veterinary", ...)."""
    from careerlink.mentors.models import Industry, MentorProfile, Offer, VerificationStatus
    from careerlink.models import utcnow

    def factory(user=None, offers=("introduction", "shadowing"), industry="veterinary", **fields):
        if user is None:
            user = make_user(Role.ALUMNUS)
        ind = db.session.scalar(db.select(Industry).where(Industry.slug == industry))
        if ind is None:
            ind = Industry(slug=industry, name=industry.replace("-", " ").title())
            db.session.add(ind)
        values = {
            "headline": "Veterinarian",
            "employer": "Riverside Veterinary Clinic",
            "job_title": "Practice owner",
            "city": "Lyon",
            "country": "France",
            "shadowing_location": "12 Quai du Rhône, Lyon",
            "shadowing_description": "Morning consultations, then surgery observation.",
            "shadowing_requirements": "Closed shoes; no perfume.",
            "monthly_capacity": 5,
        }
        values.update(fields)
        profile = MentorProfile(user_id=user.id)
        profile.offers = [Offer(o) for o in offers]
        profile.industries = [ind]
        profile.opt_in("I agree.")
        profile.verification_status = VerificationStatus.APPROVED.value
        profile.verified_at = utcnow()
        for name, value in values.items():
            setattr(profile, name, value)
        db.session.add(profile)
        db.session.commit()
        return profile

    return factory


@pytest.fixture
def make_request(db, make_user, make_mentor):
    """make_request(student=None, mentor=None, kind="introduction", state="submitted")."""
    from careerlink.connections import services

    made = {"staff": None}

    def factory(
        student=None, mentor=None, kind="introduction", state="submitted", staff=None, **kw
    ):
        if student is None:
            student = make_user(Role.STUDENT)
        if mentor is None:
            mentor = make_mentor()
        if staff is None:
            if made["staff"] is None:
                made["staff"] = make_user(Role.STAFF, name="Queue Staff")
            staff = made["staff"]
        if state == "cancelled":
            kind = "shadowing"
        req = services.submit_request(
            student,
            mentor,
            kind,
            hopes=kw.get("hopes", "Learn how a veterinary practice runs."),
            why_alumnus=kw.get("why_alumnus", "You run the clinic I want to work at."),
            message=kw.get("message", MESSAGE),
            proposed_dates=kw.get("proposed_dates", working_days(3, gap=2)),
            conduct_acknowledged=True,
        )
        advance(req, state, staff)
        db.session.commit()
        return req

    return factory


def sign_in_session(client, user) -> None:
    """Sign a user in through the session, without posting the form."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


@pytest.fixture
def sign_in(client):
    """sign_in(user): sign in through the session."""

    def do(user):
        sign_in_session(client, user)
        return client

    return do


# --- a real SMTP server ---------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd on a loopback port, keeping every message it receives."""

    def __init__(self):
        self.port = free_port()
        self.envelopes: list = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Keep the message."""
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Start (or restart) the server on the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop the server; connections are then refused."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            time.sleep(0.05)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        """The received messages, parsed."""
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]

    def clear(self) -> None:
        """Forget what was received."""
        self.envelopes.clear()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app's smtp transport points at it."""
    sink = SmtpSink()
    sink.start()
    old = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "CAREERLINK_MAIL_TRANSPORT")}
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, CAREERLINK_MAIL_TRANSPORT="smtp"
    )
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = sink.port
    try:
        yield sink
    finally:
        sink.stop()
        app.config.update(old)
        app.extensions["mail"].server = old["MAIL_SERVER"]
        app.extensions["mail"].port = old["MAIL_PORT"]


@pytest.fixture
def outbox(db):
    """Read the outbox rows: outbox() -> list, newest last."""
    from careerlink.mail.models import OutboxMessage

    def rows(event: str | None = None):
        stmt = _db.select(OutboxMessage).order_by(OutboxMessage.id)
        if event:
            stmt = stmt.where(OutboxMessage.event == event)
        return list(_db.session.scalars(stmt))

    return rows


def link_from(body: str, marker: str) -> str:
    """The first URL in a text body that contains marker."""
    for word in body.split():
        if word.startswith("http") and marker in word:
            return word.strip("<>()")
    raise AssertionError(f"no link containing {marker!r} in:\n{body}")
