"""The implementation of bench/http.py (see there and bench/README.md).

It lives apart because a file named http.py in bench/ stands in for the standard library's
`http` package for every script run from bench/ (see bench/http.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from multiprocessing import Pool  # noqa: E402

os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import insert, text  # noqa: E402

from bench.directory import generate, make_app  # noqa: E402
from bench.private_db import private_database  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402

SEED = 20261129
ROOT = _BENCH.parent
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) CareerLink-bench/1.0"
COMMON_WORD = "engineer"  # bench/directory.py's "word: common" search

# --- the baseline: what the framework alone does -------------------------------------------

BASELINE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mentors</title></head>
<body><main><h1>Mentors</h1><ul class="cards">
{% for card in cards %}<li class="card">
<h2><a href="/mentors/{{ card.id }}">{{ card.name }}</a></h2>
<p>{{ card.headline }}</p><p>{{ card.city }}, {{ card.country }}</p>
<ul>{% for industry in card.industries %}<li>{{ industry }}</li>{% endfor %}</ul>
<p>{{ card.bio }}</p></li>
{% endfor %}</ul></main></body></html>"""


def baseline():
    """A bare Flask app: one page of 20 cards from a template compiled once (gunicorn factory)."""
    from flask import Flask

    app = Flask("baseline")
    template = app.jinja_env.from_string(BASELINE_TEMPLATE)
    cards = [
        {
            "id": n,
            "name": f"Alumna Number {n}",
            "headline": "Veterinary surgeon at Riverside Clinic",
            "city": "Dublin",
            "country": "Ireland",
            "industries": ["Healthcare", "Veterinary"],
            "bio": "Happy to talk about clinical placements & the first years after college. " * 2,
        }
        for n in range(1, 21)
    ]

    @app.get("/")
    def page():
        return template.render(cards=cards)

    return app


# --- the data ------------------------------------------------------------------------------


def generate_people(db, alumni: int, students: int, requests: int) -> dict:
    """Add students, one staff member and `requests` open requests; return who to sign in."""
    from careerlink.accounts.models import User, UserRole
    from careerlink.connections.models import ConnectionRequest
    from careerlink.mentors.models import StudentProfile

    rng = random.Random(SEED)
    conn = db.session.connection()
    now = datetime.now(UTC)
    first_student = alumni + 1
    staff_id = alumni + students + 1
    users, roles, profiles = [], [], []
    for n in range(first_student, staff_id + 1):
        is_staff = n == staff_id
        users.append(
            {
                "id": n,
                "email": f"{'staff' if is_staff else 'student'}{n}@example.edu",
                "display_name": "Career Office" if is_staff else f"Student {n}",
                "password_hash": None,
                "active": True,
                "session_version": 1,
                "created_at": now,
                "updated_at": now,
                "email_verified_at": now,
            }
        )
        roles.append({"user_id": n, "role": "staff" if is_staff else "student", "granted_at": now})
        if not is_staff:
            profiles.append(
                {
                    "user_id": n,
                    "programme": "Veterinary Medicine",
                    "class_year": 2027,
                    "introduction": "",
                    "is_graduate": False,
                }
            )
    conn.execute(insert(User.__table__), users)
    conn.execute(insert(UserRole.__table__), roles)
    conn.execute(insert(StudentProfile.__table__), profiles)
    # Open requests, oldest first in the queue: most waiting for review, some asked for more
    # detail, some relayed to their alumnus (a few overdue). One open request per pair.
    rows = []
    for n in range(requests):
        roll = rng.random()
        created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        relayed = roll >= 0.8
        rows.append(
            {
                "kind": "introduction" if rng.random() < 0.8 else "shadowing",
                "state": "relayed" if relayed else ("needs_info" if roll >= 0.7 else "submitted"),
                "student_id": first_student + n % students,
                "alumnus_id": 1 + n * (alumni // requests) % alumni,
                "hopes": "To hear how you got started.",
                "why_alumnus": "We studied the same programme.",
                "message": "Hello, I would love to ask you about your work. " * 3,
                "proposed_dates": [],
                "conduct_acknowledged_at": created,
                "info_question": "Which dates suit you?" if 0.7 <= roll < 0.8 else None,
                "relayed_at": created if relayed else None,
                "respond_by": created + timedelta(days=14) if relayed else None,
                "created_at": created,
                "updated_at": created,
                "ics_sequence": 0,
            }
        )
    conn.execute(insert(ConnectionRequest.__table__), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('careerlink_users', 'id'), "
                    "(SELECT max(id) FROM careerlink_users))"
                )
            )
            c.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"student": first_student, "staff": staff_id}


def session_cookie(app, db, user_id: int) -> str:
    """A signed-in session for this user, as the `Cookie` header a browser would send."""
    from careerlink.accounts.models import User
    from careerlink.accounts.sessions import EndReason, end_sessions, start_session
    from careerlink.accounts.signin import SESSION_KEY
    from careerlink.database import transaction

    user = db.session.get(User, user_id)
    with transaction():
        # One browser, as on a fresh database: a reused one keeps no earlier run's sessions
        # (the account page lists them all).
        end_sessions(user, EndReason.SIGNED_OUT)
        key = start_session(user, USER_AGENT, "127.0.0.1")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess[SESSION_KEY] = key
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, path=app.config.get("SESSION_COOKIE_PATH") or "/")
    return f"{name}={cookie.value}"


def settle(measured, fetch) -> list[tuple[str, str, str | None]]:
    """`measured` with each cookie as a browser holds it once it has seen these pages.

    A browser keeps what a page sets in its session cookie (Flask-Login's marks, the CSRF
    secret): after that, its pages set no cookie. wrk never keeps a cookie, so without this
    every request would write and sign the session cookie anew, which no browser causes.
    `fetch(path, cookie)` returns the new `name=value` the page set, or None.
    """
    cookies = {c for _, _, c in measured if c}
    for cookie in cookies:
        current = cookie
        for _ in range(3):
            changed = False
            for _, path, c in measured:
                if c == cookie:
                    new = fetch(path, current)
                    if new and new != current:
                        current, changed = new, True
            if not changed:
                break
        else:
            raise SystemExit("a page sets the session cookie on every visit")
        measured = [(label, path, current if c == cookie else c) for label, path, c in measured]
    return measured


def _set_cookie(headers, name: str) -> str | None:
    """The `name=value` of the session cookie in these response headers, if set."""
    for header in headers.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith(f"{name}="):
            return pair
    return None


def pages(db, who: dict, cookies: dict) -> list[tuple[str, str, str | None]]:
    """(label, path, cookie) of every page measured."""
    from careerlink.mentors.models import Industry, MentorProfile, mentor_industries

    top_industry = db.session.execute(
        db.select(Industry.slug)
        .join(mentor_industries, mentor_industries.c.industry_id == Industry.id)
        .group_by(Industry.slug)
        .order_by(db.func.count().desc())
        .limit(1)
    ).scalar_one()
    mentor = db.session.execute(
        db.select(MentorProfile.id)
        .where(MentorProfile.directory_listed.is_(True))
        .order_by(MentorProfile.id)
        .limit(1)
    ).scalar_one()
    return [
        ("home", "/", None),
        ("/mentors", "/mentors", None),
        (f"/mentors?industry={top_industry}", f"/mentors?industry={top_industry}", None),
        (f"/mentors?q={COMMON_WORD}", f"/mentors?q={COMMON_WORD}", None),
        ("a mentor's page (student)", f"/mentors/{mentor}", cookies["student"]),
        ("account page (student)", "/account", cookies["student"]),
        ("staff queue (10,000 open)", "/staff/requests", cookies["staff"]),
    ]


# --- servers and load ----------------------------------------------------------------------


def start_gunicorn(app_spec: str, port: int, workers: int, env: dict, log: Path):
    """gunicorn serving app_spec on loopback; returns the process once it answers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "512",
            app_spec,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn for {app_spec} exited; see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn for {app_spec} did not answer in 60 s; see {log}")


def stop(process) -> None:
    """Stop a gunicorn started here."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(url: str, cookie: str | None) -> int:
    """The status of one GET (redirects not followed); each page must answer 200."""
    # Always an http://127.0.0.1 address built here.
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    if cookie:
        request.add_header("Cookie", cookie)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def in_process_fetch(app):
    """`settle`'s fetch through the WSGI app in this process."""
    client = app.test_client(use_cookies=False)
    name = app.config["SESSION_COOKIE_NAME"]

    def fetch(path: str, cookie: str) -> str | None:
        response = client.get(path, headers={"User-Agent": USER_AGENT, "Cookie": cookie})
        return _set_cookie(response.headers, name)

    return fetch


def http_fetch(port: int, name: str):
    """`settle`'s fetch over HTTP from the server on `port`."""

    def fetch(path: str, cookie: str) -> str | None:
        # Always an http://127.0.0.1 address built here.
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}{path}", headers={"User-Agent": USER_AGENT, "Cookie": cookie}
        )
        try:
            with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
                response.read()
                return _set_cookie(response.headers, name)
        except urllib.error.HTTPError as exc:  # a redirect: `check` reports it
            return _set_cookie(exc.headers, name)

    return fetch


def wrk_run(url: str, cookie: str | None, args) -> tuple[float, int]:
    """(req/s, non-2xx answers) from wrk."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    return rate, int(bad.group(1) if bad else 0) + int(errors.group(1) if errors else 0)


def _python_client(job: tuple[str, str | None, float, int]) -> tuple[int, int]:
    """One process of the Python client: keep-alive connections on threads, until the end."""
    import http.client
    from urllib.parse import urlsplit

    url, cookie, duration, connections = job
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    done, bad = [0] * connections, [0] * connections
    end = time.monotonic() + duration

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.monotonic() < end:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                done[i] += 1
                bad[i] += response.status >= 400
            except (OSError, http.client.HTTPException):
                conn.close()  # gunicorn's sync workers close after each answer: reconnect
                bad[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), sum(bad)


def python_run(url: str, cookie: str | None, args) -> tuple[float, int]:
    """(req/s, errors) from the Python client: args.threads processes sharing the connections."""
    per = max(1, args.connections // args.threads)
    started = time.monotonic()
    with Pool(args.threads) as pool:
        results = pool.map(_python_client, [(url, cookie, args.duration, per)] * args.threads)
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def paired_rounds(run, base_url: str, target: str, cookie: str | None, args) -> list[tuple]:
    """`args.rounds` rounds of (baseline, page), each under load for `args.duration` seconds:
    [(baseline req/s, page req/s, page errors)]. Each page is compared with the baseline run
    just before it: on a shared machine the speed of both drifts within minutes."""
    rounds = []
    for _ in range(args.rounds):
        base = run(base_url, None, args)[0]
        rate, bad = run(target, cookie, args)
        rounds.append((base, rate, bad))
    return rounds


def print_rows(rows: list[tuple[str, list[tuple]]], args) -> None:
    """Per page: the median req/s, the median of the rounds' ratios and their range."""
    import statistics

    print(
        f"\n{args.rounds} rounds a page, each {args.duration} s of the baseline (bare Flask, "
        "20 cards) then of the page; ratio = the page's req/s over the baseline's just before"
    )
    print(f"{'page':<40} {'base':>7} {'req/s':>7} {'ratio':>6} {'range':>13} {'errors':>6}")
    for label, rounds in rows:
        ratios = [rate / base for base, rate, _ in rounds]
        print(
            f"{label:<40} {statistics.median(b for b, _, _ in rounds):>7,.0f} "
            f"{statistics.median(r for _, r, _ in rounds):>7,.0f} "
            f"{statistics.median(ratios):>6.3f} {min(ratios):>6.3f}-{max(ratios):<6.3f} "
            f"{sum(e for _, _, e in rounds):>6}"
        )


# --- the run -------------------------------------------------------------------------------


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description="Benchmark CareerLink's pages under load.")
    parser.add_argument("--alumni", type=int, default=100_000, help="alumni to generate")
    parser.add_argument("--students", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=10_000, help="open requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app")
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds of load per run (baseline or page)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (baseline, page) per page")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads / client processes")
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="load tool"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... to run on PostgreSQL (a private schema is created and dropped); "
        "SQLite in a temporary directory by default",
    )
    parser.add_argument("--sqlite-file", default=None, help="reuse (or create) this SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--only", default=None, help="measure only the pages whose label contains this text"
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        default=None,
        help="instead of the load, time and profile 20 requests to PATH in process (signed in "
        "as the page's user) after two warm-ups, and print the top of cProfile's tables",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        metavar="N",
        default=0,
        help="instead of the load, measure the process CPU time of N requests to each page in "
        "process (after two warm-ups) and print the median and minimum per page: figures that "
        "hold on a busy machine, where req/s do not",
    )
    return parser.parse_args(argv)


def server_env(url: str, schema: str | None, secret: str, port: int) -> dict:
    """CareerLink's production settings for this run (rate limits off: one client, many hits)."""
    env = {
        "CAREERLINK_ENV": "production",
        "SECRET_KEY": secret,
        "DATABASE_URL": url,
        "CAREERLINK_BASE_URL": f"http://127.0.0.1:{port}",
        "CAREERLINK_SECURE_COOKIES": "true",
        "CAREERLINK_ALLOW_SQLITE": "true",
        "CAREERLINK_MAIL_TRANSPORT": "catcher",
        "CAREERLINK_ALLOW_MAIL_CATCHER": "true",
        "CAREERLINK_RATELIMIT_ENABLED": "false",
    }
    if schema:
        env["PGOPTIONS"] = f"-csearch_path={schema}"
    return env


def profile_one(app, path: str, cookie: str | None) -> None:
    """Time, then profile, 20 requests through the WSGI app in this process."""
    import cProfile
    import pstats

    client = app.test_client(use_cookies=False)  # a jar would replace our Cookie header
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    for _ in range(2):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.location or ''}")
    started = time.perf_counter()
    for _ in range(20):
        client.get(path, headers=headers)
    each = (time.perf_counter() - started) / 20 * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(path, headers=headers)
    profiler.disable()
    print(f"GET {path}: {each:.1f} ms a request in process (20 requests, not profiled)")
    if os.environ.get("BENCH_SHOW_SQL"):
        from sqlalchemy import event

        from careerlink.extensions import db

        with app.app_context():
            engine = db.engine

        started_at = []

        def start(conn, cursor, statement, *args):
            started_at.append(time.perf_counter())

        def show(conn, cursor, statement, *args):
            took = (time.perf_counter() - started_at.pop()) * 1000
            print(f"SQL {took:6.2f} ms:", " ".join(statement.split())[:300])

        event.listen(engine, "before_cursor_execute", start)
        event.listen(engine, "after_cursor_execute", show)
        client.get(path, headers=headers)
        event.remove(engine, "after_cursor_execute", show)
        event.remove(engine, "before_cursor_execute", start)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    if os.environ.get("BENCH_CALLERS"):
        stats.print_callers(os.environ["BENCH_CALLERS"])


def cpu_times(app, measured, rounds: int) -> None:
    """Median and minimum process CPU time of one request to each page, in process."""
    import statistics

    client = app.test_client(use_cookies=False)
    pages = []
    for label, path, cookie in measured:
        headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
        for _ in range(2):
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"GET {path}: {response.status_code} {response.location or ''}")
        pages.append((label, path, headers, []))
    # Pages take turns, so that a burst of load elsewhere falls on each of them alike.
    for _ in range(rounds):
        for _label, path, headers, times in pages:
            started = time.process_time()
            client.get(path, headers=headers)
            times.append((time.process_time() - started) * 1000)
    print(
        f"\nCPU time of one request in process, ms ({rounds} requests each, load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    print(f"{'page':<40} {'median':>7} {'min':>7}")
    for label, _path, _headers, times in pages:
        print(f"{label:<40} {statistics.median(times):>7.2f} {min(times):>7.2f}")


def main(argv=None) -> int:
    """Build (or reuse) the data, then measure every page against the baseline."""
    args = parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-http-"))
    sqlite_path = Path(args.sqlite_file).resolve() if args.sqlite_file else folder / "http.sqlite3"
    try:
        database = private_database(args.database_url, sqlite_path, "bench_http", keep=args.keep)
        with database as (url, engine_options, schema, where):
            print(f"database: {where}; load: {client}, {args.connections} connections, ", end="")
            print(f"{args.duration} s")
            return measure(args, client, url, engine_options, schema, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def measure(args, client: str, url: str, engine_options: dict, schema, folder: Path) -> int:
    """Load the data's users and pages, then profile one page or load them all."""
    from careerlink.extensions import db

    run = wrk_run if client == "wrk" else python_run
    secret = secrets.token_hex(32)
    servers = []
    try:
        app = make_app(url, engine_options)
        app.config.update(SECRET_KEY=secret, SESSION_COOKIE_SECURE=True)
        with app.app_context():
            from careerlink.accounts.models import User

            db.create_all()
            if not db.session.query(User).count():
                seconds = generate(db, args.alumni)
                who = generate_people(db, args.alumni, args.students, args.requests)
                print(f"  loaded in {seconds:.1f} s (alumni) + people and requests")
            else:
                who = {"student": args.alumni + 1, "staff": args.alumni + args.students + 1}
            cookies = {k: session_cookie(app, db, v) for k, v in who.items()}
            cookie_name = app.config["SESSION_COOKIE_NAME"]
            measured = pages(db, who, cookies)
            if args.only:
                measured = [m for m in measured if args.only in m[0]]
            db.session.remove()
            db.engine.dispose()
        db_url = url.replace("postgresql+psycopg", "postgresql")
        if args.profile or args.cpu:
            # The app as gunicorn runs it: production settings, request logs included.
            from careerlink import create_app

            os.environ.update(server_env(db_url, schema, secret, 8000))
            app = create_app()
            measured = settle(measured, in_process_fetch(app))
            if args.cpu:
                cpu_times(app, measured, args.cpu)
                return 0
            cookie = next((c for _, p, c in measured if p == args.profile), None)
            profile_one(app, args.profile, cookie)
            return 0
        base_port, app_port = free_port(), free_port()
        log = folder / "gunicorn.log"
        servers.append(
            start_gunicorn("bench.http_pages:baseline()", base_port, args.workers, {}, log)
        )
        env = server_env(db_url, schema, secret, app_port)
        servers.append(start_gunicorn("wsgi:app", app_port, args.workers, env, log))
        measured = settle(measured, http_fetch(app_port, cookie_name))
        for label, path, cookie in measured:
            status = check(f"http://127.0.0.1:{app_port}{path}", cookie)
            if status != 200:
                raise SystemExit(f"{label}: GET {path} answered {status}, not 200; see {log}")
        base_url = f"http://127.0.0.1:{base_port}/"
        run(base_url, None, args)  # warm-up: both servers' first requests are not measured
        rows = []
        for label, path, cookie in measured:
            target = f"http://127.0.0.1:{app_port}{path}"
            check(target, cookie)  # warm each worker's caches a little, as a live site's are
            rows.append((label, paired_rounds(run, base_url, target, cookie, args)))
        print_rows(rows, args)
    finally:
        for process in servers:
            stop(process)
    return 0
