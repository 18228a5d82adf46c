"""Pages and refusals no other test reached, through the pages as people meet them.

The signed-in cancel and decline buttons, what goes wrong when accepting, declining and
revising, the "still current" button on the profile, the password rules, and the refusals of
services that a form reaches (found with `pytest --cov=careerlink --cov-branch`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from careerlink.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from careerlink.connections import links as request_links
from careerlink.connections import machine, services
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import Conflict, DomainError, InvalidToken, NotAllowed
from careerlink.mentors.models import MentorProfile
from careerlink.models import UTCDateTime, utcnow
from careerlink.permissions import (
    Role,
    can_edit_user,
    can_manage_outbox,
    can_verify_alumnus,
    can_view_user,
    is_staff,
)
from careerlink.tokens import make_token, read_token


def flashes(client) -> list[tuple[str, str]]:
    """The messages waiting for the next page, taken out of the session."""
    with client.session_transaction() as sess:
        return list(sess.pop("_flashes", []))


def reload(db, req) -> ConnectionRequest:
    db.session.expire_all()
    return db.session.get(ConnectionRequest, req.id)


# --- the signed-in cancel button -------------------------------------------------------------


@pytest.mark.parametrize("who", ["student", "alumnus", "staff"])
def test_either_side_or_staff_cancels_a_day_while_signed_in(
    client, db, sign_in, make_request, staff, outbox, who
):
    req = make_request(state="scheduled", kind="shadowing", staff=staff)
    actor = {"student": req.student, "alumnus": req.alumnus, "staff": staff}[who]
    sign_in(actor)
    resp = client.post(f"/requests/{req.id}/cancel", data={"reason": "The clinic is closed."})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/requests/{req.id}"
    assert flashes(client) == [
        ("success", "The shadowing day is cancelled; both of you have been told.")
    ]
    req = reload(db, req)
    assert (req.state, req.cancelled_by_id, req.cancel_reason) == (
        "cancelled",
        actor.id,
        "The clinic is closed.",
    )
    assert req.events[-1].actor_role == who
    [email] = outbox("shadowing_cancelled")
    assert set(email.recipients) == {req.student.email, req.alumnus.email}


def test_cancelling_without_a_reason_says_why_and_changes_nothing(
    client, db, sign_in, make_request, outbox
):
    req = make_request(state="scheduled", kind="shadowing")
    sign_in(req.student)
    for reason in ("", "   "):
        resp = client.post(f"/requests/{req.id}/cancel", data={"reason": reason})
        assert resp.status_code == 302
        assert flashes(client) == [("error", "Say why you are cancelling.")]
    assert reload(db, req).state == "scheduled"
    assert outbox("shadowing_cancelled") == []


def test_cancelling_an_introduction_is_refused_in_words(client, db, sign_in, make_request):
    req = make_request(state="introduced")
    sign_in(req.student)
    client.post(f"/requests/{req.id}/cancel", data={"reason": "Changed my mind."})
    assert flashes(client) == [
        ("error", "This request cannot be cancelled. Its state is: Introduced.")
    ]
    assert reload(db, req).state == "introduced"


def test_a_stranger_cannot_cancel_someone_elses_day(client, db, sign_in, make_request, make_user):
    req = make_request(state="scheduled", kind="shadowing")
    sign_in(make_user(Role.STUDENT))
    assert client.post(f"/requests/{req.id}/cancel", data={"reason": "x"}).status_code == 404
    assert reload(db, req).state == "scheduled"


def test_the_cancel_service_refuses_anyone_else(db, make_request, make_user):
    req = make_request(state="scheduled", kind="shadowing")
    with pytest.raises(NotAllowed, match="Only the student, the alumnus or the career office"):
        services.cancel_request(req, make_user(Role.ALUMNUS), reason="Not mine.")
    with pytest.raises(DomainError, match="Say why you are cancelling."):
        services.cancel_request(req, req.student, reason="  ")


def test_the_answer_link_cancel_needs_a_reason(client, db, make_request):
    req = make_request(state="scheduled", kind="shadowing")
    token = request_links.answer_token(req)
    resp = client.post(f"/requests/answer/{token}/cancel", data={"reason": ""})
    assert resp.headers["Location"] == f"/requests/answer/{token}"
    assert flashes(client) == [("error", "Say why you are cancelling.")]
    assert reload(db, req).state == "scheduled"


# --- the signed-in decline button ------------------------------------------------------------


def test_the_alumnus_declines_while_signed_in(client, db, sign_in, make_request, outbox):
    req = make_request(state="relayed")
    sign_in(req.alumnus)
    resp = client.post(f"/requests/{req.id}/decline", data={"note": "Too busy this term."})
    assert resp.headers["Location"] == f"/requests/{req.id}"
    assert flashes(client) == [
        ("success", "Thank you for letting us know. We have told the student kindly.")
    ]
    req = reload(db, req)
    assert (req.state, req.alumnus_note) == ("declined_by_alumnus", "Too busy this term.")
    assert req.answered_at is not None
    [email] = outbox("request_declined_by_alumnus")
    assert email.recipients == [req.student.email]
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Declined by the alumnus" in page


def test_declining_twice_is_news_not_an_error(client, db, sign_in, make_request, outbox):
    req = make_request(state="relayed")
    sign_in(req.alumnus)
    client.post(f"/requests/{req.id}/decline", data={})
    flashes(client)
    client.post(f"/requests/{req.id}/decline", data={})
    assert flashes(client) == [
        ("info", "This request cannot be declined. Its state is: Declined by the alumnus.")
    ]
    assert len(outbox("request_declined_by_alumnus")) == 1


def test_the_student_cannot_decline_for_the_alumnus(client, db, sign_in, make_request):
    req = make_request(state="relayed")
    sign_in(req.student)
    assert client.post(f"/requests/{req.id}/decline", data={}).status_code == 403
    assert reload(db, req).state == "relayed"


def test_declining_a_request_not_sent_to_you_is_refused_by_the_service(db, make_request, staff):
    req = make_request(state="relayed")
    with pytest.raises(NotAllowed, match="Only the alumnus this request was sent to"):
        services.decline_by_alumnus(req, staff)


# --- accepting: what can go wrong -----------------------------------------------------------


def test_accepting_a_day_without_a_date_asks_for_one(client, db, sign_in, make_request, outbox):
    req = make_request(state="relayed", kind="shadowing")
    sign_in(req.alumnus)
    client.post(f"/requests/{req.id}/accept", data={})
    assert flashes(client) == [("error", "Choose one of the proposed dates, or propose another.")]
    client.post(f"/requests/{req.id}/accept", data={"date_choice": "other"})
    assert flashes(client) == [("error", "Choose one of the proposed dates, or propose another.")]
    assert reload(db, req).state == "relayed"
    assert outbox("shadowing_scheduled") == []


def test_accepting_a_day_today_or_before_is_refused(client, db, sign_in, make_request):
    req = make_request(state="relayed", kind="shadowing")
    sign_in(req.alumnus)
    for day in (utcnow().date(), utcnow().date() - timedelta(days=1)):
        client.post(
            f"/requests/{req.id}/accept",
            data={"date_choice": "other", "other_date": day.isoformat()},
        )
        assert flashes(client) == [("error", "Choose a date after today.")]
    assert reload(db, req).state == "relayed"


def test_accepting_with_a_date_not_offered_shows_the_forms_error(client, db, sign_in, make_request):
    req = make_request(state="relayed", kind="shadowing")
    sign_in(req.alumnus)
    client.post(f"/requests/{req.id}/accept", data={"date_choice": "2031-02-30"})
    assert flashes(client) == [("error", "Not a valid choice.")]
    assert reload(db, req).state == "relayed"


def test_accepting_after_declining_is_news(client, db, sign_in, make_request, outbox):
    req = make_request(state="declined_by_alumnus")
    sign_in(req.alumnus)
    client.post(f"/requests/{req.id}/accept", data={})
    assert flashes(client) == [
        ("info", "This request cannot be accepted. Its state is: Declined by the alumnus.")
    ]
    assert outbox("introduction") == []


def test_accepting_an_expired_request_by_link_is_news(client, db, make_request):
    req = make_request(state="expired")
    token = request_links.answer_token(req)
    client.post(f"/requests/answer/{token}/accept", data={})
    assert flashes(client) == [
        ("info", "This request cannot be accepted. Its state is: Expired without an answer.")
    ]


def test_the_student_cannot_accept(client, db, sign_in, make_request):
    req = make_request(state="relayed")
    sign_in(req.student)
    assert client.post(f"/requests/{req.id}/accept", data={}).status_code == 403
    with pytest.raises(NotAllowed):
        services.accept_request(req, req.student)


# --- revising: what can go wrong ------------------------------------------------------------


def test_revising_a_request_not_sent_back_says_so(client, db, sign_in, make_request):
    req = make_request(state="submitted")
    sign_in(req.student)
    resp = client.get(f"/requests/{req.id}/revise")
    assert resp.headers["Location"] == f"/requests/{req.id}"
    assert flashes(client) == [("info", "This request is not waiting for your changes.")]
    client.post(f"/requests/{req.id}/revise", data={"message": "m" * 100})
    assert flashes(client) == [("info", "This request is not waiting for your changes.")]
    assert reload(db, req).state == "submitted"


def test_only_the_student_revises(client, db, sign_in, make_request, staff):
    req = make_request(state="needs_info", staff=staff)
    sign_in(req.alumnus)
    assert client.get(f"/requests/{req.id}/revise").status_code == 404  # not relayed to them
    sign_in(staff)
    assert client.get(f"/requests/{req.id}/revise").status_code == 403
    with pytest.raises(NotAllowed, match="Only the student who asked can revise"):
        services.revise_request(req, staff, hopes="", why_alumnus="", message="m" * 100)


def test_a_revision_too_short_is_shown_beside_the_field(client, db, sign_in, make_request):
    req = make_request(state="needs_info")
    sign_in(req.student)
    resp = client.post(f"/requests/{req.id}/revise", data={"message": "Too short."})
    assert resp.status_code == 200
    assert "Write between 80 and 2000 characters." in resp.get_data(as_text=True)
    assert reload(db, req).state == "needs_info"


def test_a_revised_day_needs_two_dates(client, db, sign_in, make_request):
    """The service's refusal reaches the page beside the first date."""
    req = make_request(state="needs_info", kind="shadowing")
    sign_in(req.student)
    day = req.proposed_date_values[0]
    resp = client.post(
        f"/requests/{req.id}/revise",
        data={
            "hopes": "Learn.",
            "why_alumnus": "You.",
            "message": "m" * 100,
            "date1": day.isoformat(),
        },
    )
    assert resp.status_code == 200
    assert "Propose at least two different dates." in resp.get_data(as_text=True)
    assert reload(db, req).state == "needs_info"


def test_a_revised_day_keeps_new_dates(client, db, sign_in, make_request):
    req = make_request(state="needs_info", kind="shadowing")
    sign_in(req.student)
    first, second, _ = req.proposed_date_values
    resp = client.post(
        f"/requests/{req.id}/revise",
        data={
            "hopes": "See surgery.",
            "why_alumnus": "Your clinic.",
            "message": "m" * 100,
            "date1": second.isoformat(),
            "date2": first.isoformat(),
        },
    )
    assert resp.status_code == 302
    req = reload(db, req)
    assert (req.state, req.hopes, req.why_alumnus) == ("submitted", "See surgery.", "Your clinic.")
    assert req.proposed_dates == [first.isoformat(), second.isoformat()]


def test_a_blank_answer_in_a_revision_keeps_the_earlier_text(db, make_request):
    req = make_request(state="needs_info")
    services.revise_request(req, req.student, hopes=" ", why_alumnus="", message="m" * 100)
    db.session.commit()
    req = reload(db, req)
    assert (req.hopes, req.why_alumnus) == (
        "Learn how a veterinary practice runs.",
        "You run the clinic I want to work at.",
    )


# --- the profile's "still current" button ----------------------------------------------------


def test_the_owner_confirms_the_profile_is_current(client, db, sign_in, make_mentor):
    long_ago = utcnow() - timedelta(days=370)
    profile = make_mentor(
        last_confirmed_at=long_ago, listed=False, stale_unlisted_at=long_ago + timedelta(days=365)
    )
    sign_in(profile.user)
    before = utcnow()
    resp = client.post(f"/mentors/{profile.id}/still-current")
    assert resp.headers["Location"] == f"/mentors/{profile.id}/edit"
    assert flashes(client) == [("success", "Thank you, your profile is confirmed as current.")]
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.last_confirmed_at >= before
    assert (profile.listed, profile.stale_unlisted_at) == (True, None)  # listed again


def test_only_the_owner_confirms_the_profile(client, db, sign_in, make_mentor, make_user):
    profile = make_mentor()
    stamp = profile.last_confirmed_at
    sign_in(make_user(Role.ALUMNUS))
    assert client.post(f"/mentors/{profile.id}/still-current").status_code == 403
    assert client.post("/mentors/999999/still-current").status_code == 404
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).last_confirmed_at == stamp


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("a1b2c3d4e", "", f"Use at least {MIN_LENGTH} characters."),
        ("a1b2c3d4e5", "", None),
        ("abcd" * 50, "", None),
        ("abcd" * 50 + "e", "", f"Use at most {MAX_LENGTH} characters."),
        (
            "Jo.Smith@Example.edu",
            "jo.smith@example.edu",
            "Your password cannot be your email address.",
        ),
        (
            " jo.smith@example.edu ",
            "JO.SMITH@example.edu ",
            "Your password cannot be your email address.",
        ),
        ("jo.smith@example.edu", "", None),
        ("abcabcabcabc", "", "Choose a password with more variety."),
        ("abcdabcdabcd", "", None),
        ("          ", "", "Choose a password with more variety."),
    ],
)
def test_password_rules(password, email, problem):
    assert password_problem(password, email) == problem


def test_sign_up_refuses_the_address_as_password(client, db):
    resp = client.post(
        "/signup",
        data={
            "display_name": "Pat Same",
            "email": "pat.same@example.edu",
            "role": "student",
            "password": "Pat.Same@example.edu",
            "confirm": "Pat.Same@example.edu",
        },
    )
    assert resp.status_code == 200
    assert "Your password cannot be your email address." in resp.get_data(as_text=True)


def test_changing_to_a_weak_password_is_refused_beside_the_field(client, db, sign_in, student):
    sign_in(student)
    resp = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery",
            "new_password": "aaaabbbbaaaa",
            "confirm": "aaaabbbbaaaa",
        },
    )
    assert resp.status_code == 200
    assert "Choose a password with more variety." in resp.get_data(as_text=True)


# --- the UTC type ------------------------------------------------------------------------------


class _Dialect:
    def __init__(self, name):
        self.name = name


def test_utc_datetime_binds_and_reads_in_utc():
    kind = UTCDateTime()
    paris = datetime(2030, 6, 3, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert kind.process_bind_param(None, _Dialect("sqlite")) is None
    assert kind.process_bind_param(paris, _Dialect("sqlite")) == datetime(2030, 6, 3, 7, 30)
    assert kind.process_bind_param(paris, _Dialect("postgresql")) == datetime(
        2030, 6, 3, 7, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="naive datetime given"):
        kind.process_bind_param(datetime(2030, 6, 3, 9, 30), _Dialect("postgresql"))
    assert kind.process_result_value(None, _Dialect("sqlite")) is None
    assert kind.process_result_value(datetime(2030, 6, 3, 7, 30), _Dialect("sqlite")) == (
        datetime(2030, 6, 3, 7, 30, tzinfo=UTC)
    )
    read = kind.process_result_value(paris, _Dialect("postgresql"))
    assert read == paris and read.tzinfo == UTC


# --- refusals a form reaches ----------------------------------------------------------------


def test_staff_must_write_the_question_and_the_reason(db, make_request, staff):
    req = make_request(staff=staff)
    with pytest.raises(DomainError, match="Write the question for the student."):
        services.ask_student_for_info(req, staff, question="  ")
    with pytest.raises(DomainError, match="Write a reason for the student."):
        services.decline_by_staff(req, staff, reason="")
    with pytest.raises(DomainError, match="Write a reason for the students"):
        services.bulk_review([req.id], staff, action="decline", reason=" ")
    with pytest.raises(DomainError, match="Choose approve or decline."):
        services.bulk_review([req.id], staff, action="delete")
    assert reload(db, req).state == "submitted"


def test_bulk_review_page_without_an_action(client, db, sign_in, make_request, staff):
    req = make_request(staff=staff)
    sign_in(staff)
    client.post("/staff/requests/bulk", data={"request_ids": [str(req.id)], "action": "x"})
    assert flashes(client) == [("error", "Choose approve or decline.")]
    ids = [str(i) for i in range(1, 502)]
    client.post("/staff/requests/bulk", data={"request_ids": ids, "action": "approve"})
    assert flashes(client) == [("error", "Tick at most 500 requests at once.")]
    assert reload(db, req).state == "submitted"


def test_asking_refusals_the_form_cannot_catch(db, make_user, make_mentor):
    student = make_user(Role.STUDENT)
    only_intro = make_mentor(offers=("introduction",))
    base = {"hopes": "Learn.", "why_alumnus": "You.", "message": "m" * 100}
    with pytest.raises(DomainError, match="does not offer a shadowing day"):
        services.submit_request(student, only_intro, "shadowing", conduct_acknowledged=True, **base)
    mentor = make_mentor()
    for field, message in (("hopes", "Say what you hope to learn."), ("why_alumnus", "Say why")):
        with pytest.raises(DomainError, match=message) as refused:
            services.submit_request(
                student, mentor, "introduction", conduct_acknowledged=True, **{**base, field: " "}
            )
        assert refused.value.field == field
    with pytest.raises(DomainError, match="Keep the message under 2000 characters."):
        services.check_message("m" * 2001)
    today = utcnow().date()
    with pytest.raises(DomainError, match="Propose at most three dates."):
        services.check_proposed_dates([today + timedelta(days=d) for d in range(8, 12)], today)


def test_asking_an_alumnus_who_cannot_be_asked(client, db, sign_in, student, make_mentor):
    paused = make_mentor(accepting_requests=False)
    nothing = make_mentor(offers=())
    sign_in(student)
    resp = client.get(f"/mentors/{paused.id}/ask/introduction")
    assert resp.status_code == 403
    assert "Not accepting requests" in resp.get_data(as_text=True)
    resp = client.get(f"/mentors/{nothing.id}/ask/introduction")
    assert resp.status_code == 403
    assert "This alumnus does not take requests of any kind at the moment." in resp.get_data(
        as_text=True
    )
    intro_only = make_mentor(offers=("introduction",))
    resp = client.get(f"/mentors/{intro_only.id}/ask/shadowing")
    assert resp.status_code == 403
    assert "This alumnus does not offer a shadowing day." in resp.get_data(as_text=True)


def test_feedback_and_outcome_refusals(db, make_request, make_user):
    req = make_request(state="introduced")
    with pytest.raises(DomainError, match="Feedback comes from the student or the alumnus."):
        services.give_feedback(req, "staff", met=True, usefulness=3)
    with pytest.raises(DomainError, match="Choose a number from 1 to 5."):
        services.give_feedback(req, "student", met=True, usefulness=6)
    with pytest.raises(NotAllowed, match="Only the student who asked can record outcomes."):
        services.record_outcome(req, req.alumnus, kind="job_offer")
    with pytest.raises(DomainError, match="Choose an outcome from the list."):
        services.record_outcome(req, req.student, kind="a yacht")
    services.record_outcome(req, req.student, kind="job_offer")
    with pytest.raises(Conflict, match="Job offer is already recorded."):
        services.record_outcome(req, req.student, kind="job_offer")
    early = make_request(state="relayed")
    with pytest.raises(DomainError, match="Outcomes can be recorded once the alumnus"):
        services.record_outcome(early, early.student, kind="job_offer")
    db.session.rollback()


def test_feedback_links_bound_to_their_side_and_person(db, make_request):
    req = make_request(state="completed")
    forged_side = make_token(
        request_links.FEEDBACK, {"rid": req.id, "uid": req.student_id, "side": "staff"}
    )
    swapped = make_token(
        request_links.FEEDBACK, {"rid": req.id, "uid": req.student_id, "side": "alumnus"}
    )
    for token in (forged_side, swapped):
        with pytest.raises(InvalidToken, match="This link is not valid."):
            request_links.request_for_feedback_token(token)
    assert request_links.request_for_feedback_token(
        request_links.feedback_token(req, "alumnus")
    ) == (req, "alumnus")


@pytest.mark.parametrize("rid", [0, -1, True, "1", None, 1.0])
def test_an_answer_token_with_an_odd_id_is_refused(db, make_request, rid):
    req = make_request(state="relayed")
    token = make_token(request_links.ANSWER, {"rid": rid, "uid": req.alumnus_id})
    with pytest.raises(InvalidToken):
        request_links.request_for_answer_token(token)


def test_a_token_whose_payload_is_not_a_mapping_is_refused(app, db):
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="careerlink.x").dumps([1, 2])
    with pytest.raises(InvalidToken, match="This link is not valid.") as refused:
        read_token("x", token)
    assert refused.value.link == "x"


def test_links_for_staff_and_the_directory(app, db, make_request):
    req = make_request()
    assert request_links.staff_link(req) == f"http://careerlink.test/staff/requests/{req.id}"
    assert request_links.directory_link() == "http://careerlink.test/mentors"
    assert request_links.directory_link("veterinary") == (
        "http://careerlink.test/mentors?industry=veterinary"
    )


def test_the_machine_names_an_unknown_action():
    with pytest.raises(KeyError, match="no transition named 'fly'"):
        machine.transitions_for("fly")
    assert machine.transition_for("accept", "coffee") is None


# --- who may do what ---------------------------------------------------------------------------


def test_object_level_permissions(db, make_user):
    student, other = make_user(Role.STUDENT), make_user(Role.STUDENT)
    staff, admin = make_user(Role.STAFF), make_user(Role.ADMIN)
    assert can_view_user(student, student) and not can_view_user(student, other)
    assert can_view_user(staff, other) and can_view_user(admin, other)
    assert not can_view_user(None, student)
    assert can_edit_user(student, student) and not can_edit_user(student, other)
    assert can_edit_user(admin, other) and not can_edit_user(staff, other)
    assert not can_edit_user(None, student)
    assert can_manage_outbox(staff) and can_manage_outbox(admin)
    assert not can_manage_outbox(student) and not can_manage_outbox(None)
    assert can_verify_alumnus(staff) and not can_verify_alumnus(student)
    with transaction():
        staff.active = False
    assert not is_staff(staff) and not can_manage_outbox(staff)


def test_verifying_as_the_signed_in_user_goes_to_the_account(client, db, sign_in, make_user):
    from careerlink.accounts.links import verification_link

    user = make_user(Role.STUDENT, verified=False)
    sign_in(user)
    path = verification_link(user).replace("http://careerlink.test", "")
    resp = client.post(path)
    assert resp.headers["Location"] == "/account"
    db.session.expire_all()
    assert (
        db.session.scalar(select(type(user).email_verified_at).where(type(user).id == user.id))
        is not None
    )


def test_signing_in_unverified_reminds_to_verify(client, db, make_user):
    user = make_user(Role.STUDENT, email="late@example.edu", verified=False)
    resp = client.post("/signin", data={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 302
    assert flashes(client) == [
        ("info", "Please verify your email address; we sent you a link when you signed up.")
    ]
