"""Request rules: asking, limits, relay, answers, emails, the clock, feedback, races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from conftest import TEST_DB_URL, link_from
from factories import MESSAGE, working_days
from icalendar import Calendar
from support.auth import tampered

from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest, RequestState
from careerlink.connections.services import asking, clock
from careerlink.database import transaction
from careerlink.errors import Conflict, DomainError, InvalidToken, InvalidTransition
from careerlink.models import utcnow
from careerlink.permissions import Role
from careerlink.tokens import make_token

postgres_only = pytest.mark.skipif(
    not TEST_DB_URL, reason="row-level races need PostgreSQL (set CAREERLINK_TEST_DATABASE_URL)"
)


def run_tick(now=None):
    """Run the clock as `flask careerlink requests tick` does: each request committed alone."""
    return services.tick(now=now, unit=transaction)


def submit(student, mentor, kind="introduction", **kw):
    """Submit with sensible defaults."""
    values = {
        "hopes": "Learn the job.",
        "why_alumnus": "Your clinic.",
        "message": MESSAGE,
        "proposed_dates": working_days(3, gap=2),
        "conduct_acknowledged": True,
    }
    values.update(kw)
    return services.submit_request(student, mentor, kind, **values)


# --- asking -----------------------------------------------------------------------------------


def test_submit_records_history_and_counts_against_capacity(db, student, make_mentor):
    mentor = make_mentor()
    req = submit(student, mentor)
    db.session.commit()
    assert req.state == "submitted" and req.alumnus_id == mentor.user_id
    assert [e.to_state for e in req.events] == ["submitted"]
    assert mentor.month_request_count == 1 and mentor.last_requested_at is not None
    assert req.conduct_acknowledged_at is not None


def test_unverified_student_cannot_ask(db, make_user, make_mentor):
    user = make_user(Role.STUDENT, verified=False)
    with pytest.raises(DomainError, match="Verify your email"):
        submit(user, make_mentor())


def test_alumnus_without_student_role_cannot_ask(db, make_user, make_mentor):
    with pytest.raises(DomainError, match="Only students"):
        submit(make_user(Role.ALUMNUS), make_mentor())


# The fields are made from the day the test runs (not the day it was collected: a month may
# end between the two).
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (lambda today: {"accepting_requests": False}, "Not accepting"),
        (lambda today: {"away_until": today + timedelta(days=10)}, "Away until"),
        (
            lambda today: {
                "monthly_capacity": 2,
                "month_request_count": 2,
                "month_start": today.replace(day=1),
            },
            "Full this month",
        ),
        (lambda today: {"listed": False}, "Not listed"),
    ],
    ids=["not-accepting", "away", "full", "not-listed"],
)
def test_alumnus_who_cannot_be_asked(db, student, make_mentor, fields, reason):
    mentor = make_mentor(**fields(utcnow().date()))
    status = services.ask_status(mentor, student)
    assert not status.can_ask and reason in status.reason
    assert status.similar_industry == "veterinary"
    with pytest.raises(DomainError, match=reason):
        submit(student, mentor)


def test_shadowing_only_when_offered(db, student, make_mentor):
    with pytest.raises(DomainError, match="does not offer a shadowing day"):
        submit(student, make_mentor(offers=("introduction",)), "shadowing")


def test_message_length_is_bounded(db, student, make_mentor):
    mentor = make_mentor()
    with pytest.raises(DomainError, match="at least"):
        submit(student, mentor, message="Hi")
    with pytest.raises(DomainError, match="under"):
        submit(student, mentor, message="x" * (services.MESSAGE_MAX + 1))


def test_conduct_policy_must_be_acknowledged(db, student, make_mentor):
    with pytest.raises(DomainError, match="conduct policy"):
        submit(student, make_mentor(), conduct_acknowledged=False)


def test_proposed_dates_are_two_or_three_future_working_days(db, student, make_mentor):
    mentor = make_mentor()
    today = utcnow().date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    weekdays = working_days(2)
    with pytest.raises(DomainError, match="at least two"):
        submit(student, mentor, "shadowing", proposed_dates=weekdays[:1])
    with pytest.raises(DomainError, match="weekend"):
        submit(student, mentor, "shadowing", proposed_dates=[weekdays[0], saturday])
    with pytest.raises(DomainError, match="after today"):
        submit(student, mentor, "shadowing", proposed_dates=[today, weekdays[0]])
    req = submit(student, mentor, "shadowing", proposed_dates=[weekdays[1], weekdays[0]])
    assert req.proposed_date_values == sorted(weekdays)


def test_one_open_request_per_student_and_alumnus(db, student, make_mentor):
    mentor = make_mentor()
    submit(student, mentor)
    db.session.commit()
    with pytest.raises(Conflict, match="already have an open request"):
        submit(student, mentor, "shadowing")


def test_partial_unique_index_refuses_a_second_open_request(db, student, make_mentor, monkeypatch):
    """Even when the service's own check is raced past, the database says no, clearly."""
    mentor = make_mentor()
    submit(student, mentor)
    db.session.commit()
    # The check saw no open request (the other was not yet committed when it looked).
    monkeypatch.setattr(asking, "open_requests_of_student", lambda *a: [])
    with pytest.raises(Conflict, match="already have an open request") as info:
        submit(student, mentor)
    assert "withdraw it" in info.value.message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 1


def test_a_closed_request_does_not_block_a_new_one(db, student, make_mentor, staff):
    mentor = make_mentor()
    req = submit(student, mentor)
    services.decline_by_staff(req, staff, reason="Try again with more detail.")
    db.session.commit()
    again = submit(student, mentor)
    db.session.commit()
    assert again.id != req.id


def test_at_most_n_open_requests(app, db, student, make_mentor):
    for _ in range(3):
        submit(student, make_mentor())
    db.session.commit()
    with pytest.raises(DomainError, match="3 open requests"):
        submit(student, make_mentor())
    app.config["CAREERLINK_MAX_OPEN_REQUESTS"] = 4
    try:
        submit(student, make_mentor())
    finally:
        app.config["CAREERLINK_MAX_OPEN_REQUESTS"] = 3


# --- review and relay -------------------------------------------------------------------------


def test_approve_relays_with_signed_answer_link(db, make_request, staff, outbox):
    req = make_request(kind="shadowing")
    services.approve_request(req, staff, note="A keen student.")
    db.session.commit()
    to_alumnus = outbox("request_relayed")[0]
    assert to_alumnus.recipients == [req.alumnus.email]
    assert req.student.email not in to_alumnus.body_text  # privacy until acceptance
    assert "A keen student." in to_alumnus.body_text
    for d in req.proposed_date_values:
        assert f"{d.day} {d:%B %Y}" in to_alumnus.body_text
    link = link_from(to_alumnus, "/requests/answer/")
    token = link.rsplit("/", 1)[-1]
    assert services.request_for_answer_token(token).id == req.id
    to_student = outbox("request_relayed")[1]
    assert to_student.recipients == [req.student.email]


def test_staff_edit_of_the_message_is_recorded(db, make_request, staff):
    req = make_request()
    original = req.message
    services.approve_request(req, staff, message=original + " Thank you for your time.")
    db.session.commit()
    assert req.message_was_edited and req.original_message == original
    assert "edited" in req.events[-1].note


def test_ask_for_info_then_revise_returns_to_queue(db, make_request, staff, outbox):
    req = make_request()
    services.ask_student_for_info(req, staff, question="Which clinic exactly?")
    db.session.commit()
    assert "Which clinic exactly?" in outbox("request_needs_info")[0].body_text
    services.revise_request(
        req, req.student, hopes="h", why_alumnus="w", message=MESSAGE + " Riverside."
    )
    db.session.commit()
    assert req.state == "submitted" and req.message.endswith("Riverside.")


def test_staff_decline_links_to_similar_alumni(db, make_request, staff, outbox):
    req = make_request()
    services.decline_by_staff(req, staff, reason="Please be more specific.")
    db.session.commit()
    body = outbox("request_declined_by_staff")[0].body_text
    assert "Please be more specific." in body
    assert "industry=veterinary" in body


def test_only_staff_review(db, make_request, student):
    req = make_request()
    with pytest.raises(DomainError):
        services.approve_request(req, student)


def test_failed_transition_writes_no_email(db, make_request, staff, outbox):
    req = make_request(state="withdrawn")
    with pytest.raises(InvalidTransition):
        services.approve_request(req, staff)
    db.session.rollback()
    assert outbox("request_relayed") == []


def test_bulk_review(db, make_request, staff, outbox):
    a, b = make_request(), make_request()
    c = make_request(state="withdrawn")
    result = services.bulk_review([a.id, b.id, c.id, 999], staff, action="approve")
    assert sorted(result.done) == sorted([a.id, b.id])
    assert {i for i, _ in result.skipped} == {c.id, 999}
    assert len(outbox("request_relayed")) == 4


def test_bulk_review_rolls_back_a_refused_request_alone(db, make_request, staff, outbox):
    a, c = make_request(), make_request()
    b = make_request(state="withdrawn")
    with transaction():
        result = services.bulk_review([a.id, b.id, c.id], staff, action="approve")
    assert (result.done, [i for i, _ in result.skipped]) == ([a.id, c.id], [b.id])
    db.session.expire_all()
    assert (a.state, b.state, c.state) == ("relayed", "withdrawn", "relayed")
    assert [e.to_state for e in b.events] == ["submitted", "withdrawn"]
    assert len(outbox("request_relayed")) == 4


def test_bulk_review_leaves_the_commit_to_the_caller(db, make_request, staff, outbox):
    a = make_request()
    services.bulk_review([a.id], staff, action="approve")
    db.session.rollback()  # the caller changed its mind: nothing of the bulk review is kept
    db.session.expire_all()
    assert a.state == "submitted" and outbox("request_relayed") == []


def test_a_refused_submit_leaves_nothing_behind(db, student, make_mentor):
    """The caller's rollback undoes the whole submission (the request, its history, the count)."""
    mentor = make_mentor()
    submit(student, mentor)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(ConnectionRequest)) == 0
    assert mentor.month_request_count == 0


# --- answers ----------------------------------------------------------------------------------


def test_accept_introduction_emails_both_once(db, make_request, outbox):
    req = make_request(state="relayed")
    services.accept_request(req, req.alumnus, note="Happy to help")
    db.session.commit()
    (intro,) = outbox("introduction")
    assert intro.recipients == [req.student.email, req.alumnus.email]
    assert req.student.email in intro.body_text and req.alumnus.email in intro.body_text
    assert "Happy to help" in intro.body_text
    profile = services.profile_for_user(req.alumnus_id)
    assert profile.answered_count == 1 and profile.response_rate == 1.0
    assert profile.median_response_days is not None


def test_only_the_alumnus_answers(db, make_request, make_user):
    req = make_request(state="relayed")
    with pytest.raises(DomainError):
        services.accept_request(req, make_user(Role.ALUMNUS))


def test_accept_shadowing_sends_invitation_and_cancel_sends_cancel(db, make_request, outbox):
    req = make_request(kind="shadowing", state="relayed")
    day = req.proposed_date_values[1]
    services.accept_request(req, req.alumnus, scheduled_date=day)
    db.session.commit()
    (invite,) = outbox("shadowing_scheduled")
    cal = Calendar.from_ical(invite.attachments[0].data)
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert event["DTSTART"].dt == day
    uid = str(event["UID"])
    assert uid == f"careerlink-request-{req.id}@careerlink.test"
    assert int(event["SEQUENCE"]) == 0
    assert "12 Quai du Rhône" in invite.body_text

    services.cancel_request(req, req.student, reason="I broke my leg.")
    db.session.commit()
    (cancel,) = outbox("shadowing_cancelled")
    cal = Calendar.from_ical(cancel.attachments[0].data)
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"
    assert cancel.recipients == [req.student.email, req.alumnus.email]


def test_alumnus_may_propose_another_date(db, make_request):
    req = make_request(kind="shadowing", state="relayed")
    other = working_days(1, start=req.proposed_date_values[-1])[0]
    services.accept_request(req, req.alumnus, scheduled_date=other)
    assert req.scheduled_date == other


def test_decline_by_alumnus_is_kind_to_the_student(db, make_request, outbox):
    req = make_request(state="relayed")
    services.decline_by_alumnus(req, req.alumnus, note="Travelling all month.")
    db.session.commit()
    body = outbox("request_declined_by_alumnus")[0].body_text
    assert "Travelling all month." in body and "not about you" not in body
    assert "rarely about you" in body


def test_withdraw_tells_the_alumnus_only_when_relayed(db, make_request, outbox):
    quiet = make_request()
    services.withdraw_request(quiet, quiet.student)
    told = make_request(state="relayed")
    services.withdraw_request(told, told.student)
    db.session.commit()
    (mail,) = outbox("request_withdrawn")
    assert mail.recipients == [told.alumnus.email]


def test_cannot_withdraw_after_acceptance(db, make_request):
    req = make_request(state="introduced")
    with pytest.raises(InvalidTransition):
        services.withdraw_request(req, req.student)


def test_answer_tokens_are_scoped(app, db, make_request):
    a = make_request(state="relayed")
    b = make_request(state="relayed")
    token = services.answer_token(a)
    assert services.request_for_answer_token(token).id == a.id
    with pytest.raises(InvalidToken):
        services.request_for_answer_token(tampered(token))
    # A token for request b signed for a's alumnus does not open b.
    forged = make_token(services.ANSWER, {"rid": b.id, "uid": a.alumnus_id})
    with pytest.raises(InvalidToken):
        services.request_for_answer_token(forged)
    # A feedback token is not an answer token.
    with pytest.raises(InvalidToken):
        services.request_for_answer_token(services.feedback_token(a, "alumnus"))


def test_answer_token_of_an_unrelayed_request_is_refused(db, make_request):
    req = make_request()
    with pytest.raises(InvalidToken):
        services.request_for_answer_token(services.answer_token(req))


# --- the clock --------------------------------------------------------------------------------


def test_tick_reminds_once_at_half_the_window(db, make_request, outbox):
    req = make_request(state="relayed")
    assert run_tick().reminded == 0
    half = req.relayed_at + timedelta(days=3, hours=13)
    assert run_tick(now=half).reminded == 1
    assert run_tick(now=half + timedelta(hours=1)).reminded == 0
    (reminder,) = outbox("request_reminder")
    assert reminder.recipients == [req.alumnus.email]
    assert "/requests/answer/" in reminder.deliverable_text()


def test_tick_expires_at_the_deadline_and_tells_the_student(db, make_request, outbox):
    req = make_request(state="relayed")
    end = req.respond_by + timedelta(minutes=1)
    first = run_tick(now=end)
    assert first.expired == 1
    second = run_tick(now=end)
    assert (second.expired, second.reminded) == (0, 0)
    db.session.expire_all()
    assert req.state == "expired"
    assert len(outbox("request_expired")) == 1
    assert outbox("request_reminder") == []  # past the deadline, a reminder is pointless
    profile = services.profile_for_user(req.alumnus_id)
    assert (profile.asked_count, profile.answered_count, profile.response_rate) == (1, 0, 0.0)


def test_expired_link_shows_what_happened(client, db, make_request):
    req = make_request(state="relayed")
    token = services.answer_token(req)
    run_tick(now=req.respond_by + timedelta(seconds=1))
    page = client.get(f"/requests/answer/{token}")
    assert page.status_code == 200
    assert b"expired" in page.data and b"Accept" not in page.data


def test_tick_completes_introductions_and_asks_for_feedback(db, make_request, outbox):
    req = make_request(state="introduced")
    assert run_tick(now=req.answered_at + timedelta(days=13)).completed == 0
    later = req.answered_at + timedelta(days=14, minutes=1)
    assert run_tick(now=later).completed == 1
    assert run_tick(now=later).completed == 0
    db.session.expire_all()
    assert req.state == "completed"
    audiences = sorted(m.audience for m in outbox("feedback_requested"))
    assert audiences == ["alumnus", "student"]


def test_tick_completes_a_shadowing_day_once_it_has_passed(db, make_request):
    req = make_request(kind="shadowing", state="scheduled")
    day_after = utcnow().replace(
        year=req.scheduled_date.year, month=req.scheduled_date.month, day=req.scheduled_date.day
    )
    assert run_tick(now=day_after).completed == 0
    assert run_tick(now=day_after + timedelta(days=1)).completed == 1


def test_tick_pauses_after_consecutive_expiries_and_tells_staff(
    db, make_request, make_mentor, make_user, staff, outbox
):
    mentor = make_mentor()
    answered = make_request(mentor=mentor, state="relayed", staff=staff)
    services.accept_request(answered, answered.alumnus)
    db.session.commit()
    late = None
    for _ in range(3):
        late = make_request(mentor=mentor, state="relayed", staff=staff)
    result = run_tick(now=late.respond_by + timedelta(minutes=1))
    assert (result.expired, result.paused) == (3, 1)
    db.session.expire_all()
    assert mentor.accepting_requests is False
    (to_staff,) = outbox("alumnus_paused")[:1]
    assert staff.email in to_staff.recipients
    assert [m.audience for m in outbox("alumnus_paused")] == ["staff", "alumnus"]
    assert run_tick(now=late.respond_by + timedelta(minutes=2)).paused == 0


def test_an_answer_in_between_resets_the_run_of_expiries(db, make_request, make_mentor, staff):
    mentor = make_mentor()
    for i in range(3):
        req = make_request(mentor=mentor, state="relayed", staff=staff)
        if i == 1:
            services.decline_by_alumnus(req, req.alumnus)
            db.session.commit()
    run_tick(now=utcnow() + timedelta(days=8))
    db.session.expire_all()
    assert mentor.accepting_requests is True


def test_tick_in_savepoints_leaves_the_commit_to_the_caller(db, make_request, outbox):
    req = make_request(state="relayed")
    later = req.respond_by + timedelta(minutes=1)
    assert services.tick(now=later, unit=db.session.begin_nested).expired == 1
    db.session.rollback()
    db.session.expire_all()
    assert req.state == "relayed" and outbox("request_expired") == []


def test_tick_commits_each_request_so_a_crash_keeps_the_work_before_it(
    db, make_request, outbox, monkeypatch
):
    reqs = [make_request(state="relayed") for _ in range(3)]
    calls = []

    def expired_email(req):
        calls.append(req.id)
        if len(calls) == 2:
            raise RuntimeError("the template broke")

    monkeypatch.setattr(clock.notifications, "request_expired", expired_email)
    with pytest.raises(RuntimeError):
        run_tick(now=reqs[-1].respond_by + timedelta(minutes=1))
    db.session.rollback()
    db.session.expire_all()
    assert [r.state for r in reqs] == ["expired", "relayed", "relayed"]


def test_tick_skips_a_request_that_changed_meanwhile(db, make_request, monkeypatch):
    reqs = [make_request(state="relayed") for _ in range(3)]
    later = reqs[-1].respond_by + timedelta(minutes=1)
    due = clock.due_expiries(later)
    # The student withdraws the second one after the clock read the list.
    services.withdraw_request(reqs[1], reqs[1].student)
    db.session.commit()
    monkeypatch.setattr(clock, "due_expiries", lambda now: due)
    result = run_tick(now=later)
    assert (result.expired, result.skipped) == (2, 1)
    assert "skipped 1 (changed meanwhile)" in str(result)
    db.session.expire_all()
    assert [r.state for r in reqs] == ["expired", "withdrawn", "expired"]


def test_tick_command(app, db, make_request):
    make_request(state="relayed")
    result = app.test_cli_runner().invoke(args=["careerlink", "requests", "tick"])
    assert result.exit_code == 0, result.output
    assert "reminded 0, expired 0, completed 0" in result.output


# --- feedback and outcomes --------------------------------------------------------------------


def test_feedback_once_per_side(db, make_request):
    req = make_request(state="completed")
    services.give_feedback(req, "student", met=True, usefulness=4, comment="Great")
    db.session.commit()
    with pytest.raises(Conflict):
        services.give_feedback(req, "student", met=True, usefulness=4)
    services.give_feedback(req, "alumnus", met=True, usefulness=5)
    db.session.commit()
    assert {f.side for f in req.feedback} == {"student", "alumnus"}


def test_feedback_not_before_acceptance(db, make_request):
    with pytest.raises(DomainError):
        services.give_feedback(make_request(state="relayed"), "student", met=False, usefulness=1)


def test_outcomes(db, make_request):
    req = make_request(state="completed")
    services.record_outcome(req, req.student, kind="job_interview", note="March")
    db.session.commit()
    with pytest.raises(Conflict):
        services.record_outcome(req, req.student, kind="job_interview")
    with pytest.raises(DomainError):
        services.record_outcome(req, req.student, kind="lottery")
    with pytest.raises(DomainError):
        services.record_outcome(req, req.alumnus, kind="internship")
    assert req.outcome_kinds() == {"job_interview"}


def test_counts_for_staff_home(db, make_request):
    make_request()
    make_request(state="relayed")
    overdue = make_request(state="relayed")
    counts = services.request_counts(now=overdue.respond_by + timedelta(seconds=1))
    assert counts == {"review": 1, "needs_info": 0, "alumni": 2, "overdue": 2}


# --- delivery through a real SMTP server ------------------------------------------------------


def test_both_receive_the_introduction_over_smtp(db, make_request, smtp_server):
    from careerlink.mail.worker import send_due

    req = make_request(state="relayed")
    send_due()  # the relay emails
    smtp_server.clear()
    services.accept_request(req, req.alumnus)
    db.session.commit()
    assert send_due().sent == 1
    (message,) = smtp_server.messages
    recipients = {e for env in smtp_server.envelopes for e in env.rcpt_tos}
    assert recipients == {req.student.email, req.alumnus.email}
    assert message["Reply-To"] == req.alumnus.email
    assert "Introduction:" in message["Subject"]


def test_invitation_arrives_as_a_calendar_attachment(db, make_request, smtp_server):
    from careerlink.mail.worker import send_due

    req = make_request(kind="shadowing", state="relayed")
    send_due()
    smtp_server.clear()
    services.accept_request(req, req.alumnus, scheduled_date=req.proposed_date_values[0])
    db.session.commit()
    send_due()
    (message,) = smtp_server.messages
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts and b"METHOD:REQUEST" in parts[0].get_payload(decode=True)


# --- races (PostgreSQL: real row locks between connections) -----------------------------------


def _db_savepoint():
    from careerlink.extensions import db as _db

    return _db.session.begin_nested()


def _run_in_threads(app, count, work):
    barrier = threading.Barrier(count)
    outcomes: list = []

    def runner():
        from careerlink.extensions import db as _db

        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(work())
                _db.session.commit()
            except (InvalidTransition, DomainError) as err:
                _db.session.rollback()
                outcomes.append(err)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@postgres_only
def test_two_staff_approving_at_once_make_one_transition(app, db, make_request, make_user, outbox):
    req = make_request()
    staff_ids = [make_user(Role.STAFF).id, make_user(Role.STAFF).id]
    request_id = req.id
    turn = iter(staff_ids)
    lock = threading.Lock()

    def approve():
        from careerlink.accounts.models import User
        from careerlink.extensions import db as _db

        with lock:
            staff_id = next(turn)
        r = _db.session.get(ConnectionRequest, request_id)
        services.approve_request(r, _db.session.get(User, staff_id))
        return "ok"

    outcomes = _run_in_threads(app, 2, approve)
    assert outcomes.count("ok") == 1
    assert sum(isinstance(o, InvalidTransition) for o in outcomes) == 1
    db.session.expire_all()
    assert req.state == "relayed"
    assert [e.to_state for e in req.events] == ["submitted", "relayed"]
    assert len(outbox("request_relayed")) == 2  # one to the alumnus, one to the student


@postgres_only
def test_two_bulk_reviews_at_once_approve_each_request_once(
    app, db, make_request, make_user, outbox
):
    """Ticked in opposite orders, they wait for each other's row locks and never deadlock."""
    ids = [make_request().id for _ in range(4)]
    staff_ids = [make_user(Role.STAFF).id, make_user(Role.STAFF).id]
    orders = iter([(staff_ids[0], ids), (staff_ids[1], ids[::-1])])
    lock = threading.Lock()

    def bulk():
        from careerlink.accounts.models import User
        from careerlink.extensions import db as _db

        with lock:
            staff_id, order = next(orders)
        return services.bulk_review(order, _db.session.get(User, staff_id), action="approve")

    outcomes = _run_in_threads(app, 2, bulk)
    assert all(isinstance(o, services.BulkResult) for o in outcomes), outcomes
    # Each request approved by exactly one of them, and skipped by the other.
    assert sorted(i for o in outcomes for i in o.done) == sorted(ids)
    assert sorted(i for o in outcomes for i, _ in o.skipped) == sorted(ids)
    db.session.expire_all()
    rows = db.session.scalars(db.select(ConnectionRequest).order_by(ConnectionRequest.id))
    assert [[e.to_state for e in r.events] for r in rows] == [["submitted", "relayed"]] * 4
    assert len(outbox("request_relayed")) == 8


@postgres_only
def test_double_click_accept_makes_one_introduction(app, db, make_request, outbox):
    req = make_request(state="relayed")
    request_id = req.id

    def accept():
        from careerlink.extensions import db as _db

        r = _db.session.get(ConnectionRequest, request_id)
        services.accept_request(r, r.alumnus)
        return "ok"

    outcomes = _run_in_threads(app, 3, accept)
    assert outcomes.count("ok") == 1
    assert len(outbox("introduction")) == 1
    db.session.expire_all()
    assert req.state == RequestState.INTRODUCED.value


@postgres_only
@pytest.mark.parametrize("per_request", [True, False], ids=["commit-each", "savepoints"])
def test_two_ticks_at_once_do_the_work_once(app, db, make_request, outbox, per_request):
    expiring = [make_request(state="relayed") for _ in range(3)]
    reminding = [make_request(state="relayed") for _ in range(2)]
    for req, days_ago in [(r, 8) for r in expiring] + [(r, 4) for r in reminding]:
        req.relayed_at -= timedelta(days=days_ago)
        req.respond_by -= timedelta(days=days_ago)
    db.session.commit()

    def run_tick():
        return services.tick(unit=transaction if per_request else _db_savepoint)

    outcomes = _run_in_threads(app, 2, run_tick)
    assert sum(o.expired for o in outcomes) == 3
    assert sum(o.reminded for o in outcomes) == 2
    assert len(outbox("request_expired")) == 3
    assert len(outbox("request_reminder")) == 2
    db.session.expire_all()
    assert [len(r.events) for r in reminding] == [3, 3]  # submitted, relayed, one reminder
