"""Benchmark the alumni import (see bench/README.md).

Generates a file of N rows (default 100,000) in each preset's layout, then imports each one in a
database of its own: a dry run, the real run, a re-import of the same file (every row
unchanged), and an update (the file with every row's job title changed). Each run is a separate
process, so its peak memory (max RSS) is its own.

    .venv/bin/python bench/import.py                          # SQLite, 100,000 rows, CSV
    .venv/bin/python bench/import.py --rows 20000 --format xlsx --preset banner
    .venv/bin/python bench/import.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CAREERLINK_ENV", "testing")

from sqlalchemy import create_engine, text  # noqa: E402

from bench.private_db import pg_url  # noqa: E402

MODES = ("dry run", "real run", "re-import", "update")


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in each file")
    parser.add_argument("--preset", action="append", default=None, help="only this preset")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... to run on PostgreSQL (a private schema is created and dropped); "
        "SQLite in a temporary directory by default",
    )
    parser.add_argument("--child", nargs=4, metavar=("URL", "SCHEMA", "FILE", "PRESET"))
    parser.add_argument("--dry-run", action="store_true")
    return parser.parse_args(argv)


def make_app(url: str, schema: str):
    """The application bound to the benchmark's own database."""
    from careerlink import create_app

    options = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema != "-" else {}
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "RATELIMIT_ENABLED": False,
        }
    )


def child(args) -> int:
    """One import in this process: print its seconds, outcome counts and peak memory (JSON)."""
    from careerlink.database import transaction
    from careerlink.extensions import db
    from careerlink.mentors.imports import presets, services

    url, schema, path, preset = args.child
    app = make_app(url, schema)
    with app.app_context():
        started = time.perf_counter()
        if args.dry_run:
            report = services.run_import(Path(path), presets.preset(preset), dry_run=True)
            db.session.rollback()
        else:
            with transaction():
                report = services.run_import(Path(path), presets.preset(preset), dry_run=False)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "counts": report.counts, "peak_mb": peak}))
    return 0


def prepare_database(args):
    """A fresh database with the tables and the default industries; returns url, schema, cleanup."""
    from careerlink.extensions import db
    from careerlink.mentors.industries import ensure_default_industries

    if args.database_url:
        url = pg_url(args.database_url)
        schema = f"bench_import_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def cleanup():
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    else:
        folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-import-"))
        url, schema = f"sqlite:///{folder / 'import.sqlite3'}", "-"

        def cleanup():
            shutil.rmtree(folder, ignore_errors=True)

    app = make_app(url, schema)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            ensure_default_industries(conn)
        db.engine.dispose()
    return url, schema, cleanup


def run_child(url, schema, path, preset, dry_run) -> dict:
    """Run one import in a fresh process and read what it printed."""
    command = [sys.executable, __file__, "--child", url, schema, str(path), preset]
    if dry_run:
        command.append("--dry-run")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_file(path: Path, preset: str, rows, file_format: str) -> None:
    """One generated file, CSV or XLSX."""
    from careerlink.mentors.imports import samples

    if file_format == "csv":
        samples.write_csv(path, preset, rows)
    else:
        samples.write_xlsx(path, preset, rows)


def changed_rows(preset: str, count: int):
    """The generated rows with every job title changed (what the update run imports)."""
    from careerlink.mentors.imports import samples
    from careerlink.mentors.imports.presets import FIELDS, PRESETS

    names = [name for name in FIELDS if name in PRESETS[preset].columns]
    position = names.index("job_title")
    for row in samples.sample_rows(preset, count):
        row[position] = "Senior analyst"
        yield row


def main(argv=None) -> int:
    """Generate the files, import each, print the table."""
    args = parse_args(argv)
    if args.child:
        return child(args)
    from careerlink.mentors.imports import samples
    from careerlink.mentors.imports.presets import PRESETS

    chosen = args.preset or list(PRESETS)
    folder = Path(tempfile.mkdtemp(prefix="careerlink-bench-files-"))
    dialect = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.rows:,} rows per file, {args.format}, on {dialect}")
    print(f"{'preset':<16}{'run':<11}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}  outcome")
    try:
        for preset in chosen:
            path = folder / f"{preset}.{args.format}"
            changed = folder / f"{preset}-changed.{args.format}"
            write_file(path, preset, samples.sample_rows(preset, args.rows), args.format)
            write_file(changed, preset, changed_rows(preset, args.rows), args.format)
            url, schema, cleanup = prepare_database(args)
            try:
                for mode in MODES:
                    result = run_child(
                        url,
                        schema,
                        changed if mode == "update" else path,
                        preset,
                        dry_run=mode == "dry run",
                    )
                    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items() if v)
                    rate = args.rows / result["seconds"]
                    print(
                        f"{preset:<16}{mode:<11}{result['seconds']:>9.1f}{rate:>10,.0f}"
                        f"{result['peak_mb']:>9.0f}  {counts}"
                    )
            finally:
                cleanup()
            path.unlink()
            changed.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
