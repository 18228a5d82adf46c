"""bench/http.py must not take the standard library's `http` away from its sibling scripts."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_script_run_from_bench_still_gets_the_standard_librarys_http():
    """`python bench/x.py` puts bench/ first on sys.path, where http.py lives."""
    probe = "import sys; sys.path.insert(0, 'bench'); import urllib.request, http.client; "
    probe += "print(http.client.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, http.client.__file__)
