"""Every route, every role, hostile values in every path, query and form parameter: no 5xx.

Routes come from the app's URL map and parameter names from the code itself (WTForms fields
and every `args.get("...")`-style read), so a new route or parameter cannot be forgotten.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from support.properties import database_property
from support.routes import Visitor, path_for, routes

import careerlink
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


_routes, _path = routes, path_for


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
    # The workers are alive: /healthz/worker and /healthz/webhooks would rightly answer 503
    # with work due and no pass ever recorded.
    record_pass()
    record_pass("webhooks")
    _db.session.commit()
    return people, ids


_Visitor = Visitor


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
@database_property(150)
@given(data=st.data())
def test_routes_with_random_hostile_mixes(app, client, db, world, role, data):
    """Property: any mix of hostile and real values in any subset of parameters is not a 5xx."""
    people, ids = world
    method, rule, args = data.draw(st.sampled_from(_routes(app)), label="route")
    value = st.one_of(st.sampled_from(HOSTILE + ids), st.text(max_size=40))
    path_values = data.draw(st.lists(st.sampled_from(HOSTILE + ids), min_size=1, max_size=3))
    params = data.draw(st.dictionaries(st.sampled_from(PARAMS), value, max_size=8))
    _check(_Visitor(client, people[role]), method, rule, args, path_values, params)
