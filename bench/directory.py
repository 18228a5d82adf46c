"""Benchmark the mentor directory search at scale (see bench/README.md).

Generates N synthetic alumni (default 100,000) in a database of its own, then times a fixed set
of searches through the app's search service and through the bare SQL it issues, printing p50
and p95 for each, the app/bare ratio, and the process's peak memory.

    .venv/bin/python bench/directory.py                      # SQLite, 100,000 alumni
    .venv/bin/python bench/directory.py --alumni 20000 --repeat 10
    .venv/bin/python bench/directory.py --database-url postgresql://postgres@127.0.0.1:5432/test
    CAREERLINK_CACHE_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/directory.py  # warm: Redis
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import event, insert, select, text  # noqa: E402

from bench.private_db import private_database  # noqa: E402
from careerlink.mentors.demo import FIRST_NAMES, LAST_NAMES  # noqa: E402

SEED = 20261128
CHUNK = 5000
# What the searches are timed with: wall time, or with `--clock cpu` this process's CPU time,
# which a machine shared with other work disturbs far less (SQLite only: PostgreSQL's own work
# happens in its server process, outside this one's CPU time).
CLOCK = time.perf_counter

# The demo's first names (accented ones included) and some more.
FIRST = [
    *FIRST_NAMES,
    "María",
    "Mohammed",
    "Fiona",
    "Conor",
    "Aoife",
    "Sean",
    "Ciara",
    "Mark",
    "Laura",
    "David",
    "Sarah",
    "Paul",
    "Emily",
    "James",
    "Kate",
]
# The demo's surnames (accented ones included) and some more, for a wider spread.
LAST = [
    *LAST_NAMES,
    "Kelly",
    "Byrne",
    "Ryan",
    "Doyle",
    "McCarthy",
    "Quinn",
    "Lynch",
    "Moore",
    "Wilson",
    "Clarke",
    "Walker",
    "Wright",
    "Thompson",
    "White",
    "Hughes",
]
COUNTRIES = [  # (country, weight, [(city, region), ...])
    ("Ireland", 30, [("Dublin", "Leinster"), ("Cork", "Munster"), ("Galway", "Connacht")]),
    (
        "United Kingdom",
        15,
        [
            ("London", "England"),
            ("Manchester", "England"),
            ("Edinburgh", "Scotland"),
            ("Belfast", "Northern Ireland"),
        ],
    ),
    (
        "United States",
        15,
        [
            ("New York", "New York"),
            ("Boston", "Massachusetts"),
            ("San Francisco", "California"),
            ("Chicago", "Illinois"),
            ("Austin", "Texas"),
            ("Seattle", "Washington"),
        ],
    ),
    ("France", 6, [("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes")]),
    ("Germany", 6, [("Berlin", "Berlin"), ("München", "Bavaria"), ("Hamburg", "Hamburg")]),
    ("Spain", 4, [("Madrid", "Madrid"), ("Barcelona", "Catalonia")]),
    ("Canada", 5, [("Toronto", "Ontario"), ("Montréal", "Québec"), ("Vancouver", "BC")]),
    ("Australia", 4, [("Sydney", "New South Wales"), ("Melbourne", "Victoria")]),
    ("Netherlands", 3, [("Amsterdam", "North Holland")]),
    ("Singapore", 2, [("Singapore", "")]),
    ("Kenya", 2, [("Nairobi", "Nairobi")]),
    ("Brazil", 2, [("São Paulo", "São Paulo")]),
    ("Japan", 2, [("Tokyo", "Tokyo")]),
    ("India", 3, [("Bangalore", "Karnataka"), ("Mumbai", "Maharashtra")]),
]
PROGRAMMES = [
    "Computer Science",
    "English Literature",
    "History",
    "Journalism",
    "Commerce",
    "Biology",
    "Veterinary Medicine",
    "Medicine",
    "Mechanical Engineering",
    "Law",
    "Economics",
    "Music",
    "Nursing",
    "Public Relations",
    "Environmental Science",
    "Physics",
    "Mathematics",
    "Architecture",
    "Psychology",
    "Sociology",
]
TITLES = [
    "Software engineer",
    "Data scientist",
    "Product manager",
    "Physician",
    "Nurse manager",
    "Veterinary surgeon",
    "Solicitor",
    "Barrister",
    "Analyst",
    "Portfolio manager",
    "Editor",
    "Journalist",
    "PR consultant",
    "Teacher",
    "Lecturer",
    "Civil engineer",
    "Architect",
    "Accountant",
    "Consultant",
    "Founder",
    "Policy officer",
    "Researcher",
    "Designer",
]
EMPLOYERS = [
    "Stripe",
    "Google",
    "Intel",
    "Pfizer",
    "St. Mary's Hospital",
    "Arthur Cox",
    "KPMG",
    "Deloitte",
    "Accenture",
    "Penguin Random House",
    "The Irish Times",
    "RTÉ",
    "BBC",
    "Bank of Ireland",
    "Goldman Sachs",
    "Department of Health",
    "Trinity College",
    "Riverside Veterinary Clinic",
    "Edelman",
    "Arup",
    "Siemens",
    "Shopify",
    "Médecins Sans Frontières",
]
TAGS = [
    "horses",
    "machine learning",
    "c++",
    "python",
    "startups",
    "mergers",
    "human rights",
    "data journalism",
    "podcasts",
    "public speaking",
    "career change",
    "leadership",
    "sustainability",
    "climate",
    "oncology",
    "paediatrics",
    "small animals",
    "equine surgery",
    "fintech",
    "crisis communications",
    "chess",
    "hiking",
    "working abroad",
    "mentoring",
]
WORDS = [
    "work",
    "team",
    "project",
    "clients",
    "students",
    "career",
    "advice",
    "industry",
    "experience",
    "years",
    "company",
    "help",
    "learn",
    "growth",
    "skills",
    "data",
    "research",
    "design",
    "build",
    "manage",
    "lead",
    "strategy",
    "market",
    "product",
    "health",
    "patients",
    "care",
    "law",
    "policy",
    "public",
    "media",
    "writing",
    "books",
    "editing",
    "communication",
    "finance",
    "risk",
    "engineering",
    "systems",
    "software",
    "cloud",
    "security",
    "animals",
    "clinic",
    "practice",
    "teaching",
    "school",
    "university",
    "graduate",
    "internship",
    "interview",
    "network",
    "community",
    "volunteer",
    "travel",
    "languages",
    "music",
    "art",
    "film",
    "sport",
    "football",
    "rugby",
    "running",
    "cooking",
    "family",
    "garden",
    "reading",
    "photography",
]

QUERIES = [  # (label, criteria kwargs, page)
    ("landing page", {}, 1),
    ("one industry", {"industries": ["software"]}, 1),
    (
        "two industries + shadowing",
        {"industries": ["healthcare", "veterinary"], "offers": ["shadowing"]},
        1,
    ),
    ("country + city", {"country": "Ireland", "city": "Dublin"}, 1),
    ("remote + accepting now", {"remote": True, "accepting_now": True}, 1),
    ("class years 2005-2012", {"class_year_min": 2005, "class_year_max": 2012}, 1),
    ("programme", {"programme": "Veterinary Medicine"}, 1),
    ("word: common", {"q": "engineer"}, 1),
    ("word: rare tag", {"q": "horses"}, 1),
    ("word: accented name", {"q": "José"}, 1),
    ("two words + prefix", {"q": "data scien"}, 1),
    ("one letter (whole word)", {"q": "m"}, 1),
    ("words + filters", {"q": "python", "industries": ["software"], "country": "Germany"}, 1),
    ("deep page", {}, 200),
    ("odd input", {"q": 'c++ "AND" * 😀'}, 1),
]


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alumni", type=int, default=100_000, help="alumni to generate")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per search")
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... to run on PostgreSQL (a private schema is created and dropped); "
        "SQLite in a temporary directory by default",
    )
    parser.add_argument(
        "--sqlite-file", default=None, help="reuse (or create) this SQLite file instead"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time the searches by wall time, or by this process's CPU time (SQLite on a "
        "shared machine)",
    )
    parser.add_argument(
        "--scale",
        default=None,
        help="comma-separated sizes (e.g. 10000,100000,300000): one database and table per size, "
        "then the landing page and one industry compared across sizes",
    )
    return parser.parse_args(argv)


def make_app(url: str, engine_options: dict):
    """The application bound to the benchmark's own database."""
    from careerlink import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "RATELIMIT_ENABLED": False,
        }
    )


def generate(db, count: int) -> float:
    """Insert `count` synthetic alumni with realistic spreads; return the seconds it took."""
    from careerlink.accounts.models import User, UserRole
    from careerlink.mentors import text as textfold
    from careerlink.mentors.industries import DEFAULT_INDUSTRIES, ensure_default_industries
    from careerlink.mentors.models import (
        UNAVAILABLE_FOREVER,
        Industry,
        MentorProfile,
        _next_month,
        mentor_industries,
    )

    started = time.perf_counter()
    rng = random.Random(SEED)
    conn = db.session.connection()
    ensure_default_industries(conn)
    industry_ids = {
        slug: id_ for id_, slug in conn.execute(text("SELECT id, slug FROM careerlink_industries"))
    }
    slugs = [slug for slug, _ in DEFAULT_INDUSTRIES]
    names = dict(DEFAULT_INDUSTRIES)
    # A few industries are far more common than others (Zipf-like).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(slugs))]
    rng.shuffle(weights)
    country_weights = [c[1] for c in COUNTRIES]
    word_weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    now = datetime.now(UTC)
    today = now.date()
    month_start = today.replace(day=1)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        users, roles, profiles, links = [], [], [], []
        for n in range(done + 1, done + size + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            users.append(
                {
                    "id": n,
                    "email": f"bench{n}@alumni.example.org",
                    "display_name": name,
                    "password_hash": None,
                    "active": True,
                    "session_version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "email_verified_at": now,
                    "alumnus_verified_at": now,
                }
            )
            roles.append({"user_id": n, "role": "alumnus", "granted_at": now})
            chosen = set()
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                chosen.add(rng.choices(slugs, weights)[0])
            for slug in chosen:
                links.append({"profile_id": n, "industry_id": industry_ids[slug]})
            country, _, places = COUNTRIES[rng.choices(range(len(COUNTRIES)), country_weights)[0]]
            city, region = rng.choice(places)
            title, employer = rng.choice(TITLES), rng.choice(EMPLOYERS)
            tags = rng.sample(TAGS, k=rng.choice([0, 1, 2, 3]))
            bio = " ".join(rng.choices(WORDS, word_weights, k=rng.randint(20, 120)))
            headline = f"{title} at {employer}"
            roll = rng.random()
            state: dict = {}
            if roll < 0.10:
                state = {"month_start": month_start, "month_request_count": 9}
            elif roll < 0.17:
                state = {"away_until": today + timedelta(days=rng.randint(1, 120))}
            elif roll < 0.22:
                state = {"accepting_requests": False}
            status = "approved" if rng.random() < 0.96 else "pending"
            # The denormalised directory columns the app keeps in sync before every flush
            # (MentorProfile.refresh_directory_columns); bulk inserts bypass the ORM.
            if not state.get("accepting_requests", True):
                unavailable_until = UNAVAILABLE_FOREVER
            elif "month_start" in state:
                unavailable_until = _next_month(month_start)
            else:
                unavailable_until = state.get("away_until")
            industry_key = "".join(f"|{i}" for i in sorted(industry_ids[c] for c in chosen)) + "|"
            offers = {
                "offers_introduction": rng.random() < 0.7,
                "offers_shadowing": rng.random() < 0.25,
                "offers_informational_interview": rng.random() < 0.6,
                "offers_resume_review": rng.random() < 0.35,
            }
            profiles.append(
                {
                    "id": n,
                    "user_id": n,
                    "headline": headline,
                    "employer": employer,
                    "job_title": title,
                    "city": city,
                    "region": region,
                    "country": country,
                    "open_to_remote": rng.random() < 0.55,
                    "class_year": max(1960, min(today.year, int(rng.gauss(2008, 9)))),
                    "degree": "BA",
                    "programme": rng.choice(PROGRAMMES),
                    "bio": bio,
                    "tags": tags,
                    **offers,
                    "shadowing_location": city if offers["offers_shadowing"] else "",
                    "shadowing_description": "",
                    "shadowing_requirements": "",
                    "shadowing_max_students": 1,
                    "monthly_capacity": rng.choice([1, 2, 2, 3, 4, 5]),
                    "accepting_requests": state.get("accepting_requests", True),
                    "away_until": state.get("away_until"),
                    "listed": (listed := rng.random() < 0.98),
                    "directory_listed": listed and status == "approved",
                    "unavailable_until": unavailable_until,
                    "industry_key": industry_key,
                    "opted_in_at": now,
                    "verification_status": status,
                    "last_confirmed_at": now,
                    "last_requested_at": (
                        now - timedelta(days=rng.randint(0, 400)) if rng.random() < 0.4 else None
                    ),
                    "month_start": state.get("month_start"),
                    "month_request_count": state.get("month_request_count", 0),
                    "answered_count": 0,
                    "asked_count": 0,
                    "median_response_days": (
                        round(rng.uniform(0.5, 10), 1) if rng.random() < 0.3 else None
                    ),
                    "search_document": textfold.document(
                        [name, headline, employer, title, bio, " ".join(tags)]
                        + [names[s] for s in chosen]
                    ),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn.execute(insert(User.__table__), users)
        conn.execute(insert(UserRole.__table__), roles)
        conn.execute(insert(MentorProfile.__table__), profiles)
        conn.execute(insert(mentor_industries), links)
        done += size
        print(f"\r  generated {done:,} / {count:,}", end="", flush=True)
    db.session.commit()
    print()
    del Industry
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
            c.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('careerlink_users', 'id'), "
                    "(SELECT max(id) FROM careerlink_users))"
                )
            )
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_queries(db, repeat: int, per_page: int) -> list[dict]:
    """Time each query through the app and as bare SQL; return one row per query."""
    from careerlink.mentors.facet_cache import facet_cache
    from careerlink.mentors.models import Offer
    from careerlink.mentors.search import SearchCriteria, search_mentors

    rows = []
    engine = db.engine
    for label, kwargs, page in QUERIES:
        kwargs = dict(kwargs)
        if "offers" in kwargs:
            kwargs["offers"] = [Offer(o) for o in kwargs["offers"]]
        criteria = SearchCriteria(**kwargs)
        captured: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany, sink=captured):
            sink.append((statement, parameters))

        cache = facet_cache()
        cache.clear()
        event.listen(engine, "before_cursor_execute", capture)
        result = search_mentors(criteria, page=page, per_page=per_page)
        event.remove(engine, "before_cursor_execute", capture)
        db.session.remove()
        total = result.total

        def timed(clear: bool, cache=cache, criteria=criteria, page=page) -> list[float]:
            times = []
            for i in range(repeat + 2):
                if clear:
                    cache.clear()
                started = CLOCK()
                search_mentors(criteria, page=page, per_page=per_page)
                elapsed = CLOCK() - started
                db.session.remove()  # each request starts with an empty session
                if i >= 2:
                    times.append(elapsed * 1000)
            return times

        # Cold: the counts cache is emptied before every run, so each run does all the SQL.
        app_times = timed(clear=True)
        # Warm: the same search again, its counts served from the cache (the page is not).
        warm_times = timed(clear=False)

        bare_times = []
        raw = engine.raw_connection()
        try:
            for i in range(repeat + 2):
                started = CLOCK()
                cursor = raw.cursor()
                for statement, parameters in captured:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.close()
                elapsed = CLOCK() - started
                raw.rollback()
                if i >= 2:
                    bare_times.append(elapsed * 1000)
        finally:
            raw.close()
        app50, app95 = percentile(app_times, 50), percentile(app_times, 95)
        warm50, warm95 = percentile(warm_times, 50), percentile(warm_times, 95)
        bare50, bare95 = percentile(bare_times, 50), percentile(bare_times, 95)
        rows.append(
            {
                "label": label,
                "total": total,
                "statements": len(captured),
                "app_p50": app50,
                "app_p95": app95,
                "warm_p50": warm50,
                "warm_p95": warm95,
                "bare_p50": bare50,
                "bare_p95": bare95,
                "ratio": app50 / bare50 if bare50 else float("nan"),
                "mean": statistics.mean(app_times),
            }
        )
    # A Redis cache (CAREERLINK_CACHE_URL) may be shared: leave none of the benchmark's keys.
    facet_cache().clear()
    return rows


def snapshot_figures(db, repeat: int) -> dict:
    """What the directory snapshot costs: a whole read, its size, and catching up one change."""
    from careerlink.database import transaction
    from careerlink.mentors import directory_snapshot
    from careerlink.mentors.facet_cache import facet_cache
    from careerlink.mentors.models import MentorProfile
    from careerlink.mentors.search import search_mentors

    reads = []
    for _ in range(max(3, repeat // 10)):
        started = CLOCK()
        snapshot = directory_snapshot.read_snapshot(*directory_snapshot.state())
        reads.append((CLOCK() - started) * 1000)
        db.session.remove()
    search_mentors()  # the shared snapshot is current
    db.session.remove()
    ids = list(db.session.scalars(select(MentorProfile.id).limit(repeat + 2)))
    db.session.remove()
    after_change = []
    for i, profile_id in enumerate(ids):
        with transaction():
            profile = db.session.get(MentorProfile, profile_id)
            profile.headline = f"{profile.headline} "[:160]
        db.session.remove()
        facet_cache().clear()
        started = CLOCK()
        search_mentors()
        elapsed = (CLOCK() - started) * 1000
        db.session.remove()
        if i >= 2:
            after_change.append(elapsed)
    facet_cache().clear()
    return {
        "read_p50": percentile(reads, 50),
        "megabytes": snapshot.nbytes / 1e6,
        "change_p50": percentile(after_change, 50),
        "change_p95": percentile(after_change, 95),
    }


def print_table(rows: list[dict], dialect: str, count: int) -> None:
    """The results as a plain-text table."""
    print(f"\n{dialect}, {count:,} alumni; times in ms")
    print(
        "cold = counts cache emptied before each run (counted from the snapshot); "
        "warm = counts from the cache"
    )
    header = (
        f"{'search':<28} {'matches':>8} {'stmts':>5} {'cold p50':>8} {'cold p95':>8} "
        f"{'bare p50':>8} {'bare p95':>8} {'cold/bare':>9} {'warm p50':>8} {'warm p95':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['label']:<28} {r['total']:>8,} {r['statements']:>5} {r['app_p50']:>8.1f} "
            f"{r['app_p95']:>8.1f} {r['bare_p50']:>8.1f} {r['bare_p95']:>8.1f} "
            f"{r['ratio']:>8.2f}x {r['warm_p50']:>8.1f} {r['warm_p95']:>8.1f}"
        )
    worst = max(r["app_p95"] for r in rows)
    worst_warm = max(r["warm_p95"] for r in rows)
    worst_ratio = max(r["ratio"] for r in rows)
    print(
        f"\nworst p95: cold {worst:.1f} ms, warm {worst_warm:.1f} ms; "
        f"worst cold/bare ratio (p50) {worst_ratio:.2f}x"
    )


def run_size(args, alumni: int) -> dict:
    """Build (or reuse) one database of `alumni`, run every search, print its table."""

    with ExitStack() as stack:
        if args.sqlite_file and not args.scale:
            path = Path(args.sqlite_file).resolve()
        else:
            folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-"))
            path = folder / "directory.sqlite3"
            if not args.keep:
                stack.callback(shutil.rmtree, folder, ignore_errors=True)
        url, engine_options, _schema, where = stack.enter_context(
            private_database(args.database_url, path, "bench_directory", keep=args.keep)
        )
        return _run_in(args, alumni, url, engine_options, where)


def _run_in(args, alumni: int, url: str, engine_options: dict, where: str) -> dict:
    """Fill the database at `url` (unless it holds the alumni already) and time the searches."""
    from careerlink.extensions import db

    print(f"database: {where}")
    app = make_app(url, engine_options)
    gc.freeze()  # as careerlink/wsgi.py does after loading the app
    with app.app_context():
        from careerlink.mentors.models import MentorProfile

        db.create_all()
        existing = db.session.query(MentorProfile).count()
        if existing != alumni:
            if existing:
                raise SystemExit(f"{where} holds {existing} alumni, not {alumni}")
            seconds = generate(db, alumni)
            print(f"  loaded in {seconds:.1f} s")
        figures = snapshot_figures(db, args.repeat)
        rows = run_queries(db, args.repeat, args.per_page)
        print_table(rows, db.engine.dialect.name, alumni)
        print(
            f"snapshot: read whole in {figures['read_p50']:.0f} ms (p50; a worker's first "
            f"search, or after a deletion), {figures['megabytes']:.1f} MB of arrays; "
            f"the landing page right after one profile change (catching up, counts not "
            f"cached): p50 {figures['change_p50']:.1f} ms, p95 {figures['change_p95']:.1f} ms"
        )
        db.session.remove()
        db.engine.dispose()
    return {row["label"]: row for row in rows}


def main(argv=None) -> int:
    """Build the database(s), run the searches, print the table(s)."""
    args = parse_args(argv)
    global CLOCK
    if args.clock == "cpu":
        if args.database_url:
            raise SystemExit("--clock cpu measures SQLite only (PostgreSQL works in its server)")
        CLOCK = time.process_time
    print(f"clock: {'CPU time of this process' if args.clock == 'cpu' else 'wall time'}")
    sizes = [int(size) for size in args.scale.split(",")] if args.scale else [args.alumni]
    by_size = {size: run_size(args, size) for size in sizes}
    if len(sizes) > 1:
        print("\nscale: cold p95 in ms (and its ratio to the smallest size)")
        smallest = sizes[0]
        for label in ("landing page", "one industry"):
            cells = []
            for size in sizes:
                p95 = by_size[size][label]["app_p95"]
                ratio = p95 / by_size[smallest][label]["app_p95"]
                cells.append(f"{size:>9,}: {p95:6.1f} ({ratio:.2f}x)")
            print(f"{label:<14} " + "  ".join(cells))
    sys.stdout.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
