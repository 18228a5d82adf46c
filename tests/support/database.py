"""The test database (a temp SQLite file, or a private PostgreSQL schema), `app`, `db`, `client`."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

os.environ.setdefault("CAREERLINK_ENV", "testing")

from careerlink import create_app  # noqa: E402
from careerlink.extensions import db as _db  # noqa: E402
from careerlink.extensions import limiter  # noqa: E402

TEST_DB_URL = os.environ.get("CAREERLINK_TEST_DATABASE_URL", "").strip()

# For slow tests that never touch the test database (they start their own processes on a
# SQLite file of their own, or none): CI runs the suite once per database, and these would
# do the same thing twice, so they run in the SQLite run only.
once = pytest.mark.skipif(
    bool(TEST_DB_URL),
    reason="uses no test database: runs once, in the SQLite run (CI runs both)",
)


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
            # Commits need not wait for the WAL to reach the disk: a crash would lose only a
            # test database, and the suite makes thousands of small commits.
            engine_options={
                "connect_args": {"options": f"-csearch_path={schema} -csynchronous_commit=off"}
            },
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
        """Send the request from an empty contextvars context (a streamed body is read in
        that context too, as a server reads it in the request's thread)."""
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            response.response = _ReadIn(context, response.response)
        return response


class _ReadIn:
    """A streamed response body whose chunks are made inside one contextvars context."""

    def __init__(self, context: contextvars.Context, body) -> None:
        self.context, self.body = context, body
        self.chunks = context.run(iter, body)

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.chunks)

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            self.context.run(close)


def _sqlite_unsynchronised(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(scope="session")
def app(database, tmp_path_factory):
    """The application, with every table created once for the run."""
    application = create_app(app_config(database, tmp_path_factory.mktemp("instance")))
    application.test_client_class = IsolatedClient
    limiter.enabled = False
    with application.app_context():
        if database.dialect == "sqlite":
            # The test file need not survive a power cut: no fsync at each of the suite's
            # thousands of commits (the app itself keeps SQLite's default, FULL).
            event.listen(_db.engine, "connect", _sqlite_unsynchronised)
            _db.engine.dispose()
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


_SEQUENCES = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND n.nspname = current_schema()
"""


def clean_tables() -> None:
    """Empty every CareerLink table, children first, and restart PostgreSQL's id sequences.

    DELETE, not TRUNCATE: on tables this small, PostgreSQL's TRUNCATE of some thirty tables
    (new files for each, exclusive locks) took about half a second per test, DELETE a
    hundredth of that, which over two thousand tests is most of the suite's time.
    """
    _db.session.remove()
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name.startswith("careerlink_")]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One round trip for the deletes, one for the sequences (ids start at 1 again).
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
            sequences = conn.exec_driver_sql(_SEQUENCES).scalars().all()
            if sequences:
                calls = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
                conn.exec_driver_sql(f"SELECT {calls}")
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


@contextmanager
def other_app(database: TestDatabase, tmp_path, **settings):
    """Another CareerLink application on the same database (another worker or machine), with
    rate limits off and these settings."""
    application = create_app(app_config(database, tmp_path, RATELIMIT_ENABLED=False, **settings))
    try:
        yield application
    finally:
        with application.app_context():
            _db.engine.dispose()


@pytest.fixture
def broken_cache(app, monkeypatch):
    """The directory's cache (careerlink.mentors.facet_cache) refusing every read and write,
    as an unreachable Redis does."""
    from careerlink.mentors.facet_cache import facet_cache

    with app.app_context():
        cache = facet_cache()

    def broken(*_args, **_kw):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    return cache
