"""Every request page for every role: who sees what, and what each button does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import link_from, sign_in_session
from factories import MESSAGE, working_days
from support.auth import tampered

from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.permissions import Role
from careerlink.tokens import make_token

ASK_FORM = {
    "hopes": "Learn how a practice runs.",
    "why_alumnus": "You own the clinic I admire.",
    "message": MESSAGE,
    "conduct": "y",
}


@pytest.fixture
def people(make_user, make_request):
    """A relayed request plus everyone who might look at it."""
    req = make_request(state="relayed")
    return {
        "req": req,
        "owner": req.student,
        "alumnus": req.alumnus,
        "other_student": make_user(Role.STUDENT),
        "other_alumnus": make_user(Role.ALUMNUS),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
    }


def as_user(client, user):
    """Sign the client in as user (or out, for None)."""
    if user is not None:
        sign_in_session(client, user)
    return client


# --- asking -----------------------------------------------------------------------------------


def test_student_asks_from_the_form(client, db, student, make_mentor):
    mentor = make_mentor()
    as_user(client, student)
    page = client.get(f"/mentors/{mentor.id}/ask/introduction")
    assert page.status_code == 200
    assert b"Conduct policy" in page.data and b"For example" in page.data
    resp = client.post(f"/mentors/{mentor.id}/ask/introduction", data=ASK_FORM)
    assert resp.status_code == 302
    req = db.session.scalar(db.select(ConnectionRequest))
    assert resp.headers["Location"].endswith(f"/requests/{req.id}")
    assert req.state == "submitted" and req.student_id == student.id


def test_shadowing_form_shows_logistics_and_checks_dates(client, db, student, make_mentor):
    mentor = make_mentor()
    as_user(client, student)
    page = client.get(f"/mentors/{mentor.id}/ask/shadowing")
    assert b"12 Quai du Rh" in page.data and b"Closed shoes" in page.data
    resp = client.post(f"/mentors/{mentor.id}/ask/shadowing", data=ASK_FORM)
    assert resp.status_code == 200 and b"at least two" in resp.data
    d1, d2 = working_days(2)
    data = {**ASK_FORM, "date1": d1.isoformat(), "date2": d2.isoformat()}
    assert client.post(f"/mentors/{mentor.id}/ask/shadowing", data=data).status_code == 302


def test_conduct_box_is_required(client, db, student, make_mentor):
    mentor = make_mentor()
    as_user(client, student)
    data = {k: v for k, v in ASK_FORM.items() if k != "conduct"}
    resp = client.post(f"/mentors/{mentor.id}/ask/introduction", data=data)
    assert resp.status_code == 200 and b"conduct policy" in resp.data
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 0


@pytest.mark.parametrize("who", ["alumnus", "staff", "unverified", "anonymous"])
def test_who_cannot_ask(client, db, make_user, make_mentor, who):
    mentor = make_mentor()
    users = {
        "alumnus": lambda: make_user(Role.ALUMNUS),
        "staff": lambda: make_user(Role.STAFF),
        "unverified": lambda: make_user(Role.STUDENT, verified=False),
        "anonymous": lambda: None,
    }
    as_user(client, users[who]())
    resp = client.post(f"/mentors/{mentor.id}/ask/introduction", data=ASK_FORM)
    if who == "anonymous":
        assert resp.status_code == 302 and "/signin" in resp.headers["Location"]
    else:
        assert resp.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 0


def test_ask_page_says_why_and_suggests_similar_alumni(client, db, student, make_mentor):
    mentor = make_mentor(accepting_requests=False)
    as_user(client, student)
    page = client.get(f"/mentors/{mentor.id}/ask/introduction")
    assert page.status_code == 403
    assert b"Not accepting requests" in page.data
    assert b"/mentors?industry=veterinary" in page.data


def test_ask_page_for_a_missing_mentor_or_kind_is_404(client, db, student, make_mentor):
    mentor = make_mentor()
    as_user(client, student)
    assert client.get("/mentors/999/ask/introduction").status_code == 404
    assert client.get(f"/mentors/{mentor.id}/ask/lunch").status_code == 404


def test_mentor_page_shows_ask_buttons_or_reason(client, db, student, make_mentor, make_request):
    mentor = make_mentor()
    as_user(client, student)
    page = client.get(f"/mentors/{mentor.id}")
    assert page.status_code == 200
    assert f"/mentors/{mentor.id}/ask/introduction".encode() in page.data
    assert f"/mentors/{mentor.id}/ask/shadowing".encode() in page.data
    req = make_request(student=student, mentor=mentor)
    page = client.get(f"/mentors/{mentor.id}")
    assert b"already have an open request" in page.data
    assert f"/requests/{req.id}".encode() in page.data


def test_anonymous_visitors_are_offered_sign_in_only_when_it_would_help(client, db, make_mentor):
    from careerlink.models import utcnow

    open_mentor = make_mentor()
    page = client.get(f"/mentors/{open_mentor.id}").get_data(as_text=True)
    assert "Sign in to ask" in page
    full = make_mentor(monthly_capacity=1)
    full.month_start = utcnow().date().replace(day=1)
    full.month_request_count = 1
    db.session.commit()
    page = client.get(f"/mentors/{full.id}").get_data(as_text=True)
    assert "Sign in to ask" not in page
    assert "See similar alumni" in page


def test_staff_queue_says_how_long_in_words(client, db, staff, make_request):
    req = make_request()
    as_user(client, staff)
    assert "<td>today</td>" in client.get("/staff/requests").get_data(as_text=True)
    for event in req.events:
        event.created_at = event.created_at - timedelta(days=1, hours=1)
    req.created_at = req.created_at - timedelta(days=1, hours=1)
    db.session.commit()
    page = client.get("/staff/requests").get_data(as_text=True)
    assert "<td>1 day</td>" in page


# --- the request page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("alumnus", 200),
        ("other_student", 404),
        ("other_alumnus", 404),
        ("staff", 302),
        ("admin", 302),
        (None, 302),
    ],
)
def test_request_page_by_role(client, people, who, status):
    as_user(client, people.get(who))
    resp = client.get(f"/requests/{people['req'].id}")
    assert resp.status_code == status
    if who in ("staff", "admin"):
        assert resp.headers["Location"].endswith(f"/staff/requests/{people['req'].id}")
    if who is None:
        assert "/signin" in resp.headers["Location"]


def test_alumnus_does_not_see_a_request_before_it_is_relayed(client, db, make_request):
    req = make_request()
    as_user(client, req.alumnus)
    assert client.get(f"/requests/{req.id}").status_code == 404
    assert req.message.encode() not in client.get("/account").data


def test_student_page_hides_the_alumnus_address(client, people):
    as_user(client, people["owner"])
    page = client.get(f"/requests/{people['req'].id}")
    assert people["alumnus"].email.encode() not in page.data
    assert b"Withdraw this request" in page.data


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/withdraw", "post"),
        ("/cancel", "post"),
        ("/accept", "post"),
        ("/decline", "post"),
        ("/feedback", "get"),
        ("/outcomes", "post"),
        ("/revise", "get"),
    ],
)
def test_other_students_cannot_act_on_a_request(client, db, people, path, method):
    as_user(client, people["other_student"])
    resp = getattr(client, method)(f"/requests/{people['req'].id}{path}", data={"reason": "x"})
    assert resp.status_code == 404
    db.session.expire_all()
    assert people["req"].state == "relayed"


def test_student_cannot_accept_their_own_request(client, db, people):
    as_user(client, people["owner"])
    assert client.post(f"/requests/{people['req'].id}/accept").status_code == 403


def test_student_withdraws(client, db, people, outbox):
    as_user(client, people["owner"])
    resp = client.post(f"/requests/{people['req'].id}/withdraw")
    assert resp.status_code == 302
    db.session.expire_all()
    assert people["req"].state == "withdrawn"
    assert len(outbox("request_withdrawn")) == 1


def test_revise_flow(client, db, make_request, staff):
    req = make_request(state="needs_info", staff=staff)
    as_user(client, req.student)
    page = client.get(f"/requests/{req.id}/revise")
    assert b"Which dates?" in page.data and req.message.encode()[:40] in page.data
    resp = client.post(
        f"/requests/{req.id}/revise",
        data={"hopes": "h", "why_alumnus": "w", "message": MESSAGE + " More detail."},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert req.state == "submitted" and req.message.endswith("More detail.")


def test_signed_in_alumnus_answers_from_the_account(client, db, people, outbox):
    as_user(client, people["alumnus"])
    page = client.get(f"/requests/{people['req'].id}")
    assert b"Accept and introduce us" in page.data
    client.post(f"/requests/{people['req'].id}/accept", data={"note": "Glad to"})
    db.session.expire_all()
    assert people["req"].state == "introduced"
    assert len(outbox("introduction")) == 1


def test_account_page_lists_requests_both_ways(client, db, people):
    as_user(client, people["owner"])
    page = client.get("/account")
    assert b"Your requests" in page.data and people["alumnus"].display_name.encode() in page.data
    as_user(client, people["alumnus"])
    page = client.get("/account")
    assert b"Requests to you" in page.data and people["owner"].display_name.encode() in page.data


def test_feedback_and_outcome_from_the_account(client, db, make_request):
    req = make_request(state="completed")
    as_user(client, req.student)
    assert client.get(f"/requests/{req.id}/feedback").status_code == 200
    resp = client.post(
        f"/requests/{req.id}/feedback", data={"met": "yes", "usefulness": "5", "comment": "Great"}
    )
    assert resp.status_code == 302
    client.post(f"/requests/{req.id}/outcomes", data={"kind": "internship", "note": "Summer"})
    db.session.expire_all()
    assert req.feedback_from("student").usefulness == 5
    assert req.outcome_kinds() == {"internship"}


# --- answering from the email -----------------------------------------------------------------


def test_opening_the_answer_link_changes_nothing(client, db, people):
    token = services.answer_token(people["req"])
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(f"/requests/answer/{token}")
        assert page.status_code == 200
    assert b"Accept and introduce us" in page.data and b"Decline this request" in page.data
    db.session.expire_all()
    assert people["req"].state == "relayed"


def test_accept_from_the_email_link_and_double_click(client, db, people, outbox):
    req = people["req"]
    token = services.answer_token(req)
    first = client.post(f"/requests/answer/{token}/accept")
    second = client.post(f"/requests/answer/{token}/accept")
    assert first.status_code == second.status_code == 302
    db.session.expire_all()
    assert req.state == "introduced"
    assert len(outbox("introduction")) == 1
    page = client.get(f"/requests/answer/{token}", follow_redirects=True)
    assert b"You accepted" in page.data


def test_accept_a_shadowing_day_by_link(client, db, make_request, outbox):
    req = make_request(kind="shadowing", state="relayed")
    token = services.answer_token(req)
    page = client.get(f"/requests/answer/{token}")
    day = req.proposed_date_values[1]
    assert day.isoformat().encode() in page.data
    client.post(f"/requests/answer/{token}/accept", data={"date_choice": day.isoformat()})
    db.session.expire_all()
    assert req.state == "scheduled" and req.scheduled_date == day
    page = client.get(f"/requests/answer/{token}")
    assert b"Cancel the shadowing day" in page.data
    client.post(f"/requests/answer/{token}/cancel", data={"reason": "Clinic closed"})
    db.session.expire_all()
    assert req.state == "cancelled"
    assert len(outbox("shadowing_cancelled")) == 1


def test_accept_with_another_date(client, db, make_request):
    req = make_request(kind="shadowing", state="relayed")
    other = working_days(1, start=req.proposed_date_values[-1])[0]
    token = services.answer_token(req)
    client.post(
        f"/requests/answer/{token}/accept",
        data={"date_choice": "other", "other_date": other.isoformat()},
    )
    db.session.expire_all()
    assert req.scheduled_date == other


def test_decline_from_the_email_link(client, db, people, outbox):
    token = services.answer_token(people["req"])
    client.post(f"/requests/answer/{token}/decline", data={"note": "Sorry, too busy"})
    db.session.expire_all()
    assert people["req"].state == "declined_by_alumnus"
    assert "Sorry, too busy" in outbox("request_declined_by_alumnus")[0].body_text


def test_withdrawn_request_link_says_so(client, db, people):
    token = services.answer_token(people["req"])
    services.withdraw_request(people["req"], people["owner"])
    db.session.commit()
    page = client.get(f"/requests/answer/{token}")
    assert page.status_code == 200 and b"withdrew this request" in page.data
    assert client.post(f"/requests/answer/{token}/accept").status_code == 302
    db.session.expire_all()
    assert people["req"].state == "withdrawn"


def test_tampered_answer_link(client, db, people):
    token = services.answer_token(people["req"])
    page = client.get(f"/requests/answer/{tampered(token)}").get_data(as_text=True)
    assert "This link cannot be used" in page
    assert "This link is not valid. Check that you copied all of it." in page
    # The one bad-link page offers a request's next step, not a password reset.
    assert "reply to the email you received and the career office will answer" in page
    assert "Sign in to see your requests" in page and "password reset" not in page
    resp = client.post(f"/requests/answer/{tampered(token)}/accept")
    assert resp.status_code == 400
    db.session.expire_all()
    assert people["req"].state == "relayed"


def test_answer_link_for_another_alumnus_is_refused(client, db, people, make_request):
    other = make_request(state="relayed")
    forged = make_token(services.ANSWER, {"rid": other.id, "uid": people["alumnus"].id})
    page = client.get(f"/requests/answer/{forged}")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "This link is not valid." in text and "reply to the email you received" in text


def test_feedback_link_for_the_wrong_person_is_refused(client, db, make_request):
    req = make_request(state="completed")
    forged = make_token(
        services.FEEDBACK, {"rid": req.id, "uid": req.alumnus_id, "side": "student"}
    )
    for resp in (
        client.get(f"/requests/feedback/{forged}"),
        client.post(f"/requests/feedback/{forged}", data={"met": "yes", "usefulness": "5"}),
    ):
        assert resp.status_code == 400
        text = resp.get_data(as_text=True)
        assert "This link is not valid." in text and "reply to the email you received" in text
    db.session.expire_all()
    assert req.feedback == []


def test_feedback_by_link(client, db, make_request, outbox):
    req = make_request(state="introduced")
    services.tick(now=req.answered_at + timedelta(days=15), unit=transaction)  # as the CLI
    mail = next(m for m in outbox("feedback_requested") if m.audience == "alumnus")
    link = link_from(mail, "/requests/feedback/")
    path = link.replace("http://careerlink.test", "")
    assert client.get(path).status_code == 200
    client.post(path, data={"met": "no", "usefulness": "2"})
    db.session.expire_all()
    assert req.feedback_from("alumnus").met is False
    page = client.get(path).get_data(as_text=True)
    assert "Thank you for your feedback." in page  # the POST's message
    assert "We have your feedback on this request." in page and "Send feedback" not in page


# --- staff ------------------------------------------------------------------------------------

STAFF_PAGES = ["/staff/requests", "/staff/requests/{id}", "/staff/requests?state=overdue"]


@pytest.mark.parametrize("page", STAFF_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("staff", 200), ("admin", 200), ("owner", 403), ("alumnus", 403), (None, 302)],
)
def test_staff_pages_by_role(client, people, page, who, status):
    as_user(client, people.get(who))
    assert client.get(page.format(id=people["req"].id)).status_code == status


@pytest.mark.parametrize("action", ["approve", "ask-info", "decline"])
@pytest.mark.parametrize("who", ["owner", "alumnus", "other_student"])
def test_non_staff_cannot_review(client, db, people, make_request, action, who):
    req = make_request()
    as_user(client, people[who])
    resp = client.post(f"/staff/requests/{req.id}/{action}", data={"reason": "x", "question": "y"})
    assert resp.status_code == 403
    db.session.expire_all()
    assert req.state == "submitted"


def test_queue_shows_load_and_filters(client, db, make_request, staff, make_mentor):
    mentor = make_mentor()
    make_request(mentor=mentor)
    make_request(mentor=mentor, kind="shadowing", state="relayed")
    make_mentor(industry="publishing")
    as_user(client, staff)
    page = client.get("/staff/requests")
    assert b"1 request" in page.data and b"1 waiting" in page.data
    assert b"no history yet" in page.data
    assert b"1 request" in client.get("/staff/requests?state=relayed&kind=shadowing").data
    assert b"No requests" in client.get("/staff/requests?state=relayed&kind=introduction").data
    assert b"No requests" in client.get("/staff/requests?industry=publishing").data
    assert b"2 requests" in client.get("/staff/requests?state=&industry=veterinary").data
    assert b"No requests" in client.get("/staff/requests?min_days=3").data
    assert client.get("/staff/requests?state=bogus").status_code == 200


def test_staff_request_page_shows_everything(client, db, make_request, staff):
    req = make_request()
    as_user(client, staff)
    page = client.get(f"/staff/requests/{req.id}")
    for text in (
        req.message,
        req.student.email,
        "Timeline",
        "Approve and relay",
        "Ask the student",
    ):
        assert text.encode() in page.data


def test_staff_approve_with_edit_and_note(client, db, make_request, staff, outbox):
    req = make_request()
    as_user(client, staff)
    client.post(
        f"/staff/requests/{req.id}/approve",
        data={"message": MESSAGE + " (edited)", "note": "Lovely student"},
    )
    db.session.expire_all()
    assert req.state == "relayed" and req.message_was_edited
    assert "Lovely student" in outbox("request_relayed")[0].body_text
    page = client.get(f"/staff/requests/{req.id}")
    assert b"original message" in page.data


def test_staff_ask_info_and_decline(client, db, make_request, staff, outbox):
    a, b = make_request(), make_request()
    as_user(client, staff)
    client.post(f"/staff/requests/{a.id}/ask-info", data={"question": "Which clinic?"})
    client.post(f"/staff/requests/{b.id}/decline", data={"reason": "Not a fit"})
    db.session.expire_all()
    assert (a.state, b.state) == ("needs_info", "declined_by_staff")
    resp = client.post(f"/staff/requests/{a.id}/approve", data={"message": MESSAGE})
    assert resp.status_code == 302
    page = client.get(f"/staff/requests/{a.id}").get_data(as_text=True)
    # The refusal names the state the request is in and the move it cannot make.
    assert (
        "This request cannot be approved. Its state is: More detail needed from the student."
        in page
    )
    db.session.expire_all()
    assert a.state == "needs_info"


def test_staff_bulk_approve_and_decline(client, db, make_request, staff):
    a, b, c = make_request(), make_request(), make_request()
    as_user(client, staff)
    client.post("/staff/requests/bulk", data={"action": "approve", "request_ids": [a.id, b.id]})
    resp = client.post("/staff/requests/bulk", data={"action": "decline", "request_ids": [c.id]})
    page = client.get(resp.headers["Location"])
    assert b"Write a reason" in page.data
    client.post(
        "/staff/requests/bulk", data={"action": "decline", "reason": "No", "request_ids": [c.id]}
    )
    db.session.expire_all()
    assert [a.state, b.state, c.state] == ["relayed", "relayed", "declined_by_staff"]


def test_staff_home_counts(client, db, make_request, staff):
    make_request()
    make_request(state="relayed")
    as_user(client, staff)
    page = client.get("/staff/")
    assert b"Waiting for review" in page.data and b"Waiting on alumni" in page.data
    assert b"Overdue" in page.data
