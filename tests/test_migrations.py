"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import app_config
from flask_migrate import downgrade, upgrade

from careerlink import create_app
from careerlink.extensions import db
from careerlink.paths import MIGRATIONS_DIR


def _include_object_from_env():
    """Load include_object from migrations/env.py without running it."""
    import ast

    source = (MIGRATIONS_DIR / "env.py").read_text()
    tree = ast.parse(source)
    func = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "include_object"
    )
    namespace: dict = {}
    module = ast.Module(body=[func], type_ignores=[])
    exec(compile(module, "env.py", "exec"), namespace)  # noqa: S102 (our own file)
    return namespace["include_object"]


def test_upgrade_from_empty_matches_the_models(new_database, tmp_path):
    """Upgrading an empty database gives the models' schema and no table outside the prefix."""
    database = new_database("migrate")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": _include_object_from_env(),
                    "version_table": application.config["CAREERLINK_ALEMBIC_VERSION_TABLE"],
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"
        tables = set(db.inspect(db.engine).get_table_names())
        # Alembic's bookkeeping too is ours: careerlink_alembic_version, never alembic_version.
        assert {t for t in tables if not t.startswith("careerlink_")} == set()
        assert "careerlink_alembic_version" in tables
        db.engine.dispose()


def test_downgrade_to_base_and_up_again(new_database, tmp_path):
    """Downgrading to base leaves only our Alembic table; upgrading again rebuilds the same set."""
    database = new_database("downgrade")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        upgraded = set(db.inspect(db.engine).get_table_names())
        # Every model's table (SQLite adds the full-text search's own tables).
        assert {t.name for t in db.metadata.sorted_tables} <= upgraded
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert set(db.inspect(db.engine).get_table_names()) == {"careerlink_alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR))
        assert set(db.inspect(db.engine).get_table_names()) == upgraded
        db.engine.dispose()


def test_0013_backfills_each_request_s_industry_and_allows_the_system_close(new_database, tmp_path):
    """Requests made before 0013 get their alumnus's industry (the first by name); the CHECK
    accepts the new state; downgrading turns it back into a state the old release knew."""
    import sqlalchemy as sa

    database = new_database("backfill")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0012")
        # The tables as 0012 left them, reflected: today's models have columns 0012 lacks.
        with db.engine.begin() as conn:
            meta = sa.MetaData()
            users = sa.Table("careerlink_users", meta, autoload_with=conn)
            industries = sa.Table("careerlink_industries", meta, autoload_with=conn)
            profiles = sa.Table("careerlink_mentor_profiles", meta, autoload_with=conn)
            links = sa.Table("careerlink_mentor_industries", meta, autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            # Ids and slugs clear of the industries the migrations seed.
            for iid, slug, name in ((901, "zoos-x", "Zoos X"), (902, "aquaria-x", "Aquaria X")):
                conn.execute(
                    industries.insert().values(
                        **{
                            **_required_values(industries, iid),
                            "id": iid,
                            "slug": slug,
                            "name": name,
                        }
                    )
                )
            conn.execute(
                profiles.insert().values(
                    **{
                        **_required_values(profiles, 1),
                        "user_id": 2,
                        "verification_status": "approved",
                        "tags": [],
                    }
                )
            )
            conn.execute(links.insert(), [{"profile_id": 1, "industry_id": i} for i in (901, 902)])
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "hopes, why_alumnus, message, proposed_dates, conduct_acknowledged_at, "
                    "ics_sequence, created_at, updated_at) VALUES (1, 'introduction', "
                    "'submitted', 1, 2, 'h', 'w', 'm', '[]', CURRENT_TIMESTAMP, 0, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        db.engine.dispose()
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.begin() as conn:
            industry = conn.execute(sa.text("SELECT industry_id FROM careerlink_requests")).scalar()
            assert industry == 902  # the first by name
            conn.execute(sa.text("UPDATE careerlink_requests SET state = 'alumnus_left'"))
        db.engine.dispose()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0012")
        with db.engine.connect() as conn:
            state = conn.execute(sa.text("SELECT state FROM careerlink_requests")).scalar()
        assert state == "declined_by_staff"
        db.engine.dispose()


def test_0014_keeps_every_request_and_its_history(new_database, tmp_path):
    """The requests table is rebuilt (new CHECKs): its rows and their history rows survive.

    On SQLite a DROP TABLE with foreign keys on deletes the history through ON DELETE CASCADE;
    the revision turns them off for the rebuild.
    """
    import sqlalchemy as sa

    database = new_database("kinds")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0012")
        with db.engine.begin() as conn:
            users = sa.Table("careerlink_users", sa.MetaData(), autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "hopes, why_alumnus, message, proposed_dates, conduct_acknowledged_at, "
                    "ics_sequence, created_at, updated_at) VALUES (1, 'introduction', "
                    "'relayed', 1, 2, '', '', 'm', '[]', CURRENT_TIMESTAMP, 0, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_request_events (request_id, to_state, actor_role, "
                    "created_at) VALUES (1, 'submitted', 'student', CURRENT_TIMESTAMP)"
                )
            )
        db.engine.dispose()
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            counts = [
                conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("careerlink_requests", "careerlink_request_events")
            ]
            kind = conn.execute(sa.text("SELECT kind FROM careerlink_requests")).scalar()
        assert (counts, kind) == ([1, 1], "introduction")
        db.engine.dispose()


def test_0016_counts_the_existing_requests_and_listed_alumni(new_database, tmp_path):
    """The report counts start from the data already there, and the triggers keep them after."""
    import sqlalchemy as sa

    database = new_database("counts")
    application = create_app(app_config(database, tmp_path))
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0015")
        with db.engine.begin() as conn:
            meta = sa.MetaData()
            users = sa.Table("careerlink_users", meta, autoload_with=conn)
            profiles = sa.Table("careerlink_mentor_profiles", meta, autoload_with=conn)
            links = sa.Table("careerlink_mentor_industries", meta, autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            profile = _required_values(profiles, 1) | {
                "user_id": 2,
                "monthly_capacity": 3,
                "verification_status": "approved",
                "tags": [],
            }
            conn.execute(profiles.insert().values(**profile))
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_industries (id, slug, name, active) "
                    "VALUES (700, 'counted', 'Counted', true)"
                )
            )
            conn.execute(links.insert().values(profile_id=1, industry_id=700))
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "industry_id, hopes, why_alumnus, message, proposed_dates, "
                    "conduct_acknowledged_at, relayed_at, ics_sequence, created_at, updated_at) "
                    "VALUES (1, 'introduction', 'relayed', 1, 2, 700, '', '', 'm', '[]', "
                    ":t, :t, 0, :t, :t)"
                ),
                {"t": datetime.datetime(2026, 3, 9, 12, tzinfo=datetime.UTC)},
            )
        db.engine.dispose()
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.begin() as conn:
            first = conn.execute(
                sa.text(
                    "SELECT month, kind, state, relayed, industry_id, n "
                    "FROM careerlink_request_counts"
                )
            ).all()
            supply = conn.execute(sa.text("SELECT * FROM careerlink_industry_supply")).all()
            conn.execute(sa.text("UPDATE careerlink_requests SET state = 'expired'"))
            after = conn.execute(sa.text("SELECT state, n FROM careerlink_request_counts")).all()
        assert [tuple(r) for r in supply] == [(700, 1, 3)]
        assert [(str(r[0]), *r[1:3], bool(r[3]), *r[4:]) for r in first] == [
            ("2026-03-01", "introduction", "relayed", True, 700, 1)
        ]
        assert [tuple(r) for r in after] == [("expired", 1)]
        db.engine.dispose()


def test_0017_times_and_marks_the_existing_requests(new_database, tmp_path):
    """The speed, responsiveness and outcomes columns start from the data already there."""
    import sqlalchemy as sa

    database = new_database("durations")
    application = create_app(app_config(database, tmp_path))
    made = datetime.datetime(2026, 3, 31, 22, tzinfo=datetime.UTC)
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0016")
        with db.engine.begin() as conn:
            users = sa.Table("careerlink_users", sa.MetaData(), autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "hopes, why_alumnus, message, proposed_dates, conduct_acknowledged_at, "
                    "reviewed_at, relayed_at, answered_at, ics_sequence, created_at, updated_at) "
                    "VALUES (1, 'introduction', 'completed', 1, 2, '', '', 'm', '[]', :made, "
                    ":reviewed, :reviewed, :answered, 0, :made, :made)"
                ),
                {
                    "made": made,
                    "reviewed": made + datetime.timedelta(hours=3),
                    "answered": made + datetime.timedelta(hours=5, seconds=1),
                },
            )
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_request_outcomes (request_id, kind, recorded_at) "
                    "VALUES (1, 'internship', :made)"
                ),
                {"made": made},
            )
        db.engine.dispose()
        upgrade(directory=str(MIGRATIONS_DIR), revision="0017")
        columns = (
            "review_month, review_seconds, answer_month, answer_seconds, relay_answer, "
            "outcome_bits, student_rating, alumnus_rating"
        )
        with db.engine.begin() as conn:
            first = conn.execute(sa.text(f"SELECT {columns} FROM careerlink_requests")).one()
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_request_feedback (request_id, side, met, usefulness, "
                    "created_at) VALUES (1, 'student', true, 4, :made)"
                ),
                {"made": made},
            )
            after = conn.execute(sa.text(f"SELECT {columns} FROM careerlink_requests")).one()
        assert tuple(first) == (202604, 3 * 3600, 202604, 2 * 3600 + 1, 1, 8, None, None)
        assert tuple(after) == (202604, 3 * 3600, 202604, 2 * 3600 + 1, 1, 8, 4, None)
        db.engine.dispose()


def _required_values(table, uid: int) -> dict:
    """A value for every NOT NULL column without a default, whatever that release's columns."""
    import datetime

    import sqlalchemy as sa

    values = {}
    for column in table.columns:
        if column.nullable or column.server_default is not None:
            continue
        python = (
            getattr(column.type, "python_type", str)
            if not isinstance(column.type, sa.JSON)
            else dict
        )
        if column.name == "id":
            values["id"] = uid
        elif python is bool:
            values[column.name] = True
        elif python is int:
            values[column.name] = 0
        elif python in (datetime.datetime, datetime.date):
            values[column.name] = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        elif python is dict:
            values[column.name] = {}
        else:
            values[column.name] = f"u{uid}@example.org"
    return values


def test_0020_adds_the_minutes_and_keeps_the_months(new_database, tmp_path):
    """Upgrade: the review and answer minutes come from the requests already there and the
    triggers keep them beside the months the previous release reads; every other trigger on
    the requests is still there. Downgrade: the months alone, still kept."""
    import sqlalchemy as sa

    database = new_database("minutes")
    application = create_app(app_config(database, tmp_path))
    made = datetime.datetime(2026, 3, 31, 22, tzinfo=datetime.UTC)
    reviewed = made + datetime.timedelta(hours=3)  # 1 April 01:00 UTC
    answered = made + datetime.timedelta(hours=5, seconds=1)  # 1 April 03:00:01 UTC
    minute = int(reviewed.timestamp()) // 60
    moved_to = made + datetime.timedelta(days=40)  # 10 May 22:00 UTC
    months = "review_month, review_seconds, answer_month, answer_seconds, relay_answer"
    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0019")
        with db.engine.begin() as conn:
            users = sa.Table("careerlink_users", sa.MetaData(), autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "hopes, why_alumnus, message, proposed_dates, conduct_acknowledged_at, "
                    "reviewed_at, relayed_at, answered_at, ics_sequence, created_at, updated_at) "
                    "VALUES (1, 'introduction', 'completed', 1, 2, '', '', 'm', '[]', :made, "
                    ":reviewed, :reviewed, :answered, 0, :made, :made)"
                ),
                {"made": made, "reviewed": reviewed, "answered": answered},
            )
        db.engine.dispose()
        upgrade(directory=str(MIGRATIONS_DIR), revision="0020")
        with db.engine.begin() as conn:
            after = conn.execute(
                sa.text(f"SELECT review_minute, answer_minute, {months} FROM careerlink_requests")
            ).one()
            # The durations triggers keep both; the counting triggers of 0016 are still there.
            conn.execute(
                sa.text("UPDATE careerlink_requests SET reviewed_at = :at, created_at = :at"),
                {"at": moved_to},
            )
            moved = conn.execute(
                sa.text(f"SELECT review_minute, answer_minute, {months} FROM careerlink_requests")
            ).one()
            counted = conn.execute(
                sa.text("SELECT month, n FROM careerlink_request_counts WHERE n > 0")
            ).all()
        assert tuple(after) == (minute, minute + 120, 202604, 3 * 3600, 202604, 2 * 3600 + 1, 1)
        assert tuple(moved)[:4] == (int(moved_to.timestamp()) // 60, minute + 120, 202605, 0)
        assert [(str(m), n) for m, n in counted] == [("2026-05-01", 1)]
        db.engine.dispose()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0019")
        with db.engine.begin() as conn:
            columns = {
                c["name"]
                for c in sa.inspect(conn).get_columns("careerlink_requests")
                if c["name"].endswith(("_minute", "_month"))
            }
            conn.execute(
                sa.text("UPDATE careerlink_requests SET reviewed_at = :at"),
                {"at": made + datetime.timedelta(days=70)},  # 9 June 22:00 UTC
            )
            back = conn.execute(sa.text(f"SELECT {months} FROM careerlink_requests")).one()
        assert columns == {"review_month", "answer_month"}
        assert tuple(back)[:2] == (202606, 30 * 86400)  # made (moved) 10 May 22:00
        db.engine.dispose()


def test_0021_keeps_the_queue_version_with_every_change_it_shows(new_database, tmp_path):
    """Upgrade: the version row and its triggers (a request's change, a name's change bump it;
    a sign-in time does not). Downgrade: neither is left."""
    import sqlalchemy as sa

    database = new_database("queue_version")
    application = create_app(app_config(database, tmp_path))
    made = datetime.datetime(2026, 3, 31, 22, tzinfo=datetime.UTC)

    def version(conn):
        return conn.execute(sa.text("SELECT version FROM careerlink_queue_state")).scalar_one()

    with application.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0021")
        with db.engine.begin() as conn:
            first = version(conn)
            users = sa.Table("careerlink_users", sa.MetaData(), autoload_with=conn)
            for uid in (1, 2):
                conn.execute(users.insert().values(**_required_values(users, uid)))
            unchanged = version(conn)  # a new user is on no request yet
            conn.execute(
                sa.text(
                    "INSERT INTO careerlink_requests (id, kind, state, student_id, alumnus_id, "
                    "hopes, why_alumnus, message, proposed_dates, conduct_acknowledged_at, "
                    "ics_sequence, created_at, updated_at) VALUES (1, 'introduction', "
                    "'submitted', 1, 2, '', '', 'm', '[]', :made, 0, :made, :made)"
                ),
                {"made": made},
            )
            inserted = version(conn)
            conn.execute(sa.text("UPDATE careerlink_users SET last_sign_in_at = :at"), {"at": made})
            signed_in = version(conn)
            conn.execute(sa.text("UPDATE careerlink_users SET display_name = 'Renamed'"))
            renamed = version(conn)
        assert unchanged == first
        assert len({first, inserted, renamed}) == 3
        assert signed_in == inserted
        db.engine.dispose()
        downgrade(directory=str(MIGRATIONS_DIR), revision="0020")
        with db.engine.begin() as conn:
            assert "careerlink_queue_state" not in sa.inspect(conn).get_table_names()
            conn.execute(sa.text("UPDATE careerlink_users SET display_name = 'Again'"))
        db.engine.dispose()
