"""Bad input is a clear problem+json error naming the field, never a 5xx; nothing half-done."""

from __future__ import annotations

import pytest

from careerlink.web.security import MAX_ID

PROBLEM = "application/problem+json"


@pytest.fixture
def student_api(api, make_token, student):
    """The student's API client."""
    return api(make_token(student))


def ask_body(**changes):
    body = {
        "kind": "introduction",
        "hopes": "Learn how a veterinary practice runs.",
        "why_alumnus": "You run the clinic I want to work at.",
        "message": "I am a second-year biology student hoping to work in veterinary medicine "
        "and would be grateful for an introduction to your practice manager.",
        "conduct_acknowledged": True,
    }
    body.update(changes)
    return body


def test_malformed_json_is_400(student_api, make_mentor):
    mentor = make_mentor()
    resp = student_api.client.post(
        f"/api/v1/mentors/{mentor.id}/requests",
        data=b'{"kind": "introduction",',
        headers={**student_api.headers(), "Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    assert "not valid JSON" in resp.json["detail"]


def test_a_body_that_is_not_json_is_415(student_api, make_mentor):
    mentor = make_mentor()
    url = f"/api/v1/mentors/{mentor.id}/requests"
    resp = student_api.client.post(url, data={"kind": "x"}, headers=student_api.headers())
    assert resp.status_code == 415
    resp = student_api.client.post(
        url, data="kind=x", headers={**student_api.headers(), "Content-Type": "text/plain"}
    )
    assert resp.status_code == 415 and resp.mimetype == PROBLEM


def test_wrong_types_and_unknown_fields_name_each_field(student_api, make_mentor, outbox):
    mentor = make_mentor()
    body = ask_body(kind="coffee", conduct_acknowledged="maybe", favourite_colour="blue")
    resp = student_api.post(f"/api/v1/mentors/{mentor.id}/requests", json=body)
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    fields = {e["field"] for e in resp.json["errors"]}
    assert fields == {"kind", "conduct_acknowledged", "favourite_colour"}
    assert outbox() == []


def test_a_refusal_by_the_service_names_its_field(student_api, make_mentor):
    mentor = make_mentor()
    resp = student_api.post(f"/api/v1/mentors/{mentor.id}/requests", json=ask_body(message="Hi"))
    assert resp.status_code == 422
    assert resp.json["errors"] == [{"field": "message", "message": resp.json["detail"]}]
    resp = student_api.post(
        f"/api/v1/mentors/{mentor.id}/requests", json=ask_body(kind="shadowing")
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "date1"


def test_a_json_array_or_null_body_is_422(student_api, make_mentor):
    mentor = make_mentor()
    for body in ([1, 2], "text", 3):
        resp = student_api.post(f"/api/v1/mentors/{mentor.id}/requests", json=body)
        assert resp.status_code == 422, body


def test_a_nul_character_in_the_body_is_400(student_api, make_mentor):
    mentor = make_mentor()
    resp = student_api.post(
        f"/api/v1/mentors/{mentor.id}/requests", json=ask_body(hopes="to learn\x00")
    )
    assert resp.status_code == 400 and "null character" in resp.json["detail"]


def test_huge_pages_and_page_sizes_are_422(api, make_mentor):
    make_mentor()
    resp = api().get("/api/v1/mentors?per_page=1000")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "per_page"
    resp = api().get(f"/api/v1/mentors?page={10**30}")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "page"
    resp = api().get("/api/v1/mentors?page=0")
    assert resp.status_code == 422
    # A page past the end is the last page, with a notice, as on /mentors.
    resp = api().get("/api/v1/mentors?page=5")
    assert resp.status_code == 200 and resp.json["page"] == 1 and resp.json["notices"]


@pytest.mark.parametrize("bad", [str(MAX_ID + 1), str(2**63), "-1", "0", "abc", "1e3"])
def test_ids_out_of_range_are_404(student_api, bad):
    assert student_api.get(f"/api/v1/requests/{bad}").status_code == 404
    assert student_api.get(f"/api/v1/mentors/{bad}").status_code == 404


def test_bulk_ids_are_bounded(api, make_token, staff):
    staff_api = api(make_token(staff))
    body = {"action": "approve", "request_ids": [MAX_ID + 1]}
    resp = staff_api.post("/api/v1/staff/requests/bulk", json=body)
    assert resp.status_code == 422 and resp.json["errors"][0]["field"].startswith("request_ids")
    resp = staff_api.post(
        "/api/v1/staff/requests/bulk",
        json={"action": "approve", "request_ids": list(range(1, 502))},
    )
    assert resp.status_code == 422


def test_an_unknown_route_and_a_wrong_method_are_problems(api):
    resp = api().get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    resp = api().client.delete("/api/v1/mentors")
    assert resp.status_code == 405 and resp.mimetype == PROBLEM


def test_a_huge_body_is_413(student_api, make_mentor):
    mentor = make_mentor()
    resp = student_api.post(
        f"/api/v1/mentors/{mentor.id}/requests", json=ask_body(hopes="x" * 70_000)
    )
    assert resp.status_code == 413 and resp.mimetype == PROBLEM


def test_a_deeply_nested_body_is_400_not_a_crash(student_api, make_mentor):
    mentor = make_mentor()
    resp = student_api.client.post(
        f"/api/v1/mentors/{mentor.id}/requests",
        data="[" * 20000 + "]" * 20000,
        headers={**student_api.headers(), "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
