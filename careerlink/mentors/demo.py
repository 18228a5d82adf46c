"""Demo directory: about 300 varied alumni, generated deterministically (seeded random)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from careerlink.accounts.models import User, find_user_by_email
from careerlink.extensions import db
from careerlink.mentors.industries import (
    DEFAULT_INDUSTRIES,
    DEFAULT_TRANSLATIONS,
    ensure_default_industries,
)
from careerlink.mentors.models import Industry, MentorProfile, Offer, VerificationStatus
from careerlink.models import utcnow
from careerlink.permissions import Role

DEMO_COUNT = 300
DEMO_DOMAIN = "alumni.demo.careerlink.test"

FIRST_NAMES = [
    "José",
    "Amélie",
    "Chloé",
    "Zoë",
    "Noémie",
    "Björn",
    "Søren",
    "Łukasz",
    "Ana",
    "Maria",
    "Aisha",
    "Chen",
    "Wei",
    "Priya",
    "Rahul",
    "Fatima",
    "Omar",
    "Lena",
    "Jonas",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Sophia",
    "Mateo",
    "Lucía",
    "Hugo",
    "Inès",
    "Tomás",
    "Kofi",
    "Amara",
    "Yuki",
    "Hiroshi",
    "Sakura",
    "Ingrid",
    "Pablo",
    "Renée",
    "François",
    "Dara",
    "Niamh",
    "Siobhán",
    "Eamon",
    "Grace",
    "Daniel",
    "Hannah",
    "Samuel",
    "Leah",
]
LAST_NAMES = [
    "García",
    "Müller",
    "Nguyễn",
    "O'Brien",
    "Smith",
    "Jones",
    "Kowalski",
    "Rossi",
    "Dubois",
    "Andersen",
    "Okafor",
    "Mensah",
    "Tanaka",
    "Sato",
    "Patel",
    "Singh",
    "Haddad",
    "Khan",
    "Fernández",
    "López",
    "Martin",
    "Bernard",
    "Johansson",
    "Nieminen",
    "Walsh",
    "Murphy",
    "Kim",
    "Park",
    "Cohen",
    "Novak",
    "Horváth",
    "Santos",
    "Silva",
    "Brown",
    "Taylor",
]
PLACES = [
    ("Dublin", "Leinster", "Ireland"),
    ("Cork", "Munster", "Ireland"),
    ("Galway", "Connacht", "Ireland"),
    ("London", "England", "United Kingdom"),
    ("Manchester", "England", "United Kingdom"),
    ("Edinburgh", "Scotland", "United Kingdom"),
    ("Boston", "Massachusetts", "United States"),
    ("New York", "New York", "United States"),
    ("San Francisco", "California", "United States"),
    ("Chicago", "Illinois", "United States"),
    ("Toronto", "Ontario", "Canada"),
    ("Montréal", "Québec", "Canada"),
    ("Paris", "Île-de-France", "France"),
    ("Lyon", "Auvergne-Rhône-Alpes", "France"),
    ("Berlin", "Berlin", "Germany"),
    ("München", "Bavaria", "Germany"),
    ("Madrid", "Madrid", "Spain"),
    ("Barcelona", "Catalonia", "Spain"),
    ("Amsterdam", "North Holland", "Netherlands"),
    ("Stockholm", "Stockholm", "Sweden"),
    ("Singapore", "", "Singapore"),
    ("Sydney", "New South Wales", "Australia"),
    ("Nairobi", "Nairobi", "Kenya"),
    ("São Paulo", "São Paulo", "Brazil"),
]
PROGRAMMES = [
    ("BSc", "Computer Science"),
    ("BA", "English Literature"),
    ("BA", "History"),
    ("BA", "Journalism"),
    ("BComm", "Commerce"),
    ("BSc", "Biology"),
    ("BVM", "Veterinary Medicine"),
    ("MB", "Medicine"),
    ("BE", "Mechanical Engineering"),
    ("LLB", "Law"),
    ("BSc", "Economics"),
    ("BA", "Music"),
    ("BSc", "Nursing"),
    ("MA", "Public Relations"),
    ("BSc", "Environmental Science"),
]
# industry slug -> (job titles, employers, tags)
INDUSTRY_FLAVOUR: dict[str, tuple[list[str], list[str], list[str]]] = {
    "veterinary": (
        ["Veterinary surgeon", "Equine vet", "Practice manager"],
        ["Riverside Veterinary Clinic", "Greenfield Equine Hospital", "City Pets Clinic"],
        ["horses", "small animals", "equine surgery", "animal welfare"],
    ),
    "healthcare": (
        ["Physician", "Consultant surgeon", "Nurse manager", "GP"],
        ["St. Mary's Hospital", "Mercy University Hospital", "Northside Family Practice"],
        ["medicine", "paediatrics", "emergency care", "oncology"],
    ),
    "software": (
        ["Software engineer", "Engineering manager", "Data scientist", "Product manager"],
        ["Stripe", "Shopify", "Initech", "Hooli", "Globex Software"],
        ["python", "c++", "machine learning", "startups", "open source"],
    ),
    "publishing-media": (
        ["Commissioning editor", "Literary agent", "Journalist", "Producer"],
        ["Penguin Random House", "Faber & Faber", "The Irish Times", "BBC"],
        ["books", "editing", "data journalism", "podcasts"],
    ),
    "public-relations": (
        ["PR consultant", "Head of communications", "Press officer"],
        ["Edelman", "Weber Shandwick", "Murray Consultants"],
        ["crisis communications", "media relations", "speechwriting"],
    ),
    "banking-finance": (
        ["Analyst", "Portfolio manager", "Risk manager", "Investment banker"],
        ["Bank of Ireland", "Goldman Sachs", "AIB", "Fidelity"],
        ["mergers", "fintech", "risk", "private equity"],
    ),
    "law": (
        ["Solicitor", "Barrister", "In-house counsel"],
        ["Arthur Cox", "A&L Goodbody", "Legal Aid Board"],
        ["human rights", "contracts", "employment law"],
    ),
}
GENERIC_TITLES = ["Manager", "Consultant", "Director", "Specialist", "Coordinator", "Founder"]
GENERIC_EMPLOYERS = ["Acme Ltd", "Northwind", "Contoso", "Umbrella Group", "Wayne Enterprises"]
GENERIC_TAGS = [
    "mentoring",
    "career change",
    "leadership",
    "sustainability",
    "public speaking",
    "hiking",
    "chess",
    "climbing",
    "first-generation students",
    "working abroad",
]
SHADOWING_DAYS = [
    "Arrive at 9, sit in on the morning meeting, follow me through appointments, "
    "lunch with the team, and a debrief at 4.",
    "A half day: a tour, two client calls you can listen to, and time for your questions.",
    "You shadow me on a normal clinic day; expect to be on your feet most of the time.",
]
REQUIREMENTS = [
    "Photo ID at reception.",
    "Business casual dress; closed shoes.",
    "A confidentiality agreement signed on the day.",
    "Proof of vaccination for hospital visits.",
]


@dataclass
class _Person:
    name: str
    email: str


def _people(rng: random.Random) -> list[_Person]:
    people = []
    for n in range(1, DEMO_COUNT + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        people.append(_Person(name=name, email=f"mentor{n:03d}@{DEMO_DOMAIN}"))
    return people


def _fill_profile(
    profile: MentorProfile, rng: random.Random, industries: dict[str, Industry], on: date
) -> None:
    """Give a profile realistic, varied content (deterministic for a given rng state)."""
    slugs = list(industries)
    main = rng.choice(slugs)
    chosen = [main] + rng.sample([s for s in slugs if s != main], k=rng.choice([0, 0, 1, 2]))
    titles, employers, tags = INDUSTRY_FLAVOUR.get(main, (GENERIC_TITLES, GENERIC_EMPLOYERS, []))
    city, region, country = rng.choice(PLACES)
    degree, programme = rng.choice(PROGRAMMES)
    profile.job_title = rng.choice(titles)
    profile.employer = rng.choice(employers)
    profile.headline = f"{profile.job_title} in {industries[main].name.lower()}"
    profile.industries = [industries[s] for s in chosen]
    profile.city, profile.region, profile.country = city, region, country
    profile.open_to_remote = rng.random() < 0.6
    profile.class_year = rng.randint(1985, on.year - 1)
    profile.degree, profile.programme = degree, programme
    my_tags = rng.sample(tags, k=min(len(tags), rng.randint(0, 3)))
    my_tags += rng.sample(GENERIC_TAGS, k=rng.randint(0, 2))
    profile.tags = my_tags
    profile.bio = (
        f"I studied {programme} and graduated in {profile.class_year}. "
        f"Today I work as {profile.job_title.lower()} at {profile.employer} in {city}. "
        + (f"Outside work I love {', '.join(my_tags)}. " if my_tags else "")
        + "Happy to talk about how I got here and what the work is really like."
    )
    offers = {Offer.INTRODUCTION} if rng.random() < 0.7 else set()
    if rng.random() < 0.3:
        offers.add(Offer.SHADOWING)
    if rng.random() < 0.6:
        offers.add(Offer.INFORMATIONAL_INTERVIEW)
    if rng.random() < 0.4:
        offers.add(Offer.RESUME_REVIEW)
    profile.offers = offers or {Offer.INFORMATIONAL_INTERVIEW}
    if Offer.SHADOWING in profile.offers:
        profile.shadowing_location = f"{profile.employer}, {city}"
        profile.shadowing_description = rng.choice(SHADOWING_DAYS)
        profile.shadowing_requirements = rng.choice(REQUIREMENTS)
        profile.shadowing_max_students = rng.choice([1, 1, 2, 3])
    profile.monthly_capacity = rng.choice([1, 2, 2, 3, 4, 5])
    roll = rng.random()
    now = utcnow()
    if roll < 0.12:  # full this month
        profile.month_start = on.replace(day=1)
        profile.month_request_count = profile.monthly_capacity
        profile.last_requested_at = now - timedelta(days=rng.randint(0, 5))
    elif roll < 0.20:  # away for a while
        profile.away_until = on + timedelta(days=rng.randint(5, 90))
    elif roll < 0.25:  # paused
        profile.accepting_requests = False
    elif roll < 0.60:  # asked some time ago
        profile.last_requested_at = now - timedelta(days=rng.randint(3, 200))
    if rng.random() < 0.4:
        profile.median_response_days = round(rng.uniform(0.5, 9), 1)
        profile.asked_count = rng.randint(2, 20)
        profile.answered_count = rng.randint(1, profile.asked_count)
        profile.response_rate = profile.answered_count / profile.asked_count
    if rng.random() < 0.5:
        slug = fold_slug(profile.user.display_name)
        profile.linkedin_url = f"https://www.linkedin.com/in/{slug}"


def fold_slug(name: str) -> str:
    """A LinkedIn-style slug from a name."""
    from careerlink.mentors.text import words

    return "-".join(words(name)) or "alumnus"


def load_mentor_demo(count: int = DEMO_COUNT) -> list[str]:
    """Ensure the industries and about 300 listed alumni exist (idempotent); return lines."""
    added = ensure_default_industries(db.session.connection())
    industries = {
        i.slug: i
        for i in db.session.scalars(select(Industry).where(Industry.active.is_(True)))
        if i.slug in dict(DEFAULT_INDUSTRIES)
    }
    for slug, industry in industries.items():
        if not industry.translations and slug in DEFAULT_TRANSLATIONS:
            industry.translations = dict(DEFAULT_TRANSLATIONS[slug])
    rng = random.Random(20261128)  # noqa: S311 (demo data, not security)
    on = utcnow().date()
    created = 0
    existing = set(
        db.session.scalars(select(User.email).where(User.email.like(f"%@{DEMO_DOMAIN}")))
    )
    now = utcnow()
    for person in _people(rng)[:count]:
        if person.email in existing:
            continue
        user = User(
            email=person.email,
            display_name=person.name,
            password_hash=None,  # directory entries only; they cannot sign in
            email_verified_at=now,
            alumnus_verified_at=now,
        )
        user.add_role(Role.ALUMNUS)
        profile = MentorProfile(user=user)
        profile.opt_in("Demo data.", now)
        profile.verification_status = VerificationStatus.APPROVED.value
        profile.verified_at = now
        # Each person's own seed: re-running adds the missing ones with the same content.
        _fill_profile(profile, random.Random(person.email), industries, on)  # noqa: S311
        db.session.add(profile)
        created += 1
    # The named demo alumni get profiles too, one waiting for staff to verify.
    for email, approved in (
        ("alumna@demo.careerlink.test", True),
        ("alumnus@demo.careerlink.test", False),
    ):
        user = find_user_by_email(email)
        if user is None or user.mentor_profile is not None:
            continue
        profile = MentorProfile(user=user)
        profile.opt_in("Demo data.", now)
        if approved:
            profile.verification_status = VerificationStatus.APPROVED.value
            profile.verified_at = now
        _fill_profile(profile, random.Random(email), industries, on)  # noqa: S311
        if approved:
            profile.industries = [industries["veterinary"]]
            profile.headline = "Small-animal vet and lifelong rider: ask me about horses"
            profile.tags = ["horses", "show jumping", "small animals"]
            profile.offers = {Offer.INTRODUCTION, Offer.SHADOWING}
            profile.shadowing_location = "Riverside Veterinary Clinic, Galway"
            profile.shadowing_description = SHADOWING_DAYS[2]
            profile.shadowing_requirements = REQUIREMENTS[1]
            profile.accepting_requests = True
            profile.away_until = None
            profile.month_request_count = 0
        db.session.add(profile)
    db.session.flush()  # no commit: the demo command commits everything it loads at once
    lines = [f"Mentor directory: {created} demo alumni added ({count} in all)."]
    if added:
        lines.append(f"Industries: {added} added.")
    return lines
