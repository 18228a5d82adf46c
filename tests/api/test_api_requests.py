"""The request workflow through the API: the same services, emails and rules as the pages."""

from __future__ import annotations

import pytest
from support.factories import MESSAGE, working_days

from careerlink.permissions import Role


@pytest.fixture
def people(api, make_token, make_mentor, student, staff):
    """The student's, the alumna's and staff's API clients, and the alumna's profile."""
    mentor = make_mentor()
    return {
        "student": api(make_token(student)),
        "alumnus": api(make_token(mentor.user)),
        "staff": api(make_token(staff)),
        "mentor": mentor,
    }


def ask(client, mentor, kind="introduction", **extra):
    body = {
        "kind": kind,
        "hopes": "Learn how a veterinary practice runs.",
        "why_alumnus": "You run the clinic I want to work at.",
        "message": MESSAGE,
        "conduct_acknowledged": True,
    }
    body.update(extra)
    return client.post(f"/api/v1/mentors/{mentor.id}/requests", json=body)


def test_ask_approve_accept_an_introduction(people, outbox):
    student, alumnus, staff, mentor = (people[k] for k in ("student", "alumnus", "staff", "mentor"))
    resp = ask(student, mentor)
    assert resp.status_code == 201
    created = resp.json
    assert resp.headers["Location"] == f"/api/v1/requests/{created['id']}"
    assert (created["state"], created["your_side"]) == ("submitted", "student")
    assert created["actions"] == ["withdraw_request"] and created["staff_note"] is None
    rid = created["id"]
    # The alumnus cannot see it before the career office relays it.
    assert alumnus.get(f"/api/v1/requests/{rid}").status_code == 404
    assert staff.get("/api/v1/staff/requests").json["items"][0]["id"] == rid

    edited = MESSAGE + " Thank you."
    resp = staff.post(
        f"/api/v1/staff/requests/{rid}/approve", json={"note": "A keen student.", "message": edited}
    )
    assert resp.status_code == 200
    assert resp.json["state"] == "relayed" and resp.json["original_message"] == MESSAGE
    assert [t["to_state"] for t in resp.json["timeline"]] == ["submitted", "relayed"]
    assert {m.event for m in outbox()} == {"request_relayed"}
    # Approving twice is a conflict, and sends nothing more.
    again = staff.post(f"/api/v1/staff/requests/{rid}/approve", json={})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert len(outbox("request_relayed")) == 2

    waiting = alumnus.get("/api/v1/me/received").json["items"]
    assert [r["id"] for r in waiting] == [rid]
    assert waiting[0]["actions"] == ["accept_request", "decline_request"]
    assert waiting[0]["staff_note"] == "A keen student." and waiting[0]["message"] == edited
    resp = alumnus.post(f"/api/v1/requests/{rid}/accept", json={"note": "Happy to."})
    assert resp.status_code == 200 and resp.json["state"] == "introduced"
    assert len(outbox("introduction")) == 1
    mine = student.get("/api/v1/me/requests").json["items"][0]
    assert mine["state"] == "introduced" and mine["staff_note"] is None  # the alumnus's note
    assert "give_feedback" in mine["actions"]
    resp = student.post(
        f"/api/v1/requests/{rid}/feedback", json={"met": True, "usefulness": 5, "comment": "Great"}
    )
    assert resp.status_code == 201 and resp.json["feedback_given"] is True
    resp = student.post(f"/api/v1/requests/{rid}/feedback", json={"met": True, "usefulness": 4})
    assert resp.status_code == 409


def test_a_shadowing_day_needs_a_date_to_accept(people, outbox):
    student, alumnus, staff, mentor = (people[k] for k in ("student", "alumnus", "staff", "mentor"))
    days = [d.isoformat() for d in working_days(3, gap=2)]
    rid = ask(student, mentor, kind="shadowing", proposed_dates=days).json["id"]
    staff.post(f"/api/v1/staff/requests/{rid}/approve", json={})
    resp = alumnus.post(f"/api/v1/requests/{rid}/accept", json={})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "date"
    resp = alumnus.post(f"/api/v1/requests/{rid}/accept", json={"date": days[1]})
    assert resp.status_code == 200 and resp.json["scheduled_date"] == days[1]
    assert resp.json["state"] == "scheduled"
    [invitation] = outbox("shadowing_scheduled")
    assert invitation.attachments[0].content_type.startswith("text/calendar")
    resp = student.post(f"/api/v1/requests/{rid}/cancel", json={"reason": "I am ill."})
    assert resp.status_code == 200 and resp.json["state"] == "cancelled"


def test_ask_for_info_revise_decline_withdraw(people):
    student, staff, mentor = people["student"], people["staff"], people["mentor"]
    rid = ask(student, mentor).json["id"]
    resp = staff.post(f"/api/v1/staff/requests/{rid}/ask-info", json={"question": "Which year?"})
    assert resp.json["state"] == "needs_info"
    mine = student.get(f"/api/v1/requests/{rid}").json
    assert mine["info_question"] == "Which year?" and "revise_request" in mine["actions"]
    resp = student.post(f"/api/v1/requests/{rid}/revise", json={"message": MESSAGE + " Year 2."})
    assert resp.status_code == 200 and resp.json["state"] == "submitted"
    resp = staff.post(f"/api/v1/staff/requests/{rid}/decline", json={"reason": "Not now."})
    assert resp.json["state"] == "declined_by_staff"
    assert student.get(f"/api/v1/requests/{rid}").json["staff_reason"] == "Not now."
    resp = student.post(f"/api/v1/requests/{rid}/withdraw", json={})
    assert resp.status_code == 409


def test_the_alumnus_declines(people):
    student, alumnus, staff, mentor = (people[k] for k in ("student", "alumnus", "staff", "mentor"))
    rid = ask(student, mentor).json["id"]
    staff.post(f"/api/v1/staff/requests/{rid}/approve", json={})
    resp = alumnus.post(f"/api/v1/requests/{rid}/decline", json={"note": "Too busy."})
    assert resp.json["state"] == "declined_by_alumnus"
    assert student.get(f"/api/v1/requests/{rid}").json["alumnus_note"] == "Too busy."


def test_asking_twice_is_a_conflict(people):
    student, mentor = people["student"], people["mentor"]
    assert ask(student, mentor).status_code == 201
    resp = ask(student, mentor)
    assert resp.status_code == 409 and "already" in resp.json["detail"]


def test_bulk_and_queue_filters(people, make_request, staff):
    staff_api = people["staff"]
    reqs = [make_request(kind=k) for k in ("introduction", "shadowing", "introduction")]
    queue = staff_api.get("/api/v1/staff/requests?kind=shadowing").json
    assert [r["id"] for r in queue["items"]] == [reqs[1].id]
    assert queue["counts"]["review"] == 3
    resp = staff_api.post(
        "/api/v1/staff/requests/bulk",
        json={"action": "approve", "request_ids": [reqs[0].id, reqs[2].id, 999999]},
    )
    assert resp.json["done"] == [reqs[0].id, reqs[2].id]
    assert resp.json["skipped"] == [{"id": 999999, "reason": "not found"}]
    assert staff_api.get("/api/v1/staff/requests?state=relayed").json["total"] == 2
    assert staff_api.get("/api/v1/staff/requests?state=nonsense").status_code == 422


def test_staff_operations_are_for_staff_only(api, make_token, student, make_request):
    req = make_request()
    token = make_token(student)
    resp = api(token).get("/api/v1/staff/requests")
    assert resp.status_code == 403  # the token has no staff scope
    with_scope = make_token(req.student, scopes=["directory:read"])
    assert api(with_scope).post(f"/api/v1/staff/requests/{req.id}/approve").status_code == 403


def test_pending_profiles_verify_and_reject(api, make_token, staff, make_user, db, outbox):
    from careerlink.database import transaction
    from careerlink.mentors import services as mentors

    alumni = [make_user(Role.ALUMNUS, alumnus_verified=False) for _ in range(2)]
    with transaction():
        profiles = [mentors.opt_in(a, True) for a in alumni]
    staff_api = api(make_token(staff))
    pending = staff_api.get("/api/v1/staff/profiles/pending").json
    assert [p["id"] for p in pending["items"]] == [p.id for p in profiles]
    assert staff_api.post(f"/api/v1/staff/profiles/{profiles[0].id}/verify").status_code == 200
    resp = staff_api.post(
        f"/api/v1/staff/profiles/{profiles[1].id}/reject", json={"reason": "Not a graduate."}
    )
    assert resp.status_code == 200
    assert staff_api.get("/api/v1/staff/profiles/pending").json["total"] == 0
    assert {m.event for m in outbox()} == {"profile_approved", "profile_rejected"}
    again = staff_api.post(f"/api/v1/staff/profiles/{profiles[0].id}/verify")
    assert again.status_code == 422


def test_my_profile_edit_pause_away(api, make_token, make_mentor, student):
    mentor = make_mentor()
    me = api(make_token(mentor.user))
    profile = me.get("/api/v1/me/profile").json
    assert profile["id"] == mentor.id and profile["listed_in_directory"] is True
    resp = me.patch("/api/v1/me/profile", json={"headline": "Equine vet", "tags": ["horses"]})
    assert resp.status_code == 200
    assert resp.json["headline"] == "Equine vet" and resp.json["tags"] == ["horses"]
    assert resp.json["employer"] == profile["employer"]  # untouched fields keep their value
    resp = me.patch("/api/v1/me/profile", json={"industries": ["no-such-industry"]})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "industries"
    resp = me.patch("/api/v1/me/profile", json={"salary": 1})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "salary"
    assert me.post("/api/v1/me/profile/pause").json["accepting_requests"] is False
    search = api().get("/api/v1/mentors?accepting=1").json
    assert search["total"] == 0
    assert me.post("/api/v1/me/profile/resume").json["accepting_requests"] is True
    resp = me.put("/api/v1/me/profile/away", json={"until": "2031-03-03"})
    assert resp.json["away_until"] == "2031-03-03"
    assert me.put("/api/v1/me/profile/away", json={"until": None}).json["away_until"] is None
    # A student has no mentor profile.
    assert api(make_token(student)).get("/api/v1/me/profile").status_code == 404
