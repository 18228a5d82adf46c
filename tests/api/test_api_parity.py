"""Permission parity: every cell of parity.EXPECTED, through the pages and through the API."""

from __future__ import annotations

import pytest

from api.parity import ACTIONS, EXPECTED, ROLES
from careerlink.extensions import db
from careerlink.permissions import Role

CELLS = [(action, role) for action in ACTIONS for role in ROLES]


@pytest.fixture
def cast(make_user, make_mentor, student):
    """Everyone in the table, by role."""
    mentor = make_mentor(
        offers=("introduction", "shadowing", "informational_interview", "referral")
    )
    return {
        "student": student,
        "other_student": make_user(Role.STUDENT),
        "alumnus": mentor.user,
        "other_alumnus": make_mentor().user,
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
        "anonymous": None,
        "mentor": mentor,
    }


def state_of(req) -> str:
    db.session.expire_all()
    return db.session.get(type(req), req.id).state


def _html_outcome(resp, action, before: str, after: str) -> str:
    if resp.status_code == 404:
        return "hidden"
    if resp.status_code == 302 and "/signin" in resp.headers["Location"]:
        return "sign-in"
    if action.target is None:
        return "done" if resp.status_code in (200, 302) else "refused"
    if after == action.target:
        return "done"
    assert after == before, "a refused action changed the request"
    return "refused"


def _api_outcome(resp, action, before: str, after: str) -> str:
    if resp.status_code == 401:
        return "sign-in"
    if resp.status_code == 404:
        return "hidden"
    if resp.status_code < 300:
        assert action.target is None or after == action.target
        return "done"
    assert resp.status_code in (403, 409, 422), resp.status_code
    assert after == before, "a refused action changed the request"
    return "refused"


@pytest.mark.parametrize(("action_name", "role"), CELLS)
def test_pages(client, sign_in, cast, make_request, action_name, role):
    action = ACTIONS[action_name]
    req = make_request(
        student=cast["student"], mentor=cast["mentor"], state=action.start, kind=action.kind
    )
    if cast[role] is not None:
        sign_in(cast[role])
    method, path, data = action.html
    url = path.format(id=req.id)
    resp = client.get(url) if method == "GET" else client.post(url, data=data)
    assert _html_outcome(resp, action, action.start, state_of(req)) == EXPECTED[action_name][role]


@pytest.mark.parametrize(("action_name", "role"), CELLS)
def test_api(api, make_token, cast, make_request, action_name, role):
    action = ACTIONS[action_name]
    req = make_request(
        student=cast["student"], mentor=cast["mentor"], state=action.start, kind=action.kind
    )
    token = make_token(cast[role]) if cast[role] is not None else None
    method, path, body = action.api
    url = path.format(id=req.id)
    resp = api(token).get(url) if method == "GET" else api(token).post(url, json=body)
    assert resp.status_code < 500
    assert _api_outcome(resp, action, action.start, state_of(req)) == EXPECTED[action_name][role]
