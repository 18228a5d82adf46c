"""Every route, every role, hostile values in every path, query and form parameter: no 5xx.

Routes come from the app's URL map and parameter names from the code itself (WTForms fields
and every `args.get("...")`-style read), so a new route or parameter cannot be forgotten.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support.auth import TEST_USER_AGENT

import careerlink
from careerlink.accounts.models import UserSession
from careerlink.accounts.sessions import hash_key, start_session
from careerlink.accounts.signin import SESSION_KEY
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mail.health import record_pass
from careerlink.permissions import Role

HOSTILE = [
    "",
    "-1",
    str(2**31),
    str(2**63),
    "99999999999999999999999",
    "1e309",
    "2026-13-45",
    "0001-01-01",
    "x" * 5000,
    "\x00",
    "é😀\u202e",
    "' OR 1=1 --<script>",
    "approve",
    "other",
    "shadowing",
    "overdue",
]

_READS = re.compile(
    r"""(?:args|form)\.(?:get|getlist)\(\s*"(\w+)"|_(?:getlist|first|flag|year)\(\s*\w+,\s*"(\w+)\""""
)


def _parameter_names() -> list[str]:
    """Every query and form parameter the code reads, plus every WTForms field name."""
    names: set[str] = set()
    for source in Path(careerlink.__file__).parent.rglob("*.py"):
        for match in _READS.finditer(source.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    from importlib import import_module

    for domain in ("accounts", "connections", "mentors"):
        import_module(f"careerlink.{domain}.forms")

    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    for form in forms(FlaskForm):
        if form.__module__.startswith("careerlink."):
            names.update(name for name in dir(form) if hasattr(getattr(form, name), "field_class"))
    return sorted(names)


PARAMS = _parameter_names()


def _routes(app, api: bool = True) -> list[tuple[str, str, list[str]]]:
    """(method, rule, argument names) for every route but static files (and the API's)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or (not api and rule.rule.startswith("/api/")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, sorted(rule.arguments)))
    return found


def _path(rule: str, values: dict[str, str]) -> str:
    from urllib.parse import quote

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)


@pytest.fixture
def world(make_request, make_user, staff):
    """Objects in several states, so that real ids reach the views as well as hostile ones."""
    relayed = make_request(state="relayed")
    needs_info = make_request(state="needs_info", kind="shadowing")
    scheduled = make_request(state="scheduled", kind="shadowing")
    people = {
        "anonymous": None,
        "student": relayed.student,
        "alumnus": relayed.alumnus,
        "staff": staff,
        "admin": make_user(Role.ADMIN, Role.STAFF),
    }
    ids = [str(r.id) for r in (relayed, needs_info, scheduled)]
    ids += [str(relayed.mentor_profile.id), str(relayed.student_id), str(relayed.alumnus_id)]
    # The mail worker is alive: /healthz/worker would rightly answer 503 with mail due and no
    # pass ever recorded.
    record_pass()
    _db.session.commit()
    return people, ids


class _Visitor:
    """One role's browser: before each request, a fresh session cookie of a live session.

    Each request starts from the same cookie (an earlier one may have signed out, or left
    messages to flash in the cookie); a new server-side session is started only when the
    last one was ended (POST /signout, a password change, ending sessions). Starting one for
    every request (a committed session row) cost most of this sweep's time.
    """

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.key: str | None = None
        self.cookie = ""

    def _live(self) -> bool:
        with _db.engine.connect() as connection:  # apart from the test's session and objects
            row = connection.execute(
                select(UserSession.ended_at).where(UserSession.key_hash == hash_key(self.key))
            ).first()
        return row is not None and row.ended_at is None

    def prepare(self) -> None:
        """Sign in (again if the session has ended) and put the session cookie back."""
        if self.user is None:
            return
        app = self.client.application
        if self.key is None or not self._live():
            with transaction():
                self.key = start_session(self.user, TEST_USER_AGENT, "127.0.0.1")
            data = {"_user_id": self.user.get_id(), "_fresh": True, SESSION_KEY: self.key}
            self.cookie = app.session_interface.get_signing_serializer(app).dumps(data)
        self.client.set_cookie(
            app.config["SESSION_COOKIE_NAME"],
            self.cookie,
            path=app.config.get("SESSION_COOKIE_PATH") or "/",
        )


def _check(visitor, method: str, rule: str, args: list[str], path_values, params) -> None:
    visitor.prepare()
    client = visitor.client
    url = _path(rule, {name: path_values[i % len(path_values)] for i, name in enumerate(args)})
    if method == "GET":
        resp = client.get(url, query_string=params)
    else:
        resp = client.post(url, data=params, query_string={"page": params.get("page", "1")})
    assert resp.status_code < 500, f"{method} {url} {params!r} -> {resp.status_code}"


ROLES = ["anonymous", "student", "alumnus", "staff", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_each_hostile_value(app, client, db, world, role):
    """A sweep: each route with each hostile value in every parameter at once."""
    people, ids = world
    visitor = _Visitor(client, people[role])
    # The JSON API has its own schema-driven fuzz (tests/api, Schemathesis); here it is only in
    # the random mixes below, which keeps this sweep's cost to the pages.
    for method, rule, args in _routes(app, api=False):
        for value in HOSTILE:
            _check(visitor, method, rule, args, [value], dict.fromkeys(PARAMS, value))
        # Real ids reach the routes that take one; a route without path arguments has only the
        # one plain request (repeating it for each id would send the same request six times).
        for real in ids if args else ids[:1]:
            _check(visitor, method, rule, args, [real], {})


@pytest.mark.parametrize("role", ROLES)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.data())
def test_routes_with_random_hostile_mixes(app, client, db, world, role, data):
    """Property: any mix of hostile and real values in any subset of parameters is not a 5xx."""
    people, ids = world
    method, rule, args = data.draw(st.sampled_from(_routes(app)), label="route")
    value = st.one_of(st.sampled_from(HOSTILE + ids), st.text(max_size=40))
    path_values = data.draw(st.lists(st.sampled_from(HOSTILE + ids), min_size=1, max_size=3))
    params = data.draw(st.dictionaries(st.sampled_from(PARAMS), value, max_size=8))
    _check(_Visitor(client, people[role]), method, rule, args, path_values, params)
