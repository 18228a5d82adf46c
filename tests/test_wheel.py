"""The built wheel, installed in a fresh virtual environment, migrates a database and serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

from careerlink import __version__

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd, **kwargs):
    """Run a command; fail the test with its output unless it succeeds."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.wheel
def test_wheel_installs_migrates_and_serves(tmp_path, new_database):
    """Built, installed elsewhere, it finds its own migrations, migrates, and serves pages."""
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)])
    [wheel] = list(dist.glob("careerlink-*.whl"))
    assert wheel.name == f"careerlink-{__version__}-py3-none-any.whl"  # careerlink/__about__.py

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / "bin"
    _run([str(bin_dir / "pip"), "install", "--quiet", f"{wheel}[postgresql]"])

    database = new_database("wheel")
    url = database.url.replace("postgresql+psycopg://", "postgresql://")
    if database.schema:
        url += f"?options=-csearch_path%3D{database.schema}"
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "FLASK_APP", "VIRTUAL_ENV") and not k.startswith("PYTEST")
    }
    env.update(
        {
            "DATABASE_URL": url,
            "CAREERLINK_ENV": "production",
            "SECRET_KEY": "wheel-test-secret-key-0123456789",
            "CAREERLINK_BASE_URL": "https://careers.example.edu",
            "CAREERLINK_SECURE_COOKIES": "true",
            # No SMTP server here: the catcher, allowed explicitly (production refuses it).
            "CAREERLINK_MAIL_TRANSPORT": "catcher",
            "CAREERLINK_ALLOW_MAIL_CATCHER": "true",
            "CAREERLINK_MAIL_DIR": str(tmp_path / "mail"),
            "CAREERLINK_ALLOW_SQLITE": "true",
            "PATH": f"{bin_dir}:{env.get('PATH', '')}",
        }
    )
    flask = str(bin_dir / "flask")
    # Nothing from the checkout: the package must find its own templates and migrations.
    probe = _run(
        [str(bin_dir / "python"), "-c", "import careerlink.paths as p; print(p.MIGRATIONS_DIR)"],
        cwd=workdir,
        env=env,
    )
    [site_packages] = (venv / "lib").glob("python*/site-packages")
    assert probe.stdout.strip() == str(site_packages / "careerlink" / "migrations")
    _run([flask, "--app", "careerlink", "db", "upgrade"], cwd=workdir, env=env)

    port = free_port()
    server = subprocess.Popen(
        [flask, "--app", "careerlink", "run", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=2) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert body is not None, "the installed app did not answer"
        assert "<h1>Sign in</h1>" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/careerlink.css") as r:
            assert b"--cl-color-primary" in r.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
            assert json.loads(r.read()) == {
                "status": "ok",
                "version": __version__,
                "database": "ok",
            }
    finally:
        server.terminate()
        server.wait(timeout=10)
