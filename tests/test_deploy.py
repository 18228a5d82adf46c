"""deploy/: the systemd units, the environment file, nginx, the Dockerfile and compose.yaml.

Issue 18, finding "no systemd units, no container image, no nginx example". Without Docker
(CI here may lack it) the image's and the units' entry points are run as written: every
command a unit, the Dockerfile, compose.yaml or the scheduler starts is a real command
(`--help` for the flask ones, `gunicorn --check-config` for the web server). Where Docker
answers, a test marked `docker` builds the image and brings the compose file up.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import once

from careerlink.paths import load_config_module

# Files and commands only, on no test database: the same on both of CI's runs.
pytestmark = once

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
VENV_BIN = "/srv/careerlink/venv/bin/"
HERE_BIN = str(Path(sys.executable).parent) + "/"
ENV_FILE = "/etc/careerlink/careerlink.env"


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def parse_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile= and `set -a; . file` read them."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        [value] = shlex.split(value) or [""]
        values[name] = value
    return values


def clean_env(**extra) -> dict[str, str]:
    """This process's environment without any CareerLink, Flask, database or mail setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAREERLINK_", "FLASK_", "SECRET_KEY", "DATABASE_URL", "MAIL_"))
    }
    env.update(extra)
    return env


def service_env(tmp_path: Path) -> dict[str, str]:
    """The example environment file, filled in as an administrator would (a secret key)."""
    values = parse_env_file(DEPLOY / "careerlink.env.example")
    values["SECRET_KEY"] = "0123456789abcdef" * 4
    values["CAREERLINK_INSTANCE_PATH"] = str(tmp_path / "instance")
    return clean_env(**values, XDG_RUNTIME_DIR=str(tmp_path))


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """A command as a unit or container starts it, with this test's Python for the venv's."""
    argv = [a.replace(VENV_BIN, HERE_BIN) for a in argv]
    if argv[0] in ("flask", "gunicorn"):
        argv[0] = HERE_BIN + argv[0]
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=120
    )


def assert_runs(argv: list[str], env: dict[str, str]) -> None:
    """The command exists and starts: flask subcommands answer --help, gunicorn loads the app."""
    name = Path(argv[0]).name
    if name == "flask":
        proc = run([*argv, "--help"], env)
        assert proc.returncode == 0, f"{argv}: {proc.stderr}"
        command = " ".join(a for a in argv[3:] if not a.startswith("-"))
        assert proc.stdout.startswith(f"Usage: flask {command} [OPTIONS]"), proc.stdout
    elif name == "gunicorn":
        proc = run([argv[0], "--check-config", *argv[1:]], env)
        assert proc.returncode == 0, f"{argv}: {proc.stderr}"
    else:
        pytest.fail(f"unexpected command {argv}")


# --- systemd ------------------------------------------------------------------------------

SERVICES = [
    "careerlink-web",
    "careerlink-mail",
    "careerlink-webhooks",
    "careerlink-tick",
    "careerlink-remind",
    "careerlink-digest",
    "careerlink-retention",
]
TIMERS = [
    "careerlink-tick.timer",
    "careerlink-remind.timer",
    "careerlink-digest.timer",
    "careerlink-retention.timer",
]


def test_the_units_are_the_ones_documented():
    names = sorted(p.name for p in UNITS.iterdir())
    assert names == sorted([f"{s}.service" for s in SERVICES] + TIMERS)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_hardened_as_its_own_user_from_the_environment_file(name):
    service = parse_unit(UNITS / f"{name}.service")["Service"]
    assert service["User"] == ["careerlink"] and service["Group"] == ["careerlink"]
    assert service["EnvironmentFile"] == [ENV_FILE]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["ReadWritePaths"] == ["/var/lib/careerlink"]
    assert service["StateDirectory"] == ["careerlink"]
    starts = service["ExecStart"]
    assert all(start.startswith(VENV_BIN) for start in starts)
    if name in ("careerlink-web", "careerlink-mail", "careerlink-webhooks"):
        assert service["Restart"] == ["on-failure"]
    else:
        assert service["Type"] == ["oneshot"]
    if name != "careerlink-retention":
        assert len(starts) == 1  # only a oneshot service may run several commands in turn


def test_the_retention_unit_runs_every_purge():
    starts = parse_unit(UNITS / "careerlink-retention.service")["Service"]["ExecStart"]
    assert [start.removeprefix(VENV_BIN) for start in starts] == [
        "flask --app careerlink careerlink privacy purge-messages",
        "flask --app careerlink careerlink privacy purge-sessions",
        "flask --app careerlink careerlink audit purge",
    ]


WORKERS = {
    "careerlink-mail": "flask --app careerlink careerlink mail send --loop",
    "careerlink-webhooks": "flask --app careerlink careerlink webhooks deliver --loop",
}


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_unit_polls_in_a_loop(name):
    starts = parse_unit(UNITS / f"{name}.service")["Service"]["ExecStart"]
    assert [start.removeprefix(VENV_BIN) for start in starts] == [WORKERS[name]]


def test_compose_runs_both_workers_in_a_loop():
    services = compose()["services"]
    assert " ".join(services["worker"]["command"]) == WORKERS["careerlink-mail"]
    assert " ".join(services["webhooks"]["command"]) == WORKERS["careerlink-webhooks"]


def test_the_web_unit_does_not_restart_an_app_that_cannot_load():
    service = parse_unit(UNITS / "careerlink-web.service")["Service"]
    assert service["RestartPreventExitStatus"] == ["4"]  # gunicorn's "App failed to load"
    assert "--forwarded-allow-ips 127.0.0.1" in service["ExecStart"][0]
    assert service["ExecStart"][0].endswith(" careerlink.wsgi:app")


@pytest.mark.parametrize(
    "name,schedule",
    [
        ("careerlink-tick", "*:0/10"),
        ("careerlink-remind", "*-*-* 06:15:00"),
        ("careerlink-digest", "Mon *-*-* 07:00:00"),
        ("careerlink-retention", "*-*-* 05:30:00"),
    ],
)
def test_each_timer_starts_its_service(name, schedule):
    timer = parse_unit(UNITS / f"{name}.timer")
    assert timer["Timer"]["OnCalendar"] == [schedule]
    assert timer["Timer"]["Unit"] == [f"{name}.service"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


@pytest.mark.parametrize("name", SERVICES)
def test_each_units_command_is_a_real_command(name, tmp_path):
    for start in parse_unit(UNITS / f"{name}.service")["Service"]["ExecStart"]:
        assert_runs(shlex.split(start), service_env(tmp_path))


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace(VENV_BIN, HERE_BIN))
    proc = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    ours = [line for line in proc.stderr.splitlines() if "careerlink" in line]
    assert proc.returncode == 0 and ours == [], proc.stderr


# --- the environment file -------------------------------------------------------------------


def test_the_environment_file_names_only_real_settings():
    source = (ROOT / "config.py").read_text() + (ROOT / "careerlink" / "__init__.py").read_text()
    for name in parse_env_file(DEPLOY / "careerlink.env.example"):
        assert f'"{name}"' in source, f"{name} is not a CareerLink setting"


def test_the_environment_file_refuses_to_start_until_the_secret_key_is_filled_in(tmp_path):
    cfg = load_config_module()
    values = parse_env_file(DEPLOY / "careerlink.env.example")
    with pytest.raises(cfg.ConfigError, match="SECRET_KEY must be set"):
        cfg.config_from_env(values)
    config = cfg.config_from_env({**values, "SECRET_KEY": "0123456789abcdef" * 4})
    assert config.ENV_NAME == "production"
    assert config.RATELIMIT_STORAGE_URI.startswith("redis://")
    assert config.MAIL_DEFAULT_SENDER == "Career Office <careers@example.edu>"


# --- nginx -----------------------------------------------------------------------------------


def test_the_nginx_site_strips_the_prefix_and_forwards_what_the_app_trusts():
    site = (DEPLOY / "nginx" / "careerlink.conf").read_text()
    [app] = re.findall(r"location /careers/ \{(.*?)\n    \}", site, re.S)
    assert "proxy_pass http://127.0.0.1:8000/;" in app  # the trailing / strips /careers
    for header in (
        "Host $host",
        "X-Forwarded-Host $host",
        "X-Forwarded-Proto $scheme",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Prefix /careers",
    ):
        assert f"proxy_set_header {header};" in app
    assert "SCRIPT_NAME" not in app  # never both
    assert "return 301 https://$host$request_uri;" in site
    values = parse_env_file(DEPLOY / "careerlink.env.example")
    assert values["CAREERLINK_PROXY_COUNT"] == "1"
    assert values["CAREERLINK_BASE_URL"].endswith("/careers")


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx (or openssl) is not installed: the site is only read, not loaded")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=careers.example.edu", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "careerlink.conf").read_text()
    site = site.replace("/etc/ssl/certs/careers.example.edu.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/private/careers.example.edu.key", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    proc = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


# --- the container ---------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions, one list per stage (continuation lines joined)."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_dockerfile_builds_the_wheel_and_runs_it_as_a_non_root_user():
    build, image = dockerfile_stages()
    assert build[0] == "FROM python:3.11-slim AS build"
    assert any("python -m build --wheel" in line for line in build)
    assert image[0] == "FROM python:3.11-slim"
    assert any(line.startswith("COPY --from=build /dist/") for line in image)
    assert any("careerlink-*.whl)[postgresql,server]" in line for line in image)
    [user] = [line for line in image if line.startswith("USER ")]
    assert user == "USER careerlink"
    assert not any(line.startswith("COPY . ") for line in image)  # no source tree inside


def test_the_images_command_is_a_real_command(tmp_path):
    _, image = dockerfile_stages()
    [cmd] = [line for line in image if line.startswith("CMD ")]
    argv = json.loads(cmd[len("CMD ") :])
    assert argv[0] == "gunicorn" and argv[-1] == "careerlink.wsgi:app"
    assert_runs(argv, service_env(tmp_path))


def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_postgresql_redis_the_app_both_workers_and_the_schedule():
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker",
        "webhooks",
        "scheduler",
    }
    for name in ("web", "worker", "webhooks", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        env = services[name]["environment"]
        assert env["CAREERLINK_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql://careerlink:")
        assert env["CAREERLINK_RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


@pytest.mark.parametrize("name", ["migrate", "web", "worker", "webhooks"])
def test_each_compose_command_is_a_real_command(name, tmp_path):
    argv = compose()["services"][name]["command"]
    if argv[:3] == ["flask", "--app", "careerlink"] and argv[3] == "db":
        proc = run([*argv, "--help"], service_env(tmp_path))
        assert proc.returncode == 0 and proc.stdout.startswith("Usage: flask db upgrade")
        return
    assert_runs(argv, service_env(tmp_path))


def test_the_scheduler_runs_real_commands_every_ten_minutes(tmp_path):
    assert compose()["services"]["scheduler"]["command"] == ["careerlink-scheduler"]
    script = (DEPLOY / "scheduler.sh").read_text()
    commands = [line.split("&&")[0].strip() for line in script.splitlines()
                if line.strip().startswith("flask ")]  # fmt: skip
    assert commands == [
        "flask --app careerlink careerlink requests tick",
        "flask --app careerlink careerlink profiles remind",
        "flask --app careerlink careerlink privacy purge-messages",
        "flask --app careerlink careerlink privacy purge-sessions",
        "flask --app careerlink careerlink audit purge",
        "flask --app careerlink careerlink openings digest",
    ]
    assert "sleep 600" in script
    for command in commands:
        assert_runs(shlex.split(command), service_env(tmp_path))
    proc = subprocess.run(["sh", "-n", str(DEPLOY / "scheduler.sh")], check=False)
    assert proc.returncode == 0


def docker_problem() -> str | None:
    """Why Docker cannot be used here, or None."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    info = subprocess.run([docker, "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return f"the Docker daemon does not answer: {info.stderr.strip().splitlines()[-1]}"
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if plugin.returncode != 0:
        return "the docker compose plugin is not installed"
    return None


@pytest.mark.docker
def test_the_image_builds_and_compose_comes_up(tmp_path):
    problem = docker_problem()
    if problem:
        pytest.skip(problem)
    project = f"careerlink-test-{os.getpid()}"
    env = {
        **os.environ,
        "SECRET_KEY": "0123456789abcdef" * 4,
        "CAREERLINK_BASE_URL": "https://careers.example.edu",
        "POSTGRES_PASSWORD": "compose-test-password",
        "MAIL_SERVER": "smtp.example.edu",
        "MAIL_DEFAULT_SENDER": "Career Office <careers@example.edu>",
    }
    base = ["docker", "compose", "-p", project, "-f", str(DEPLOY / "compose.yaml")]
    build = subprocess.run([*base, "build"], env=env, capture_output=True, text=True, check=False)
    if build.returncode != 0 and "pull" in build.stderr.lower():
        pytest.skip(f"the base images cannot be pulled here: {build.stderr.strip()[-300:]}")
    assert build.returncode == 0, build.stderr
    try:
        up = subprocess.run([*base, "up", "-d", "--wait"], env=env, capture_output=True, text=True)
        assert up.returncode == 0, up.stderr
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=5) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
        assert body["status"] == "ok"
        status = subprocess.run(
            [*base, "exec", "-T", "worker", "flask", "--app", "careerlink", "careerlink", "mail",
             "status"], env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        subprocess.run([*base, "down", "-v"], env=env, capture_output=True, check=False)
