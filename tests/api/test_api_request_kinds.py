"""The interview's steps, the résumé review's answer and the referral's confirmation through the
API: the same services, emails and refusals as the pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from careerlink.models import utcnow

INTERVIEW = "informational_interview"


@pytest.fixture
def clients(api, make_token):
    """clients(req) -> (the student's API client, the alumnus's)."""

    def make(req):
        return api(make_token(req.student)), api(make_token(req.alumnus))

    return make


def later(days: int = 10, hour: int = 16) -> dict:
    day = utcnow().date() + timedelta(days=days)
    return {"day": day.isoformat(), "start": f"{hour:02d}:00", "minutes": 30}


def test_accept_an_interview_slot_with_a_link(db, make_request, clients, outbox):
    req = make_request(kind=INTERVIEW, state="relayed")
    db.session.commit()
    student, alumnus = clients(req)
    assert alumnus.get(f"/api/v1/requests/{req.id}").json["actions"] == [
        "accept_request",
        "decline_request",
        "propose_time",
    ]
    resp = alumnus.post(
        f"/api/v1/requests/{req.id}/accept",
        json={"slot": 1, "meeting_link": "https://meet.example.org/a"},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "scheduled"
    assert resp.json["meeting_link"] == "https://meet.example.org/a"
    assert resp.json["scheduled_slot"]["start"] == req.slots[1].start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(outbox("interview_scheduled")) == 1
    assert "change_meeting_link" in resp.json["actions"]
    assert "reschedule" in resp.json["actions"]
    assert "ask_other_time" in student.get(f"/api/v1/requests/{req.id}").json["actions"]


def test_a_slot_out_of_range_is_a_422_on_its_field(db, make_request, clients):
    req = make_request(kind=INTERVIEW, state="relayed")
    db.session.commit()
    _, alumnus = clients(req)
    resp = alumnus.post(f"/api/v1/requests/{req.id}/accept", json={"slot": 7})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert resp.json["detail"] == "Choose one of the proposed times, or propose another."


def test_propose_another_time_then_the_student_confirms(db, make_request, clients, outbox):
    req = make_request(kind=INTERVIEW, state="relayed")
    db.session.commit()
    student, alumnus = clients(req)
    resp = alumnus.post(
        f"/api/v1/requests/{req.id}/propose-time", json={**later(), "note": "Later?"}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "slot_proposed"
    assert len(outbox("interview_time_proposed")) == 1
    mine = student.get(f"/api/v1/requests/{req.id}").json
    assert mine["actions"] == ["withdraw_request", "confirm_time"]
    # The alumnus cannot confirm for the student.
    assert alumnus.post(f"/api/v1/requests/{req.id}/confirm-time").status_code == 403
    resp = student.post(f"/api/v1/requests/{req.id}/confirm-time")
    assert resp.status_code == 200 and resp.json["state"] == "scheduled"
    assert len(outbox("interview_scheduled")) == 1
    again = student.post(f"/api/v1/requests/{req.id}/confirm-time")
    assert again.status_code == 409


def test_a_night_time_is_refused_on_its_field(db, make_request, clients):
    req = make_request(kind=INTERVIEW, state="relayed")
    db.session.commit()
    _, alumnus = clients(req)
    resp = alumnus.post(f"/api/v1/requests/{req.id}/propose-time", json=later(hour=23))
    assert resp.status_code == 422
    assert "middle of the night" in resp.json["detail"]


def test_reschedule_change_the_link_and_ask_for_another_time(db, make_request, clients, outbox):
    req = make_request(kind=INTERVIEW, state="scheduled")
    db.session.commit()
    student, alumnus = clients(req)
    resp = student.post(
        f"/api/v1/requests/{req.id}/ask-other-time", json={**later(12, 11), "note": "Exams."}
    )
    assert resp.status_code == 200, resp.json
    assert len(outbox("interview_other_time_asked")) == 1
    # Only the alumnus moves it.
    assert student.post(f"/api/v1/requests/{req.id}/reschedule", json=later()).status_code == 403
    resp = alumnus.post(f"/api/v1/requests/{req.id}/reschedule", json=later(12, 11))
    assert resp.status_code == 200, resp.json
    day = utcnow().date() + timedelta(days=12)
    assert resp.json["scheduled_slot"]["start"] == datetime.combine(
        day, time(11, 0), tzinfo=UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = alumnus.post(
        f"/api/v1/requests/{req.id}/meeting-link", json={"meeting_link": "https://m.example/b"}
    )
    assert resp.status_code == 200 and resp.json["meeting_link"] == "https://m.example/b"
    assert len(outbox("interview_link_changed")) == 1
    bad = alumnus.post(
        f"/api/v1/requests/{req.id}/meeting-link", json={"meeting_link": "javascript:x"}
    )
    assert bad.status_code == 422


def test_a_review_is_answered_with_comments(db, make_request, clients, outbox):
    req = make_request(kind="resume_review", state="relayed")
    db.session.commit()
    student, alumnus = clients(req)
    empty = alumnus.post(f"/api/v1/requests/{req.id}/accept", json={})
    assert empty.status_code == 422
    assert empty.json["detail"] == "Write your comments on the résumé."
    resp = alumnus.post(
        f"/api/v1/requests/{req.id}/accept", json={"review_comments": "Lead with the shelter."}
    )
    assert resp.status_code == 200
    assert (resp.json["state"], resp.json["review_comments"]) == (
        "reviewed",
        "Lead with the shelter.",
    )
    assert len(outbox("resume_reviewed")) == 1
    assert student.get(f"/api/v1/requests/{req.id}").json["review_comments"] == (
        "Lead with the shelter."
    )


def test_a_referral_is_accepted_then_confirmed(db, make_request, clients, outbox):
    req = make_request(kind="referral", state="relayed")
    db.session.commit()
    student, alumnus = clients(req)
    resp = alumnus.post(f"/api/v1/requests/{req.id}/accept", json={})
    assert resp.status_code == 200 and resp.json["state"] == "referral_accepted"
    assert resp.json["actions"] == ["confirm_referral", "give_feedback"]
    assert student.post(f"/api/v1/requests/{req.id}/referred", json={}).status_code == 403
    resp = alumnus.post(f"/api/v1/requests/{req.id}/referred", json={"note": "Sent to HR."})
    assert resp.status_code == 200
    assert resp.json["state"] == "referred" and resp.json["referred_at"] is not None
    assert len(outbox("referral_passed_on")) == 1
    assert alumnus.post(f"/api/v1/requests/{req.id}/referred", json={}).status_code == 409


def test_the_steps_of_one_kind_refuse_the_others(db, make_request, clients):
    req = make_request(kind="introduction", state="relayed")
    db.session.commit()
    _, alumnus = clients(req)
    resp = alumnus.post(f"/api/v1/requests/{req.id}/propose-time", json=later())
    assert resp.status_code == 409
    assert resp.json["detail"] == (
        "This request cannot be given another time. "
        "That is not possible for this kind of request (Introduction)."
    )
