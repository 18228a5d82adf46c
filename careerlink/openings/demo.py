"""Demo openings in every state, posted by the demo alumni (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from careerlink.accounts.models import find_user_by_email
from careerlink.extensions import db
from careerlink.mentors.models import Industry, today
from careerlink.models import utcnow
from careerlink.openings.models import Opening, OpeningState

DEMO_URL = "https://jobs.example.org/"
# (poster, title, organisation, industry, location, remote, state, days until it closes)
DEMO_OPENINGS = [
    ("alumna@demo.careerlink.test", "Veterinary nurse (summer internship)",
     "Riverside Veterinary Clinic", "veterinary", "Riverside", False, "approved", 40),
    ("alumna@demo.careerlink.test", "Practice administrator", "Riverside Veterinary Clinic",
     "veterinary", "Riverside", True, "approved", 20),
    ("alumnus@demo.careerlink.test", "Junior data analyst", "Northwind Health",
     "healthcare", "", True, "approved", 60),
    ("alumnus@demo.careerlink.test", "Clinical research assistant", "Northwind Health",
     "healthcare", "Springfield", False, "pending", 30),
    ("alumna@demo.careerlink.test", "Receptionist (weekends)", "Riverside Veterinary Clinic",
     "veterinary", "Riverside", False, "rejected", 15),
    ("alumnus@demo.careerlink.test", "Hospital porter", "Northwind Health", "healthcare",
     "Springfield", False, "withdrawn", 10),
    ("alumna@demo.careerlink.test", "Farm animal placement", "Riverside Veterinary Clinic",
     "veterinary", "Riverside", False, "approved", -5),
]  # fmt: skip


def load_openings_demo() -> list[str]:
    """Create the demo openings unless some already exist (the last one has closed)."""
    existing = db.session.scalar(
        select(func.count()).select_from(Opening).where(Opening.url.startswith(DEMO_URL))
    )
    if existing:
        return [f"Demo openings: {existing} already loaded."]
    staff = find_user_by_email("staff@demo.careerlink.test")
    now = utcnow()
    made = 0
    for number, row in enumerate(DEMO_OPENINGS, start=1):
        email, title, organisation, slug, location, remote, state, days = row
        poster = find_user_by_email(email)
        industry = db.session.scalar(select(Industry).where(Industry.slug == slug))
        if poster is None or industry is None:
            continue
        reviewed = state != OpeningState.PENDING.value
        db.session.add(
            Opening(
                posted_by_id=poster.id,
                title=title,
                organisation=organisation,
                url=f"{DEMO_URL}{number}",
                location=location,
                remote=remote,
                industry_id=industry.id,
                description="A demo opening: the link goes nowhere.",
                closes_on=today() + timedelta(days=days),
                state=state,
                reviewed_by_id=staff.id if (reviewed and staff) else None,
                reviewed_at=now - timedelta(days=len(DEMO_OPENINGS) - number) if reviewed else None,
                review_note="Please link to the posting itself." if state == "rejected" else "",
                revision=1,
            )
        )
        made += 1
    db.session.flush()
    return [f"Demo openings: {made} loaded (approved, waiting, refused, withdrawn, closed)."]
