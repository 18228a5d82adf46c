"""Benchmark the staff reports (issue 14): each report at 100,000 alumni and 200,000 requests.

    .venv/bin/python bench/reports.py                          # SQLite, 100,000 alumni
    .venv/bin/python bench/reports.py --alumni 20000 --requests 40000 --repeat 5
    .venv/bin/python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/reports.py --sqlite-file /tmp/reports.sqlite3 --keep   # reuse the data

The alumni come from bench/directory.py's generator (the same spreads); then students (with a
programme and a class year), requests in every state over the last two years with realistic
review and answer delays, outcomes and feedback are bulk-inserted. Each report page, its SVG
chart and its CSV are fetched through the app's test client as a staff member, for several
filter sets: the first fetch computes the report (cold), the next ones read it from the
report cache (warm, careerlink/staff/reports/cache.py); the cold time and the warm median and
p95 are printed (the target is 200 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.private_db import private_database  # noqa: E402

SEED = 20261129
CHUNK = 5000
TARGET_MS = 200.0


def _directory_bench():
    """bench/directory.py as a module: its alumni generator and helpers."""
    spec = importlib.util.spec_from_file_location(
        "bench_directory", ROOT / "bench" / "directory.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alumni", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--students", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=7, help="timed fetches per URL")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sqlite-file", default=None)
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite file or the PostgreSQL schema"
    )
    parser.add_argument(
        "--pg-schema", default=None, help="reuse this PostgreSQL schema kept by --keep"
    )
    return parser.parse_args(argv)


# (state, share, relayed?, answered?) — about what a busy year of a career office looks like.
STATES = [
    ("submitted", 0.02, False, False),
    ("needs_info", 0.01, False, False),
    ("declined_by_staff", 0.08, False, False),
    ("withdrawn", 0.04, False, False),
    ("relayed", 0.03, True, False),
    ("declined_by_alumnus", 0.14, True, True),
    ("expired", 0.12, True, False),
    ("introduced", 0.10, True, True),
    ("scheduled", 0.02, True, True),
    ("cancelled", 0.02, True, True),
    ("completed", 0.42, True, True),
]
OPEN = {"submitted", "needs_info", "relayed", "introduced", "scheduled"}


def generate_requests(db, alumni: int, students: int, count: int) -> float:
    """Students, requests, outcomes and feedback, bulk-inserted; the seconds it took."""
    from careerlink.accounts.models import User, UserRole
    from careerlink.connections.models import (
        ConnectionRequest,
        RequestFeedback,
        RequestOutcome,
    )
    from careerlink.mentors.models import StudentProfile

    started = time.perf_counter()
    rng = random.Random(SEED)
    conn = db.session.connection()
    now = datetime.now(UTC).replace(microsecond=0)
    programmes = _directory_bench().PROGRAMMES
    first_student = alumni + 1
    for start in range(0, students, CHUNK):
        users, roles, profiles = [], [], []
        for n in range(first_student + start, first_student + min(start + CHUNK, students)):
            users.append(
                {
                    "id": n,
                    "email": f"student{n}@students.example.edu",
                    "display_name": f"Student {n}",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                    "email_verified_at": now,
                }
            )
            roles.append({"user_id": n, "role": "student", "granted_at": now})
            profiles.append(
                {
                    "id": n,
                    "user_id": n,
                    "programme": rng.choice(programmes),
                    "class_year": rng.randint(2020, 2030),
                    "introduction": "",
                    "is_graduate": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn.execute(insert(User.__table__), users)
        conn.execute(insert(UserRole.__table__), roles)
        conn.execute(insert(StudentProfile.__table__), profiles)
    weights = [s[1] for s in STATES]
    open_pairs: set[tuple[int, int]] = set()
    outcome_kinds = ["informational_interview", "job_interview", "internship", "job_offer"]
    made = 0
    while made < count:
        size = min(CHUNK, count - made)
        requests, outcomes, feedback = [], [], []
        for n in range(made + 1, made + size + 1):
            state, _, relayed, answered = rng.choices(STATES, weights)[0]
            student = first_student + rng.randrange(students)
            alumnus = 1 + int(alumni * rng.random() ** 1.6)  # some alumni are asked far more
            if state in OPEN:
                if (student, alumnus) in open_pairs:
                    state, relayed, answered = "completed", True, True
                open_pairs.add((student, alumnus))
            created = now - timedelta(minutes=rng.randint(0, 730 * 24 * 60))
            reviewed = created + timedelta(minutes=int(rng.lognormvariate(7.0, 1.0)))
            answered_at = reviewed + timedelta(minutes=int(rng.lognormvariate(7.8, 1.0)))
            kind = "shadowing" if rng.random() < 0.25 else "introduction"
            if state == "scheduled" or state == "cancelled":
                kind = "shadowing"
            if state == "introduced":
                kind = "introduction"
            requests.append(
                {
                    "id": n,
                    "kind": kind,
                    "state": state,
                    "student_id": student,
                    "alumnus_id": alumnus,
                    "hopes": "Learn how the work is done.",
                    "why_alumnus": "Your path is the one I hope to take.",
                    "message": "Dear alumnus, I would be grateful for your help.",
                    "proposed_dates": [],
                    "conduct_acknowledged_at": created,
                    "reviewed_at": reviewed if state not in ("submitted", "withdrawn") else None,
                    "relayed_at": reviewed if relayed else None,
                    "respond_by": reviewed + timedelta(days=7) if relayed else None,
                    "answered_at": answered_at if answered else None,
                    "completed_at": answered_at + timedelta(days=14)
                    if state == "completed"
                    else None,
                    "ics_sequence": 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if state in ("introduced", "completed") and rng.random() < 0.3:
                outcomes.append(
                    {"request_id": n, "kind": rng.choice(outcome_kinds), "recorded_at": now}
                )
            if state == "completed" and rng.random() < 0.5:
                for side in ("student", "alumnus"):
                    if rng.random() < 0.6:
                        feedback.append(
                            {
                                "request_id": n,
                                "side": side,
                                "met": True,
                                "usefulness": rng.choice([3, 4, 4, 5, 5, 5]),
                                "created_at": now,
                            }
                        )
        conn.execute(insert(ConnectionRequest.__table__), requests)
        if outcomes:
            conn.execute(insert(RequestOutcome.__table__), outcomes)
        if feedback:
            conn.execute(insert(RequestFeedback.__table__), feedback)
        made += size
        print(f"\r  generated {made:,} / {count:,} requests", end="", flush=True)
    # Each request counts under its alumnus's industry when made (the first by name), as
    # connections.services.asking stores it.
    conn.execute(
        text(
            """
            UPDATE careerlink_requests SET industry_id = (
                SELECT mi.industry_id
                FROM careerlink_mentor_profiles p
                JOIN careerlink_mentor_industries mi ON mi.profile_id = p.id
                JOIN careerlink_industries i ON i.id = mi.industry_id
                WHERE p.user_id = careerlink_requests.alumnus_id
                ORDER BY i.name, i.id
                LIMIT 1
            )
            """
        )
    )
    db.session.commit()
    print()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
            for table in ("careerlink_users", "careerlink_requests"):
                c.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


def ensure_counts(db) -> None:
    """What migrations 0016, 0017 and 0020 add, on data kept from a run of an older release:
    `create_all` made the new tables, but not the triggers, columns and indexes on the tables
    that existed."""
    from sqlalchemy import func, inspect, select

    from careerlink.connections import counts, durations, outcome_marks
    from careerlink.connections.models import ConnectionRequest
    from careerlink.mentors import supply
    from careerlink.mentors.models import MentorProfile, StudentProfile

    conn = db.session.connection()
    present = {c["name"] for c in inspect(conn).get_columns("careerlink_requests")}
    if "review_minute" not in present:
        # Data kept from before migration 0020: its indexes and triggers as the models and
        # durations.py have them now (the columns are added below, then filled).
        durations.drop_triggers(conn)
        for index in ("numbers", "alumnus_state"):
            conn.execute(text(f"DROP INDEX IF EXISTS ix_careerlink_requests_{index}"))
    for name in durations.COLUMNS:
        if name not in present:
            kind = "BIGINT" if name.endswith("seconds") else "INTEGER"
            conn.execute(text(f"ALTER TABLE careerlink_requests ADD COLUMN {name} {kind}"))
    for name in outcome_marks.COLUMNS:
        if name not in present:
            kind = "INTEGER"
            conn.execute(text(f"ALTER TABLE careerlink_requests ADD COLUMN {name} {kind}"))
    for model in (ConnectionRequest, StudentProfile, MentorProfile):
        for index in model.__table__.indexes:
            index.create(conn, checkfirst=True)
    counts.create_triggers(conn)
    supply.create_triggers(conn)
    durations.create_triggers(conn)
    outcome_marks.create_triggers(conn)
    R = ConnectionRequest
    untimed = (R.reviewed_at.is_not(None) & R.review_minute.is_(None)) | (
        R.relayed_at.is_not(None) & R.relay_answer.is_(None)
    )
    unmarked = not db.session.scalar(select(func.count()).where(R.outcome_bits.is_not(None)))
    if db.session.scalar(select(func.count()).where(untimed)) or unmarked:
        started = time.perf_counter()
        reviewed = durations.rebuild(conn)
        marked = outcome_marks.rebuild(conn)
        print(
            f"  timed {reviewed:,} reviewed requests and marked {marked:,} with outcomes or "
            f"feedback in {time.perf_counter() - started:.1f} s"
        )
        conn.execute(text("ANALYZE"))
    if not db.session.scalar(select(func.count()).select_from(counts.RequestCount)):
        started = time.perf_counter()
        keys = counts.rebuild(conn)
        industries = supply.rebuild(conn)
        print(
            f"  counted {keys:,} monthly keys and {industries} industries' supply "
            f"in {time.perf_counter() - started:.1f} s"
        )
        conn.execute(text("ANALYZE"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # The rebuilds rewrote most requests: without a VACUUM their index-only scans visit
        # the table too, until autovacuum comes round.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE careerlink_requests"))


def filter_sets(db) -> list[tuple[str, dict]]:
    """The filters each report is fetched with."""
    programme = db.session.scalar(text("SELECT programme FROM careerlink_student_profiles LIMIT 1"))
    return [
        ("last 365 days", {}),
        ("two years", {"start": (datetime.now(UTC) - timedelta(days=729)).date().isoformat()}),
        ("one industry", {"industry": "software"}),
        ("one programme", {"programme": programme}),
        ("class year", {"class_year": "2026"}),
    ]


def run(app, db, repeat: int) -> list[tuple[str, str, str, float, float, float]]:
    """Fetch every report page, chart and CSV: the first fetch computes (cold), the `repeat`
    after it read the cache (warm); (report, filters, what, cold, warm p50, warm p95) in ms."""
    from careerlink.accounts.services import create_user
    from careerlink.database import transaction
    from careerlink.permissions import Role
    from careerlink.staff.reports.queries import REPORTS

    with transaction():
        staff = create_user(
            f"bench-staff-{uuid.uuid4().hex[:6]}@example.edu", "Bench Staff", None, [Role.STAFF]
        )
    client = app.test_client()
    from careerlink.accounts.sessions import start_session
    from careerlink.accounts.signin import SESSION_KEY

    with transaction():
        key = start_session(staff, "bench", "127.0.0.1")
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"], sess[SESSION_KEY] = staff.get_id(), True, key
    rows = []
    for slug in REPORTS:
        for label, args in filter_sets(db):
            for what, suffix in (("page", ""), ("chart", ".svg"), ("csv", ".csv")):
                url = f"/staff/reports/{slug}{suffix}"
                times, firsts = [], []
                for _ in range(repeat + 1):
                    begin = time.perf_counter()
                    # Unbuffered: a streamed CSV's first chunk is timed apart from the whole.
                    resp = client.get(url, query_string=args, buffered=False)
                    if resp.status_code != 200:
                        raise SystemExit(f"{url} {args} answered {resp.status_code}")
                    chunks = iter(resp.response)
                    next(chunks, None)
                    firsts.append((time.perf_counter() - begin) * 1000)
                    for _chunk in chunks:
                        pass
                    resp.close()
                    times.append((time.perf_counter() - begin) * 1000)
                # A streamed body has no Content-Length: its first chunk is timed too.
                streamed = "Content-Length" not in resp.headers
                for kind, found in ((what, times), ("1st byte", firsts)):
                    if kind == "1st byte" and not streamed:
                        continue
                    cold, warm = found[0], sorted(found[1:])
                    p95 = warm[min(len(warm) - 1, int(round(0.95 * (len(warm) - 1))))]
                    rows.append((slug, label, kind, cold, statistics.median(warm), p95))
    return rows


def main(argv=None) -> int:
    """Build the database, fetch every report, print the table."""
    args = parse_args(argv)
    directory = _directory_bench()
    from careerlink.extensions import db

    with ExitStack() as stack:
        if args.sqlite_file:
            path = Path(args.sqlite_file).resolve()
        else:
            folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-"))
            path = folder / "reports.sqlite3"
            if not args.keep:
                stack.callback(shutil.rmtree, folder, ignore_errors=True)
        url, engine_options, _schema, where = stack.enter_context(
            private_database(
                args.database_url, path, "bench_reports", keep=args.keep, schema=args.pg_schema
            )
        )
        print(f"database: {where}")
        app = directory.make_app(url, engine_options)
        with app.app_context():
            from careerlink.connections.models import ConnectionRequest

            db.create_all()
            existing = db.session.scalar(select(func.count()).select_from(ConnectionRequest))
            if existing == 0:
                # A bulk load, as a restore would be: without the triggers that keep the
                # reports' counts (one UPSERT per row changed), counted once afterwards
                # (ensure_counts), as migration 0016 or `flask careerlink reports rebuild` do.
                from careerlink.connections import counts, durations, outcome_marks
                from careerlink.mentors import supply

                counts.drop_triggers(db.session.connection())
                supply.drop_triggers(db.session.connection())
                durations.drop_triggers(db.session.connection())
                outcome_marks.drop_triggers(db.session.connection())
                db.session.commit()
                seconds = directory.generate(db, args.alumni)
                seconds += generate_requests(db, args.alumni, args.students, args.requests)
                print(f"  loaded in {seconds:.1f} s")
            elif existing != args.requests:
                raise SystemExit(f"{where} holds {existing} requests, not {args.requests}")
            ensure_counts(db)
            rows = run(app, db, args.repeat)
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    print(
        f"\n{dialect}, {args.alumni:,} alumni, {args.requests:,} requests; "
        f"{args.repeat} fetches each (ms)\n"
    )
    print(f"{'report':16}{'filters':16}{'what':9}{'cold':>9}{'warm p50':>10}{'warm p95':>10}")
    for slug, label, what, cold, p50, p95 in rows:
        flag = "  cold over target" if cold > TARGET_MS else ""
        print(f"{slug:16}{label:16}{what:9}{cold:9.1f}{p50:10.1f}{p95:10.1f}{flag}")
    worst_cold = max(rows, key=lambda r: r[3])
    worst_warm = max(rows, key=lambda r: r[5])
    print(
        f"\nworst cold: {worst_cold[3]:.1f} ms ({worst_cold[0]}, {worst_cold[1]}, {worst_cold[2]})"
    )
    print(
        f"worst warm p95: {worst_warm[5]:.1f} ms "
        f"({worst_warm[0]}, {worst_warm[1]}, {worst_warm[2]})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
