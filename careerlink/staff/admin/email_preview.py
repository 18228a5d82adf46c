"""Every email template rendered with sample data, for administrators to read before it goes out.

The sample people and request are transient model objects, never added to a session: a
preview writes nothing, and its links go nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from careerlink.accounts.models import User
from careerlink.connections.models import ConnectionRequest
from careerlink.connections.slots import Slot
from careerlink.errors import NotFound
from careerlink.mail.events import email_label
from careerlink.mail.services import render_email
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.models import MentorProfile, StudentProfile
from careerlink.openings.models import Opening
from careerlink.paths import TEMPLATES_DIR

EMAIL_DIR = Path(TEMPLATES_DIR) / "careerlink" / "email"
SAMPLE_LINK = "https://careers.example.edu/sample-link"


@dataclass(frozen=True)
class EmailTemplate:
    """One email: its event and audience (the template is <event>_to_<audience>)."""

    event: str
    audience: str

    @property
    def name(self) -> str:
        """The template's base name, as in the file names."""
        return f"{self.event}_to_{self.audience}"

    @property
    def label(self) -> str:
        """What the email is, in words, in the current language."""
        return email_label(self.event, self.audience)


def templates() -> list[EmailTemplate]:
    """Every email template that has both a text and an HTML part, by name."""
    found = []
    for text in sorted(EMAIL_DIR.glob("*_to_*.txt")):
        if text.with_suffix(".html").exists():
            event, _, audience = text.stem.rpartition("_to_")
            found.append(EmailTemplate(event, audience))
    return found


def find(name: str) -> EmailTemplate:
    """The template of that name; NotFound for anything else (never a path from the URL)."""
    for template in templates():
        if template.name == name:
            return template
    raise NotFound()


# Which kind of request each event's sample is about (an introduction unless named here).
EVENT_KINDS = {
    "shadowing": "shadowing",
    "interview": "informational_interview",
    "resume": "resume_review",
    "referral": "referral",
}


def sample_context(shadowing: bool = False, kind: str | None = None) -> dict:
    """A student, an alumna, her profile and a request, filled in as a real one would be."""
    kind = kind or ("shadowing" if shadowing else "introduction")
    now = datetime.now(UTC).replace(microsecond=0)
    student = User(id=1, display_name="Stella Student", email="stella@students.example.edu")
    alumna = User(id=2, display_name="Alma Alumna", email="alma@alumni.example.org")
    student.email_verified_at = now
    profile = MentorProfile(
        id=1,
        headline="Veterinarian and clinic owner",
        employer="Riverside Veterinary Clinic",
        job_title="Practice owner",
        shadowing_description="A morning of consultations and an afternoon in surgery.",
        shadowing_location="Riverside Veterinary Clinic, 12 Mill Road",
        shadowing_requirements="Closed shoes; no photographs of patients.",
    )
    student_profile = StudentProfile(
        id=1,
        programme="Animal Science",
        class_year=2027,
        introduction="Second-year student hoping to specialise in large animals.",
        is_graduate=False,
    )
    first_day = date.today() + timedelta(days=14 - date.today().weekday())  # a Monday
    req = ConnectionRequest(
        id=1,
        kind=kind,
        state="relayed",
        hopes="Learn how a veterinary practice runs day to day.",
        why_alumnus="You run the clinic I hope to join after graduating.",
        message="Dear Dr Alumna, I am a second-year Animal Science student ...",
        proposed_dates=[(first_day + timedelta(days=d)).isoformat() for d in (0, 2)],
        staff_note="Stella is one of our strongest students this year.",
        info_question="Which dates would suit you?",
        staff_reason="This alumna is not taking requests this month.",
        respond_by=now + timedelta(days=7),
        alumnus_note="Happy to help. Come at 8:30.",
        scheduled_date=first_day if kind in ("shadowing", "informational_interview") else None,
        cancel_reason="The clinic is closed that day for an inspection.",
    )
    if kind == "informational_interview":
        start = datetime.combine(first_day, time(14, 0), tzinfo=UTC)
        req.proposed_slots = [
            {"start": (start + timedelta(days=d)).isoformat(), "minutes": 30} for d in (0, 1)
        ]
        req.scheduled_start, req.scheduled_minutes = start, 30
        req.meeting_format, req.meeting_link = "video", "https://meet.example.org/riverside"
    req.review_comments = "Lead with the shelter work; cut the list of courses to three lines."
    req.posting_url = "https://jobs.example.org/riverside/veterinary-nurse"
    req.cancelled_by = alumna
    # An alumna as the advancement CRM knows her (the invitation and its reminder).
    record = AlumniRecord(
        first_name="Alma",
        preferred_name="Alma",
        last_name="Alumna",
        class_year=2009,
        programme="Veterinary Medicine",
    )
    # An opening the alumna posted (its review, and the students' weekly digest).
    opening = Opening(
        id=1,
        title="Veterinary nurse (summer internship)",
        organisation="Riverside Veterinary Clinic",
        url="https://jobs.example.org/riverside/42",
        location="Riverside",
        remote=False,
        closes_on=date.today() + timedelta(days=30),
        state="approved",
        review_note="Thank you: a good first job for our Animal Science students.",
    )
    return {
        "record": record,
        "opening": opening,
        "openings": [(opening, SAMPLE_LINK)],
        "industries": ["Veterinary and animal care"],
        "unsubscribe": SAMPLE_LINK,
        "student": student,
        "alumnus": alumna,
        "user": student,
        "profile": profile,
        "student_profile": student_profile,
        "req": req,
        "kind_label": req.kind_enum.label,
        "zone": "UTC",
        "rescheduled": False,
        # The time a student asks to move an interview to, and what they wrote.
        "asked": Slot(datetime.combine(first_day + timedelta(days=2), time(15, 0), tzinfo=UTC), 30),
        "student_note": "My exam moved to that morning.",
        "expiries": 3,
        "reason": "We could not find you among our graduates; please check your class year.",
        "provider_label": "Campus sign-in",
        "signup": True,
        **{
            key: SAMPLE_LINK
            for key in (
                "account_url",
                "answer_url",
                "browse_url",
                "mine_url",
                "opening_url",
                "settings_url",
                "directory_url",
                "edit_url",
                "feedback_url",
                "link",
                "profile_url",
                "request_url",
                "resend_url",
                "reset_url",
                "signin_url",
            )
        },
    }


def render(template: EmailTemplate) -> tuple[str, str, str]:
    """Subject, text and HTML of the template with the sample data."""
    prefix = template.event.partition("_")[0]
    context = sample_context(kind=EVENT_KINDS.get(prefix))
    return render_email(template.event, template.audience, context)
