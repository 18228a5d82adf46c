"""Every time rule at its boundary: one tick before it, and the first instant it applies.

The rules are stated here with their documented numbers (7 days to answer, a reminder at
half of them, completion 14 days after an introduction, a profile reminder at 335 days and
unlisting at 365, links valid 48 hours, 2 hours, ...), and the app's settings are checked to
be those numbers. Each rule is inclusive at its boundary (`<=`, or `age > max_age` refused),
so each test looks at BOUNDARY - TICK (nothing happens) and at BOUNDARY (it happens): a
comparison moved by a minute, a day, or from `<=` to `<`, fails one of the two.

The services take `now=`; what reads the real clock (the `requests tick` and `profiles
remind` commands, itsdangerous's token ages) runs under time-machine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from careerlink.accounts import links as account_links
from careerlink.accounts import sessions
from careerlink.accounts.models import UserSession
from careerlink.connections import links as request_links
from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidToken
from careerlink.extensions import db
from careerlink.mentors import links as mentor_links
from careerlink.mentors import services as mentor_services
from careerlink.mentors.models import MentorProfile
from careerlink.models import utcnow
from careerlink.permissions import Role

TICK = timedelta(seconds=1)
RESPONSE_DAYS = 7
COMPLETE_AFTER_DAYS = 14
PROFILE_REMIND_DAYS = 335
PROFILE_UNLIST_DAYS = 365
VERIFY_HOURS = 48
RESET_HOURS = 2
# An answer link outlives the answer window, the completion delay and the furthest date a
# shadowing day may be proposed (so the alumnus can still cancel the day from the email).
ANSWER_LINK_DAYS = RESPONSE_DAYS + COMPLETE_AFTER_DAYS + 180
FEEDBACK_LINK_DAYS = 120
CONFIRM_LINK_DAYS = 60
SESSION_IDLE = timedelta(minutes=480)
SESSION_MAX = timedelta(hours=168)


def whole_second(moment: datetime) -> datetime:
    """A moment on a whole second (itsdangerous counts token ages in whole seconds)."""
    return moment.replace(microsecond=0)


def test_the_settings_are_the_documented_numbers(app):
    """The boundaries below use these numbers; a changed default must change them on purpose."""
    config = app.config
    assert config["CAREERLINK_RESPONSE_DAYS"] == RESPONSE_DAYS
    assert config["CAREERLINK_COMPLETE_AFTER_DAYS"] == COMPLETE_AFTER_DAYS
    assert config["CAREERLINK_PROFILE_REMIND_AFTER_DAYS"] == PROFILE_REMIND_DAYS
    assert config["CAREERLINK_PROFILE_UNLIST_AFTER_DAYS"] == PROFILE_UNLIST_DAYS
    assert config["CAREERLINK_TOKEN_MAX_AGE_HOURS"] == VERIFY_HOURS
    assert account_links.RESET_MAX_AGE_SECONDS == RESET_HOURS * 3600
    assert request_links.FEEDBACK_LINK_DAYS == FEEDBACK_LINK_DAYS
    assert mentor_links.CONFIRM_MAX_AGE == CONFIRM_LINK_DAYS * 86400
    assert config["CAREERLINK_SESSION_IDLE_MINUTES"] * 60 == SESSION_IDLE.total_seconds()
    assert config["CAREERLINK_SESSION_MAX_HOURS"] * 3600 == SESSION_MAX.total_seconds()


# --- the request clock -----------------------------------------------------------------------


def run_tick(now):
    """One run of the clock, each request committed alone (as the CLI does)."""
    return services.tick(now=now, unit=transaction)


def fresh(req: ConnectionRequest) -> ConnectionRequest:
    """The request as the database has it now."""
    db.session.expire_all()
    return db.session.get(ConnectionRequest, req.id)


@pytest.fixture
def relayed_at(make_request, staff):
    """relayed_at(moment, kind=...) -> a request approved (relayed) at exactly that moment."""

    def make(moment: datetime, kind: str = "introduction") -> ConnectionRequest:
        req = make_request(kind=kind, staff=staff)
        with transaction():
            services.approve_request(req, staff, now=moment)
        return req

    return make


@pytest.fixture
def t0():
    """A whole-second moment a little after now: the request's relay time."""
    return whole_second(utcnow()) + timedelta(minutes=1)


def test_the_answer_deadline_is_the_relay_time_plus_the_window(relayed_at, t0):
    req = relayed_at(t0)
    assert (req.relayed_at, req.respond_by) == (t0, t0 + timedelta(days=RESPONSE_DAYS))


def test_a_request_expires_at_its_deadline_not_a_tick_before(relayed_at, t0, outbox):
    req = relayed_at(t0)
    deadline = t0 + timedelta(days=RESPONSE_DAYS)

    before = run_tick(deadline - TICK)
    assert before.expired == 0
    req = fresh(req)
    assert req.state == "relayed" and req.closed_at is None
    assert outbox("request_expired") == []

    at = run_tick(deadline)
    assert at.expired == 1
    req = fresh(req)
    assert (req.state, req.closed_at, req.updated_at) == ("expired", deadline, deadline)
    assert len(outbox("request_expired")) == 1


def test_the_overdue_badge_and_counts_turn_on_at_the_deadline(relayed_at, t0):
    """is_overdue, the queue's "overdue" filter and the staff home count share the boundary."""
    req = relayed_at(t0)
    deadline = t0 + timedelta(days=RESPONSE_DAYS)
    overdue = services.QueueFilters(state="overdue")
    assert req.is_overdue(deadline - TICK) is False
    assert req.is_overdue(deadline) is True
    assert db.session.scalars(services.queue_query(overdue, now=deadline - TICK)).all() == []
    assert db.session.scalars(services.queue_query(overdue, now=deadline)).all() == [req]
    assert services.request_counts(now=deadline - TICK)["overdue"] == 0
    assert services.request_counts(now=deadline)["overdue"] == 1


def test_the_reminder_is_sent_at_half_the_window_not_a_tick_before(relayed_at, t0, outbox):
    req = relayed_at(t0)
    half = t0 + timedelta(days=RESPONSE_DAYS) / 2

    assert run_tick(half - TICK).reminded == 0
    assert fresh(req).reminded_at is None
    assert outbox("request_reminder") == []

    assert run_tick(half).reminded == 1
    req = fresh(req)
    assert (req.state, req.reminded_at, req.updated_at) == ("relayed", half, half)
    assert len(outbox("request_reminder")) == 1
    assert run_tick(half + TICK).reminded == 0  # once


def test_no_reminder_once_the_deadline_has_come(relayed_at, t0, outbox):
    """A tick a moment before the deadline still reminds; at the deadline it expires instead."""
    late_reminded = relayed_at(t0)
    deadline = t0 + timedelta(days=RESPONSE_DAYS)
    result = run_tick(deadline - TICK)
    assert (result.reminded, result.expired) == (1, 0)
    assert fresh(late_reminded).reminded_at == deadline - TICK

    never_reminded = relayed_at(t0 + TICK)
    result = run_tick(deadline + TICK)
    assert (result.reminded, result.expired) == (0, 2)
    assert fresh(never_reminded).reminded_at is None


def test_the_requests_tick_command_expires_at_the_deadline_by_the_real_clock(app, relayed_at, t0):
    """`flask careerlink requests tick` reads the clock itself: time-machine sets it."""
    req = relayed_at(t0)
    deadline = t0 + timedelta(days=RESPONSE_DAYS)
    runner = app.test_cli_runner()
    with time_machine.travel(deadline - TICK, tick=False):
        result = runner.invoke(args=["careerlink", "requests", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output == "reminded 1, expired 0, completed 0, paused 0 alumni\n"
    assert fresh(req).state == "relayed"
    with time_machine.travel(deadline, tick=False):
        result = runner.invoke(args=["careerlink", "requests", "tick"])
    assert result.output == "reminded 0, expired 1, completed 0, paused 0 alumni\n"
    assert fresh(req).state == "expired"


def test_an_introduction_completes_after_the_configured_days(relayed_at, t0, outbox):
    req = relayed_at(t0)
    answered = t0 + timedelta(hours=5)
    with transaction():
        services.accept_request(req, req.alumnus, now=answered)
    due = answered + timedelta(days=COMPLETE_AFTER_DAYS)

    assert run_tick(due - TICK).completed == 0
    assert fresh(req).state == "introduced"
    assert outbox("feedback_requested") == []

    assert run_tick(due).completed == 1
    req = fresh(req)
    assert (req.state, req.completed_at, req.closed_at) == ("completed", due, due)
    assert len(outbox("feedback_requested")) == 2  # the student and the alumnus


def test_a_shadowing_day_completes_the_day_after_its_date(relayed_at, t0):
    req = relayed_at(t0, kind="shadowing")
    day = req.proposed_date_values[0]
    with transaction():
        services.accept_request(req, req.alumnus, scheduled_date=day, now=t0 + TICK)
    last_moment_of_the_day = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    next_morning = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=UTC)

    assert run_tick(last_moment_of_the_day).completed == 0
    assert fresh(req).state == "scheduled"
    assert run_tick(next_morning).completed == 1
    req = fresh(req)
    assert (req.state, req.completed_at) == ("completed", next_morning)


def test_the_queues_waiting_days_filter_counts_from_the_last_change(relayed_at, t0):
    """The filter "waiting at least N days" includes a change exactly N days old."""
    req = relayed_at(t0)
    waited = services.QueueFilters(state="relayed", min_days=3)
    boundary = t0 + timedelta(days=3)
    assert db.session.scalars(services.queue_query(waited, now=boundary - TICK)).all() == []
    assert db.session.scalars(services.queue_query(waited, now=boundary)).all() == [req]


# --- dates a person chooses ------------------------------------------------------------------


def test_a_shadowing_day_must_be_after_the_day_it_is_accepted(relayed_at, t0):
    req = relayed_at(t0, kind="shadowing")
    day = req.proposed_date_values[0]
    on_the_day = datetime.combine(day, time(8, 0), tzinfo=UTC)
    with pytest.raises(DomainError, match="Choose a date after today."):
        services.accept_request(req, req.alumnus, scheduled_date=day, now=on_the_day)
    db.session.rollback()
    the_evening_before = on_the_day - timedelta(hours=8, seconds=1)  # 23:59:59 the day before
    with transaction():
        services.accept_request(req, req.alumnus, scheduled_date=day, now=the_evening_before)
    assert fresh(req).scheduled_date == day


def test_proposed_dates_are_after_today_and_within_180_days():
    # A Wednesday: today + 180 is a Monday and today + 181 a Tuesday, so no weekend intrudes.
    today = date(2030, 1, 9)
    tomorrow = today + timedelta(days=1)
    last, too_far = today + timedelta(days=180), today + timedelta(days=181)
    assert (today.weekday(), last.weekday(), too_far.weekday()) == (2, 0, 1)
    assert services.check_proposed_dates([tomorrow, last], today) == [
        tomorrow.isoformat(),
        last.isoformat(),
    ]
    with pytest.raises(DomainError, match="Propose dates after today."):
        services.check_proposed_dates([today, tomorrow], today)
    with pytest.raises(DomainError, match="Propose dates within the next 180 days."):
        services.check_proposed_dates([tomorrow, too_far], today)


def test_an_alumnus_away_until_a_day_can_be_asked_on_that_day(make_mentor):
    back = date(2030, 5, 6)
    profile = make_mentor(away_until=back)
    assert profile.is_away(back - timedelta(days=1)) is True
    assert profile.can_be_asked(back - timedelta(days=1))[0] is False
    assert profile.is_away(back) is False
    assert profile.can_be_asked(back) == (True, None)


# --- profile freshness -----------------------------------------------------------------------


def freshness(now):
    with transaction():
        return mentor_services.run_freshness(now)


def test_profile_reminder_at_335_days_and_unlisting_at_365(db, make_mentor, outbox):
    confirmed = whole_second(utcnow()) - timedelta(days=10)
    profile = make_mentor(last_confirmed_at=confirmed)
    remind_at = confirmed + timedelta(days=PROFILE_REMIND_DAYS)
    unlist_at = confirmed + timedelta(days=PROFILE_UNLIST_DAYS)

    assert (freshness(remind_at - TICK).reminded, len(outbox("profile_confirm"))) == (0, 0)
    assert freshness(remind_at).reminded == 1
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.confirm_reminder_sent_at == remind_at and profile.listed

    assert freshness(unlist_at - TICK).unlisted == 0
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).listed is True
    assert freshness(unlist_at).unlisted == 1
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert (profile.listed, profile.stale_unlisted_at) == (False, unlist_at)
    assert len(outbox("profile_unlisted")) == 1


def test_a_profile_first_seen_at_365_days_is_unlisted_without_a_reminder(db, make_mentor, outbox):
    confirmed = whole_second(utcnow()) - timedelta(days=10)
    make_mentor(last_confirmed_at=confirmed)
    result = freshness(confirmed + timedelta(days=PROFILE_UNLIST_DAYS))
    assert (result.reminded, result.unlisted) == (0, 1)
    assert outbox("profile_confirm") == []


def test_the_profiles_remind_command_uses_the_real_clock(app, db, make_mentor):
    confirmed = whole_second(utcnow()) - timedelta(days=10)
    make_mentor(last_confirmed_at=confirmed)
    runner = app.test_cli_runner()
    with time_machine.travel(confirmed + timedelta(days=PROFILE_REMIND_DAYS) - TICK, tick=False):
        result = runner.invoke(args=["careerlink", "profiles", "remind"])
    assert result.output == "reminded 0, unlisted 0\n"
    with time_machine.travel(confirmed + timedelta(days=PROFILE_REMIND_DAYS), tick=False):
        result = runner.invoke(args=["careerlink", "profiles", "remind"])
    assert result.output == "reminded 1, unlisted 0\n"


# --- link lifetimes --------------------------------------------------------------------------


def made_at(moment: datetime, make):
    """Make a token with the clock at `moment`."""
    with time_machine.travel(moment, tick=False):
        return make()


def read_at(moment: datetime, read):
    """Read a token with the clock at `moment`."""
    with time_machine.travel(moment, tick=False):
        return read()


def assert_lifetime(made: datetime, lifetime: timedelta, read, purpose: str) -> None:
    """Valid at exactly `lifetime` old; expired one second later, with the expiry message."""
    assert read_at(made + lifetime, read) is not None
    with pytest.raises(InvalidToken) as refused:
        read_at(made + lifetime + TICK, read)
    assert refused.value.message == "This link has expired. Ask for a new one."
    assert refused.value.link == purpose


@pytest.fixture
def t_link():
    return whole_second(utcnow())


def test_a_verification_link_lives_48_hours(db, make_user, t_link):
    user = make_user(verified=False)
    link = made_at(t_link, lambda: account_links.verification_link(user))
    token = link.rsplit("/", 1)[1]
    assert_lifetime(
        t_link,
        timedelta(hours=VERIFY_HOURS),
        lambda: account_links.user_for_verification(token),
        account_links.VERIFY,
    )


def test_a_reset_link_lives_2_hours(db, make_user, t_link):
    user = make_user()
    token = made_at(t_link, lambda: account_links.reset_link(user)).rsplit("/", 1)[1]
    assert_lifetime(
        t_link,
        timedelta(hours=RESET_HOURS),
        lambda: account_links.user_for_reset(token),
        account_links.RESET,
    )


def test_a_reset_link_page_refuses_an_expired_link(client, db, make_user, t_link):
    """Through the page a user opens: the form, then the bad-link page one second too late."""
    user = make_user()
    path = made_at(t_link, lambda: account_links.reset_link(user)).replace(
        "http://careerlink.test", ""
    )
    with time_machine.travel(t_link + timedelta(hours=RESET_HOURS), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(t_link + timedelta(hours=RESET_HOURS) + TICK, tick=False):
        page = client.get(path)
    assert page.status_code == 400
    assert "This link has expired. Ask for a new one." in page.get_data(as_text=True)


def test_an_answer_link_lives_past_the_window_and_a_far_shadowing_day(make_request, t_link):
    req = make_request(state="relayed")
    assert request_links.answer_token_max_age() == ANSWER_LINK_DAYS * 86400
    token = made_at(t_link, lambda: request_links.answer_token(req))
    assert_lifetime(
        t_link,
        timedelta(days=ANSWER_LINK_DAYS),
        lambda: request_links.request_for_answer_token(token),
        request_links.ANSWER,
    )


def test_an_answer_link_page_refuses_an_expired_link(client, make_request, t_link):
    req = make_request(state="relayed")
    token = made_at(t_link, lambda: request_links.answer_token(req))
    with time_machine.travel(t_link + timedelta(days=ANSWER_LINK_DAYS), tick=False):
        assert client.get(f"/requests/answer/{token}").status_code == 200
    with time_machine.travel(t_link + timedelta(days=ANSWER_LINK_DAYS) + TICK, tick=False):
        page = client.get(f"/requests/answer/{token}")
    assert page.status_code == 400
    assert "This link has expired." in page.get_data(as_text=True)


def test_a_feedback_link_lives_120_days(make_request, t_link):
    req = make_request(state="completed")
    token = made_at(t_link, lambda: request_links.feedback_token(req, "student"))
    assert_lifetime(
        t_link,
        timedelta(days=FEEDBACK_LINK_DAYS),
        lambda: request_links.request_for_feedback_token(token),
        request_links.FEEDBACK,
    )


def test_a_profile_confirmation_link_lives_60_days(make_mentor, t_link):
    profile = make_mentor()
    token = made_at(t_link, lambda: mentor_links.confirm_link(profile)).rsplit("/", 1)[1]
    assert_lifetime(
        t_link,
        timedelta(days=CONFIRM_LINK_DAYS),
        lambda: mentor_services.profile_for_confirm_token(token),
        mentor_links.CONFIRM,
    )


# --- signed-in sessions ----------------------------------------------------------------------


@pytest.fixture
def session_row(db, make_user):
    """A session row started and last seen at a known whole second."""
    user = make_user(Role.STUDENT)
    with transaction():
        key = sessions.start_session(user, "test", "127.0.0.1")
    row = db.session.scalar(
        db.select(UserSession).where(UserSession.key_hash == sessions.hash_key(key))
    )
    start = whole_second(utcnow())
    with transaction():
        row.created_at = row.last_seen_at = start
    return row


def test_a_session_is_idle_out_at_exactly_the_idle_limit(session_row):
    start = session_row.created_at
    assert sessions.is_live(session_row, start + SESSION_IDLE - TICK) is True
    assert sessions.is_live(session_row, start + SESSION_IDLE) is False


def test_a_session_ends_at_exactly_its_maximum_age(session_row):
    start = session_row.created_at
    with transaction():
        session_row.last_seen_at = start + SESSION_MAX - timedelta(minutes=1)
    assert sessions.is_live(session_row, start + SESSION_MAX - TICK) is True
    assert sessions.is_live(session_row, start + SESSION_MAX) is False


def test_the_account_page_lists_a_session_until_its_idle_limit(db, session_row):
    user = session_row.user
    start = session_row.created_at
    with time_machine.travel(start + SESSION_IDLE - TICK, tick=False):
        assert [r.id for r in sessions.active_sessions(user)] == [session_row.id]
    with time_machine.travel(start + SESSION_IDLE, tick=False):
        assert sessions.active_sessions(user) == []
