"""Benchmark CareerLink's pages under load against a bare Flask page (see bench/README.md).

Builds a database of its own (100,000 alumni from bench/directory.py's generator, plus students,
one staff member and 10,000 open requests), starts gunicorn (2 workers) for CareerLink and for
a bare Flask app rendering 20 cards from a compiled template, drives both in the same run with
wrk (or, without wrk, a Python client) and prints req/s and the ratio to the baseline per page.

    .venv/bin/python bench/http.py                             # SQLite, 100,000 alumni
    .venv/bin/python bench/http.py --alumni 20000 --duration 5
    .venv/bin/python bench/http.py --sqlite-file /tmp/http.sqlite3 --keep    # reuse the data
    .venv/bin/python bench/http.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/http.py --only staff --profile /staff/requests    # cProfile, in process

The code is in bench/http_pages.py.
"""

import sys
from pathlib import Path

_BENCH = Path(__file__).resolve().parent

if __name__ == "http":
    # A script run from bench/ has bench/ first on sys.path, where this file stands in for the
    # standard library's `http` package (urllib, http.client...): load the real one instead.
    import importlib.util
    import sysconfig

    _real = Path(sysconfig.get_path("stdlib")) / "http"
    _spec = importlib.util.spec_from_file_location(
        "http", _real / "__init__.py", submodule_search_locations=[str(_real)]
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["http"] = _module
    _spec.loader.exec_module(_module)
elif __name__ == "__main__":
    # This folder must not stay on sys.path (see above): the repository goes first instead.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
    sys.path.insert(0, str(_BENCH.parent))
    from bench.http_pages import main

    raise SystemExit(main())
