"""The test database (a temp SQLite file, or a private PostgreSQL schema), `app`, `db`, `client`."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

os.environ.setdefault("CAREERLINK_ENV", "testing")

from careerlink import create_app  # noqa: E402
from careerlink.extensions import db as _db  # noqa: E402
from careerlink.extensions import limiter  # noqa: E402

TEST_DB_URL = os.environ.get("CAREERLINK_TEST_DATABASE_URL", "").strip()


def _pg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


@dataclass
class TestDatabase:
    """Where this test run keeps its tables: a temp SQLite file or a private PostgreSQL schema."""

    __test__ = False  # a dataclass, not a test class, despite its name

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
        "CAREERLINK_IMPORT_DIR": str(tmp_path / "imports"),
        "CAREERLINK_UPLOAD_DIR": str(tmp_path / "uploads"),
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
    limiter.enabled = False
    yield
    limiter.enabled = False


def clean_tables() -> None:
    """Empty every CareerLink table (TRUNCATE on PostgreSQL, DELETE children first on SQLite)."""
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
        clean_tables()
        ctx.pop()


@pytest.fixture
def client(app, db):
    """A test client (CSRF off; see test_csrf for a client with it on)."""
    return app.test_client()
