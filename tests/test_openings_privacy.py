"""A person's openings and digest subscription: in their data download, gone with their account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, inspect, select, text

from careerlink.accounts import privacy
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mail.models import OutboxMessage
from careerlink.mentors.models import today
from careerlink.openings import services
from careerlink.openings.models import (
    Opening,
    OpeningDigestEntry,
    OpeningSubscription,
    subscription_industries,
)
from careerlink.permissions import Role

POSTER = "Quillon Featherstonehaugh"
POSTER_EMAIL = "quillon.f@alumni.example.org"
OTHER_URL = "https://jobs.example.org/kennel"
TITLE = "Zephyrine Aviary Keeper"
ORGANISATION = "Quillfeather Owl Sanctuary"


def dump_text() -> str:
    """Every row of every table in the database (FTS tables too), as one lower-case text."""
    _db.session.rollback()
    parts = []
    with _db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts).lower()


def post(user, **over) -> Opening:
    values = {
        "title": TITLE,
        "organisation": ORGANISATION,
        "url": "https://jobs.example.org/owls",
        "location": "Riverside",
        "industry": "veterinary",
        "closes_on": today() + timedelta(days=30),
        "description": "Feeding the owls of the sanctuary.",
    }
    values.update(over)
    with transaction():
        return services.post_opening(user, values)


def test_the_download_holds_the_posters_openings_and_the_students_subscription(
    db, make_mentor, student, staff
):
    poster = make_mentor().user
    opening = post(poster)
    with transaction():
        services.reject_opening(staff, opening, "Link to the posting, please.")
        services.subscribe(student, ["veterinary"])
    with transaction():
        mine = privacy.export_data(poster, poster)
        theirs = privacy.export_data(student, student)
    assert [
        (o["title"], o["organisation"], o["state"], o["review_note"]) for o in mine["openings"]
    ] == [(TITLE, ORGANISATION, "rejected", "Link to the posting, please.")]
    assert mine["openings_digest"] is None
    assert theirs["openings"] == []
    assert theirs["openings_digest"]["industries"] == ["Veterinary and animal care"]


def test_deleting_the_poster_leaves_no_title_or_organisation_of_theirs(
    app, db, make_mentor, make_user, staff, student
):
    poster = make_mentor(user=make_user(Role.ALUMNUS, name=POSTER, email=POSTER_EMAIL)).user
    other = make_mentor().user
    with transaction():
        subscription = services.subscribe(student, ["veterinary"])
        subscription.since -= timedelta(hours=1)
    with transaction():
        services.approve_opening(staff, post(poster), "Welcome.")
        services.approve_opening(
            staff,
            post(
                other,
                title="Kennel assistant",
                url=OTHER_URL,
                organisation="Riverside Kennels",
                description="Walking the dogs.",
            ),
        )
    post(poster, title="Second aviary post")
    # The poster's opening reached a student in a digest (and another poster's with it).
    result = app.test_cli_runner().invoke(args=["careerlink", "openings", "digest"])
    assert result.output.startswith("1 digests queued, 2 openings listed")
    [digest] = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "openings_digest")
    ).all()
    assert TITLE in digest.body_text and "Kennel assistant" in digest.body_text
    with transaction():
        privacy.delete_account(poster, poster)
    assert _db.session.scalar(select(func.count(Opening.id))) == 1
    dump = dump_text()
    for words in (
        TITLE,
        ORGANISATION,
        "second aviary post",
        "owls",
        "jobs.example.org/owls",
        POSTER,
        POSTER_EMAIL,
    ):
        assert words.lower() not in dump, words
    # The digest keeps its date and its recipient, not its content (as every email that
    # named a deleted person).
    _db.session.expire_all()
    digest = _db.session.get(OutboxMessage, digest.id)
    assert (digest.recipients, digest.subject) == ([student.email], privacy.ERASED_SUBJECT)
    assert digest.body_text == privacy.ERASED_TEXT


def test_deleting_a_subscriber_removes_the_subscription_and_what_it_was_sent(
    app, db, make_mentor, student, staff
):
    poster = make_mentor().user
    with transaction():
        subscription = services.subscribe(student, ["veterinary"])
        subscription.since -= timedelta(hours=1)
    with transaction():
        services.approve_opening(staff, post(poster))
    result = app.test_cli_runner().invoke(args=["careerlink", "openings", "digest"])
    assert result.output.startswith("1 digests queued")
    with transaction():
        privacy.delete_account(student, student)
    counts = [
        _db.session.scalar(select(func.count()).select_from(table))
        for table in (
            OpeningSubscription.__table__,
            subscription_industries,
            OpeningDigestEntry.__table__,
        )
    ]
    assert counts == [0, 0, 0]
