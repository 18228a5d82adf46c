"""Benchmark whether the account forms answer faster or slower for a known address (issue 8, 5).

Posts sign-up, forgot-password and resend-verification N times each for an address that has an
account and for one that has none, alternating the two so that drift in the machine's load
falls on both, and prints the median and p95 of each and the difference of the medians.

    .venv/bin/python bench/account_enumeration.py                 # SQLite, 200 of each
    .venv/bin/python bench/account_enumeration.py --repeat 500
    .venv/bin/python bench/account_enumeration.py --database-url postgresql://postgres@127.0.0.1:5432/test

Passwords are hashed with the production Argon2 parameters (not the test suite's cheap ones),
since the sign-up oracle was the hashing a known address skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import create_engine, text  # noqa: E402

from bench.private_db import pg_url  # noqa: E402

PASSWORD = "a-long-password-1"


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed posts per address")
    parser.add_argument("--warmup", type=int, default=10, help="untimed posts first")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... (a private schema is created and dropped); SQLite by default",
    )
    return parser.parse_args(argv)


def timed_posts(app, path: str, known, unknown, repeat: int, warmup: int):
    """Alternate posts for the known and the unknown address; return their times in ms."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(warmup + repeat):
        for label, data in (("known", known(i)), ("unknown", unknown(i))):
            # A fresh visitor each time: no session growing with unread flashed messages.
            client = app.test_client()
            start = time.perf_counter()
            resp = client.post(path, data=data)
            elapsed = (time.perf_counter() - start) * 1000
            if resp.status_code >= 400:
                raise SystemExit(f"{path} answered {resp.status_code} for {label}")
            if i >= warmup:
                times[label].append(elapsed)
    return times


def signup_form(email: str) -> dict:
    """A valid sign-up form for this address."""
    return {
        "display_name": "Bench Person",
        "email": email,
        "role": "student",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20)[-1]


def main(argv=None) -> int:
    """Build a small database, time the three forms, print the table."""
    args = parse_args(argv)
    from careerlink import create_app
    from careerlink.accounts.services import create_user
    from careerlink.database import transaction
    from careerlink.extensions import db
    from careerlink.permissions import Role

    cleanup = None
    if args.database_url:
        url = pg_url(args.database_url)
        schema = f"bench_enum_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}

        def cleanup():
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    else:
        folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-"))
        url = f"sqlite:///{folder / 'enum.sqlite3'}"
        options = {}

        def cleanup():
            shutil.rmtree(folder, ignore_errors=True)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_FAST": False,
        }
    )
    rows = []
    try:
        with app.app_context():
            db.create_all()
            with transaction():
                create_user("known@bench.example.edu", "Known", PASSWORD, [Role.STUDENT])
                create_user("late@bench.example.edu", "Late", PASSWORD, [Role.STUDENT])
            db.session.remove()
            run = str(uuid.uuid4().hex[:6])
            cases = [
                (
                    "forgot password",
                    "/password/forgot",
                    lambda i: {"email": "known@bench.example.edu"},
                    lambda i: {"email": f"nobody{i}-{run}@bench.example.edu"},
                ),
                (
                    "resend verification",
                    "/verify/resend",
                    lambda i: {"email": "late@bench.example.edu"},
                    lambda i: {"email": f"nobody{i}-{run}@bench.example.edu"},
                ),
                (
                    "sign-up",
                    "/signup",
                    lambda i: signup_form("known@bench.example.edu"),
                    lambda i: signup_form(f"new{i}-{run}@bench.example.edu"),
                ),
            ]
            for name, path, known, unknown in cases:
                times = timed_posts(app, path, known, unknown, args.repeat, args.warmup)
                rows.append((name, times))
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            cleanup()
    print(f"{dialect}, {args.repeat} posts per address (after {args.warmup} warm-up), in ms")
    print(
        f"{'form':<20} {'known p50':>10} {'unknown p50':>12} {'diff p50':>9} {'known p95':>10} "
        f"{'unknown p95':>12}"
    )
    for name, times in rows:
        k, u = times["known"], times["unknown"]
        km, um = statistics.median(k), statistics.median(u)
        print(
            f"{name:<20} {km:>10.2f} {um:>12.2f} {km - um:>+9.2f} {p95(k):>10.2f} {p95(u):>12.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
