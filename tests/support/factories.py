"""Factories and personas: users, mentor profiles and requests made through the services.

Each factory runs its service calls in one `transaction()`, as a web request would, so the
objects it returns are committed whether or not the services commit themselves.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from careerlink.database import transaction
from careerlink.models import utcnow
from careerlink.permissions import Role
from support.auth import DEFAULT_PASSWORD

MESSAGE = (
    "I am a second-year biology student hoping to work in veterinary medicine, and I would be "
    "grateful for an introduction to the practice manager at your clinic."
)

# What `mentors.services.save_profile` reads from the profile form (besides offers, industries).
PROFILE_FORM_FIELDS = frozenset(
    {
        "headline",
        "employer",
        "job_title",
        "city",
        "region",
        "country",
        "open_to_remote",
        "class_year",
        "degree",
        "programme",
        "bio",
        "tags",
        "shadowing_location",
        "shadowing_description",
        "shadowing_requirements",
        "shadowing_max_students",
        "monthly_capacity",
        "accepting_requests",
        "away_until",
        "listed",
        "linkedin_url",
    }
)
PROFILE_DEFAULTS = {
    "headline": "Veterinarian",
    "employer": "Riverside Veterinary Clinic",
    "job_title": "Practice owner",
    "city": "Lyon",
    "country": "France",
    "shadowing_location": "12 Quai du Rhône, Lyon",
    "shadowing_description": "Morning consultations, then surgery observation.",
    "shadowing_requirements": "Closed shoes; no perfume.",
    "monthly_capacity": 5,
    "accepting_requests": True,
    "listed": True,
}


def working_days(count: int, start: date | None = None, gap: int = 1) -> list[date]:
    """`count` weekdays after `start` (today by default), `gap` weekdays apart."""
    from careerlink.models import utcnow

    day = start or utcnow().date()
    found: list[date] = []
    step = 0
    while len(found) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            if step % gap == 0:
                found.append(day)
            step += 1
    return found


KIND_FIELDS = ("slots", "meeting_format", "meeting_place", "posting_url", "opening_id", "resume")
# The smallest file that passes for a PDF résumé (the check reads the header).
RESUME_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def interview_slots(days_ahead: int = 3, count: int = 2) -> list[tuple]:
    """`count` interview times at 10:00 office time (UTC in tests), a day apart, 30 minutes."""
    from datetime import time as clock_time

    start = utcnow().date() + timedelta(days=days_ahead)
    return [(start + timedelta(days=i), clock_time(10, 0), 30) for i in range(count)]


def kind_fields(kind: str, given: dict) -> dict:
    """What a request of this kind needs (interview times, a posting), unless the test says."""
    from careerlink.connections.uploads import Upload

    resume = Upload(RESUME_PDF, "cv.pdf")
    defaults = {
        "informational_interview": {"slots": interview_slots(), "meeting_format": "video"},
        "resume_review": {"resume": resume},
        "referral": {"posting_url": "https://jobs.example.org/vet-nurse", "resume": resume},
    }.get(kind, {})
    return {**defaults, **{key: given[key] for key in KIND_FIELDS if key in given}}


def advance(req, state: str, staff, now=None):
    """Drive a freshly submitted request to `state` through the services and model methods.

    `expired` and `completed` call the model's own transition (`req.expire`, `req.complete`):
    in the app only the clock makes them, for every due request at once, not for one request.
    """
    from careerlink.connections import services

    alumnus = req.alumnus
    student = req.student
    if state == "submitted":
        return req
    if state == "needs_info":
        services.ask_student_for_info(req, staff, question="Which dates?", now=now)
    elif state == "declined_by_staff":
        services.decline_by_staff(req, staff, reason="Not this time.", now=now)
    elif state == "withdrawn":
        services.withdraw_request(req, student, now=now)
    elif state == "alumnus_left":
        req.close_alumnus_left(note="The alumnus left.", now=now)
    else:
        services.approve_request(req, staff, now=now)
        if state == "relayed":
            pass
        elif state == "declined_by_alumnus":
            services.decline_by_alumnus(req, alumnus, note="Busy", now=now)
        elif state == "expired":
            req.expire(now=now)
        elif state == "slot_proposed":
            day, start, minutes = interview_slots(days_ahead=9, count=1)[0]
            services.propose_slot(req, alumnus, day=day, start=start, minutes=minutes, now=now)
        elif state in ("referral_accepted", "referred") or (
            state == "completed" and req.is_referral
        ):
            services.accept_request(req, alumnus, now=now)
            if state != "referral_accepted":
                services.confirm_referral(req, alumnus, note="Sent to HR.", now=now)
            if state == "completed":
                req.complete(now=now)
        elif state in ("introduced", "scheduled", "reviewed", "cancelled", "completed"):
            day = req.proposed_date_values[0] if req.is_shadowing else None
            services.accept_request(
                req,
                alumnus,
                scheduled_date=day,
                slot_index=0 if req.is_interview else None,
                review_comments="Lead with your shelter work." if req.is_review else None,
                now=now,
            )
            if state == "cancelled":
                services.cancel_request(req, student, reason="I am ill.", now=now)
            elif state == "completed":
                req.complete(now=now)
        else:
            raise ValueError(state)
    return req


@pytest.fixture
def industries(db):
    """The default industries, as migration 0002 loads them."""
    from careerlink.mentors.industries import ensure_default_industries

    ensure_default_industries(db.session.connection())
    db.session.commit()


@pytest.fixture
def mentor(db, make_user, industries):
    """mentor(name="Alex Alumnus", **fields) -> MentorProfile: a listed, approved alumnus,
    the profile written directly (`test_mentors.make_profile`; `make_mentor` goes through the
    services), the default industries loaded."""
    from test_mentors import make_profile

    def factory(name="Alex Alumnus", **fields):
        return make_profile(db, make_user(Role.ALUMNUS, name=name), **fields)

    return factory


@pytest.fixture
def make_user(db):
    """make_user(*roles, email=None, name=None, password=..., verified=True, alumnus_verified=True).

    Goes through `accounts.services.create_user`. An alumnus is marked a verified graduate
    directly (`alumnus_verified_at`): `set_alumnus_verified` needs a staff actor, and making
    one for every alumnus would add users the test did not ask for; `verified_by` stays empty,
    as for alumni an administrator imported as verified.
    """
    from careerlink.accounts.services import create_user
    from careerlink.models import utcnow

    counter = {"n": 0}

    def factory(
        *roles: Role,
        email: str | None = None,
        name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        verified: bool = True,
        alumnus_verified: bool = True,
    ):
        counter["n"] += 1
        roles = roles or (Role.STUDENT,)
        with transaction():
            user = create_user(
                email or f"user{counter['n']}-{uuid.uuid4().hex[:6]}@example.edu",
                name or f"Test User {counter['n']}",
                password,
                list(roles),
                verified=verified,
            )
            if Role.ALUMNUS in roles and alumnus_verified:
                user.alumnus_verified_at = utcnow()
        return user

    return factory


@pytest.fixture
def student(make_user):
    """A verified student."""
    return make_user(Role.STUDENT, email="stella@students.example.edu", name="Stella Student")


@pytest.fixture
def alumna(make_user):
    """A verified alumna."""
    return make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")


@pytest.fixture
def staff(make_user):
    """A career-office staff member."""
    return make_user(Role.STAFF, email="sam@careers.example.edu", name="Sam Staff")


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user(Role.ADMIN, email="ada@careers.example.edu", name="Ada Admin")


def _ensure_industry(db, slug: str) -> None:
    """Add the industry with this slug unless it exists (named as in the default list)."""
    from careerlink.mentors.industries import DEFAULT_INDUSTRIES
    from careerlink.mentors.models import Industry

    if db.session.scalar(select(Industry).where(Industry.slug == slug)) is None:
        name = dict(DEFAULT_INDUSTRIES).get(slug) or slug.replace("-", " ").title()
        db.session.add(Industry(slug=slug, name=name, active=True))


@pytest.fixture
def make_mentor(db, make_user):
    """make_mentor(user=None, offers=(...), industry="veterinary", **fields) -> MentorProfile.

    A listed, approved profile made as in the app: the alumnus opts in
    (`mentors.services.opt_in`) and saves the profile form (`save_profile`, with the form
    fields among `fields` over PROFILE_DEFAULTS); an alumnus not yet verified as a graduate is
    approved by a staff user (`approve_profile`). `industry` is a slug or a list of slugs.

    Three steps bypass the services, on purpose:
    - A missing industry is inserted directly: no service adds one (migration 0002 loads the
      defaults), and loading all 27 would put industries the test did not ask for in every
      filter and form that lists the active ones.
    - Fields the form does not set (`month_request_count`, `month_start`, `last_confirmed_at`,
      statistics...) are set on the profile after the services ran: tests need a profile that
      is full this month or stale, which only time and requests produce in the app.
    - The "profile_approved" email that `approve_profile` queues is deleted: the factory makes
      a mentor to use, not an approval to check, and tests that count outbox rows must see
      only what they do themselves (test_mentors checks that email).
    """
    from careerlink.mail.models import OutboxMessage
    from careerlink.mentors import services as mentor_services
    from careerlink.mentors.models import MentorProfile, VerificationStatus

    made = {"staff": None}

    def factory(user=None, offers=("introduction", "shadowing"), industry="veterinary", **fields):
        unknown = [name for name in fields if not hasattr(MentorProfile, name)]
        if unknown:
            raise TypeError(f"make_mentor: MentorProfile has no field {unknown}")
        if user is None:
            user = make_user(Role.ALUMNUS)
        approver = None
        if user.alumnus_verified_at is None:
            # opt_in approves a verified graduate's new profile at once; others wait for staff.
            if made["staff"] is None:
                made["staff"] = make_user(Role.STAFF, name="Directory Staff")
            approver = made["staff"]
        slugs = [industry] if isinstance(industry, str) else list(industry)
        form = {**PROFILE_DEFAULTS, **{k: v for k, v in fields.items() if k in PROFILE_FORM_FIELDS}}
        form.update(offers=list(offers), industries=slugs)
        with transaction():
            for slug in slugs:
                _ensure_industry(db, slug)
            profile = mentor_services.opt_in(user, agreed=True)
            mentor_services.save_profile(user, profile, form)
            if profile.verification_status != VerificationStatus.APPROVED.value:
                db.session.flush()
                last = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
                mentor_services.approve_profile(approver, profile)
                db.session.flush()
                db.session.execute(
                    delete(OutboxMessage).where(
                        OutboxMessage.id > last, OutboxMessage.event == "profile_approved"
                    )
                )
            for name, value in fields.items():
                if name not in PROFILE_FORM_FIELDS:
                    setattr(profile, name, value)
        return profile

    return factory


@pytest.fixture
def make_request(db, make_user, make_mentor):
    """make_request(student=None, mentor=None, kind="introduction", state="submitted", ...).

    Submitted through `connections.services.submit_request`, then driven to `state` by
    `advance` (services, and the clock's own transitions). A "cancelled" request is a shadowing
    day, since only a scheduled day can be cancelled.
    """
    from careerlink.connections import services

    made = {"staff": None}

    def factory(
        student=None, mentor=None, kind="introduction", state="submitted", staff=None, **kw
    ):
        if student is None:
            student = make_user(Role.STUDENT)
        if mentor is None:
            mentor = make_mentor(offers=tuple(dict.fromkeys(("introduction", "shadowing", kind))))
        if staff is None:
            if made["staff"] is None:
                made["staff"] = make_user(Role.STAFF, name="Queue Staff")
            staff = made["staff"]
        if state == "cancelled":
            kind = "shadowing"
        with transaction():
            req = services.submit_request(
                student,
                mentor,
                kind,
                hopes=kw.get("hopes", "Learn how a veterinary practice runs."),
                why_alumnus=kw.get("why_alumnus", "You run the clinic I want to work at."),
                message=kw.get("message", MESSAGE),
                proposed_dates=kw.get("proposed_dates", working_days(3, gap=2)),
                conduct_acknowledged=True,
                **kind_fields(kind, kw),
            )
            advance(req, state, staff)
        return req

    return factory


@pytest.fixture
def default_industries(db):
    """The default industry list, as migration 0002 loads it (the alumni import maps to it)."""
    from careerlink.mentors.industries import ensure_default_industries

    ensure_default_industries(db.session.connection())
    db.session.commit()
