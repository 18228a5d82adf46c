"""Demo requests in every state, so that every staff page has something to show (idempotent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.services import create_user
from careerlink.connections import services
from careerlink.connections.models import ConnectionRequest, RequestKind
from careerlink.connections.slots import MeetingFormat, Slot, office_zone
from careerlink.extensions import db
from careerlink.mentors.models import MentorProfile, Offer, VerificationStatus
from careerlink.models import utcnow
from careerlink.permissions import Role

DEMO_STUDENTS = [
    ("student@demo.careerlink.test", "Stella Student"),
    ("graduate@demo.careerlink.test", "Grace Graduate"),
    ("sasha@demo.careerlink.test", "Sasha Second-Year"),
]
DEMO_ALUMNI = [
    ("alumna@demo.careerlink.test", "Alma Alumna"),
    ("alumnus@demo.careerlink.test", "Al Alumnus"),
]
DEMO_MARK = "[demo] "
MESSAGE = (
    "I am studying biology and hope to work in veterinary medicine. I have volunteered at an "
    "animal shelter for two years and would value an introduction to someone at your practice, "
    "where I would like to apply for a summer placement."
)


def next_working_day(start: date, skip: int = 0) -> date:
    """The first weekday after `start`, then `skip` more weekdays."""
    day = start
    found = -1
    while found < skip:
        day += timedelta(days=1)
        if day.weekday() < 5:
            found += 1
    return day


def _user(email: str, name: str, role: Role) -> User:
    user = find_user_by_email(email)
    if user is None:
        user = create_user(email, name, None, [role], verified=True)
        if role is Role.ALUMNUS:
            user.alumnus_verified_at = utcnow()
    return user


def _profile(user: User):
    profile = services.profile_for_user(user.id)
    if profile is None:
        profile = MentorProfile(user_id=user.id, headline="Alumni volunteer")
        db.session.add(profile)
    if not profile.is_visible:
        profile.opt_in("Demo consent.")
        profile.verification_status = VerificationStatus.APPROVED.value
        profile.verified_at = utcnow()
    offers = set(profile.offers) | set(Offer)  # every kind has a demo request
    profile.offers = offers
    profile.shadowing_location = profile.shadowing_location or "Riverside Veterinary Clinic"
    profile.monthly_capacity = max(profile.monthly_capacity or 0, 20)
    db.session.flush()
    return profile


def _make(student, alumnus, kind, when, staff, **kind_values) -> ConnectionRequest:
    dates = []
    if kind is RequestKind.SHADOWING:
        dates = [next_working_day(when.date() + timedelta(days=20), i).isoformat() for i in (0, 2)]
    if kind is RequestKind.INFORMATIONAL_INTERVIEW:
        # Two times at 10:00 and 16:00 office time, two weeks after the request.
        zone = office_zone()
        day = next_working_day(when.astimezone(zone).date() + timedelta(days=14), 0)
        kind_values = {
            "proposed_slots": [
                Slot(datetime.combine(day, time(hour, 0), tzinfo=zone).astimezone(UTC), 30).stored()
                for hour in (10, 16)
            ],
            "meeting_format": MeetingFormat.VIDEO.value,
            **kind_values,
        }
    # Straight through the state machine: the demo backdates requests, which the asking
    # service (rightly) would not allow.
    return ConnectionRequest.submit(
        by=student,
        kind=kind,
        alumnus_id=alumnus.id,
        now=when,
        hopes=DEMO_MARK + "Learn what a day in a small veterinary practice looks like.",
        why_alumnus="You have run a clinic for ten years and volunteer with shelters too.",
        message=MESSAGE,
        proposed_dates=dates,
        conduct_acknowledged_at=when,
        **kind_values,
    )


def load_requests_demo() -> list[str]:
    """Create one request in each state unless demo requests already exist."""
    # The main demo made these (with passwords); any missing one gets no password.
    students = [_user(e, n, Role.STUDENT) for e, n in DEMO_STUDENTS]
    alumni = [_user(e, n, Role.ALUMNUS) for e, n in DEMO_ALUMNI]
    staff = _user("staff@demo.careerlink.test", "Sam Staff", Role.STAFF)
    db.session.flush()
    existing = db.session.scalar(
        select(func.count())
        .select_from(ConnectionRequest)
        .where(ConnectionRequest.hopes.startswith(DEMO_MARK))
    )
    if existing:
        return [f"Demo requests: {existing} already loaded."]
    for alumnus in alumni:
        _profile(alumnus)

    now = utcnow()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    s1, s2, s3 = students
    a1, a2 = alumni
    intro, shadow = RequestKind.INTRODUCTION, RequestKind.SHADOWING
    made = 0
    days = services.response_days()

    # Open: at most one per student and alumnus.
    _make(s1, a1, intro, ago(1), staff)  # submitted
    r = _make(s1, a2, shadow, ago(3), staff)
    r.ask_for_info(by=staff, question="Which of the dates suits your timetable best?", now=ago(2))
    r = _make(s2, a1, shadow, ago(3), staff)
    # Relayed.
    r.approve(by=staff, note="A keen student; thank you!", response_days=days, now=ago(2))
    r = _make(s2, a2, intro, ago(12), staff)
    r.approve(by=staff, response_days=7, now=ago(11))  # relayed and overdue, whatever the setting
    made += 4

    # Closed and answered.
    r = _make(s3, a1, intro, ago(6), staff)
    r.decline_by_staff(by=staff, reason="Please ask for an introduction in your field.", now=ago(5))
    r = _make(s3, a2, intro, ago(9), staff)
    r.approve(by=staff, response_days=days, now=ago(8))
    r.decline_by_alumnus(by=a2, note="I am travelling this month, sorry!", now=ago(7))
    r = _make(s3, a1, intro, ago(30), staff)
    r.approve(by=staff, response_days=days, now=ago(29))
    r.expire(now=ago(22))
    r = _make(s3, a2, shadow, ago(4), staff)
    r.withdraw(by=s3, note="I found a placement.", now=ago(3))
    r = _make(s3, a2, intro, ago(6), staff)
    r.approve(by=staff, response_days=days, now=ago(5))
    r.accept(by=a2, note="Happy to help.", now=ago(4))  # introduced
    r = _make(s3, a2, shadow, ago(6), staff)
    r.approve(by=staff, response_days=days, now=ago(5))
    r.accept(by=a2, scheduled_date=r.proposed_date_values[0], now=ago(4))  # scheduled
    r = _make(s3, a1, shadow, ago(8), staff)
    r.approve(by=staff, response_days=days, now=ago(7))
    r.accept(by=a1, scheduled_date=r.proposed_date_values[0], now=ago(6))
    r.cancel(by=a1, role="alumnus", reason="The clinic is closed that week.", now=ago(5))
    r = _make(s3, a1, intro, ago(40), staff)
    r.approve(by=staff, response_days=days, now=ago(39))
    r.accept(by=a1, now=ago(37))
    r.complete(now=ago(20))
    services.give_feedback(r, "student", met=True, usefulness=5, comment="Very kind.", author=s3)
    services.record_outcome(r, s3, kind="internship", note="Summer 2026")
    made += 8

    # One of each newer kind: an interview scheduled, a résumé reviewed, a referral passed on.
    r = _make(s3, a1, RequestKind.INFORMATIONAL_INTERVIEW, ago(5), staff)
    r.approve(by=staff, response_days=days, now=ago(4))
    slot = r.slots[0]
    r.accept(
        by=a1,
        now=ago(3),
        scheduled_start=slot.start,
        scheduled_minutes=slot.minutes,
        scheduled_date=slot.local_start().date(),
        meeting_link="https://meet.example.org/demo-interview",
    )
    r = _make(s3, a2, RequestKind.RESUME_REVIEW, ago(7), staff)
    r.approve(by=staff, response_days=days, now=ago(6))
    r.accept(
        by=a2,
        now=ago(5),
        review_comments="Lead with your shelter volunteering; trim the course list to three lines.",
    )
    r = _make(
        s3,
        a1,
        RequestKind.REFERRAL,
        ago(9),
        staff,
        posting_url="https://jobs.example.org/riverside/veterinary-nurse",
    )
    r.approve(by=staff, response_days=days, now=ago(8))
    r.accept(by=a1, now=ago(7))
    services.confirm_referral(r, a1, note="Sent to the practice manager.", now=ago(6))
    made += 3
    for alumnus in alumni:
        services.recompute_mentor_stats(alumnus.id)
    return [f"Demo requests: {made} created, one or more in every state."]
