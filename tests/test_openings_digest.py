"""The weekly digest of new openings: subscribing, content, idempotence, one-click unsubscribe.

Snapshots of the digest (and of the review emails) are compared by default; regenerate with
UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from conftest import link_from
from sqlalchemy import func, select, update
from support.auth import tampered

from careerlink.database import transaction
from careerlink.errors import DomainError, NotAllowed
from careerlink.extensions import db as _db
from careerlink.mail.models import OutboxMessage
from careerlink.mail.transports import message_bytes
from careerlink.mentors.models import today
from careerlink.models import utcnow
from careerlink.openings import notifications, services
from careerlink.openings.models import Opening, OpeningDigestEntry, OpeningSubscription
from careerlink.permissions import Role

SNAPSHOTS = Path(__file__).parent / "snapshots" / "openings"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "") == "1"
BASE = "http://careerlink.test"


def check_snapshot(name: str, content: str) -> None:
    """Compare with (or, with UPDATE_SNAPSHOTS=1, rewrite) tests/snapshots/openings/<name>."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to create it"
    assert content == path.read_bytes().decode("utf-8"), f"{name} differs from its snapshot"


def as_received(row: OutboxMessage) -> email.message.EmailMessage:
    """The message the transport sends for a row, parsed the way a mail client does."""
    return email.message_from_bytes(message_bytes(row), policy=email.policy.default)


@pytest.fixture
def poster(make_mentor):
    return make_mentor(industry=["veterinary", "healthcare"]).user


def post(user, title, industry="veterinary", **over):
    values = {
        "title": title,
        "organisation": over.pop("organisation", "Riverside Clinic"),
        "url": "https://jobs.example.org/1",
        "location": "Riverside",
        "remote": False,
        "industry": industry,
        "closes_on": today() + timedelta(days=30),
        "description": "",
    }
    values.update(over)
    with transaction():
        return services.post_opening(user, values)


def approve(staff, opening, hours_ago: float = 0) -> Opening:
    """Approve, then date the approval `hours_ago` (the digest orders and selects by it)."""
    with transaction():
        services.approve_opening(staff, opening)
        _db.session.execute(
            update(Opening)
            .where(Opening.id == opening.id)
            .values(reviewed_at=utcnow() - timedelta(hours=hours_ago))
        )
    _db.session.expire_all()
    return _db.session.get(Opening, opening.id)


def subscribe(user, *slugs, hours_ago: float = 24) -> OpeningSubscription:
    """Subscribe, as if `hours_ago` (so that what is approved after counts as new)."""
    with transaction():
        sub = services.subscribe(user, list(slugs))
        sub.since = utcnow() - timedelta(hours=hours_ago)
    return sub


def run_digest(app) -> str:
    result = app.test_cli_runner().invoke(args=["careerlink", "openings", "digest"])
    assert result.exit_code == 0, result.output
    _db.session.expire_all()
    return result.output.strip()


def digests(outbox) -> list[OutboxMessage]:
    _db.session.expire_all()
    return outbox("openings_digest")


def listed_titles(row: OutboxMessage) -> list[str]:
    return re.findall(r"^\* (.+) at ", row.body_text, flags=re.M)


# --- subscribing ---------------------------------------------------------------------------------


def test_a_student_subscribes_on_the_openings_page_and_sees_the_table(
    client, sign_in, student, poster
):
    sign_in(student)
    assert 'href="/openings/digest">Get new openings by email, weekly</a>' in client.get(
        "/openings"
    ).get_data(as_text=True)
    resp = client.post("/openings/digest", data={"industries": ["veterinary", "healthcare"]})
    assert resp.status_code == 302
    page = client.get("/openings/digest").get_data(as_text=True)
    assert "<td>Healthcare and medicine, Veterinary and animal care</td>" in page
    assert "<td>None yet</td>" in page
    # No industry ticked: the subscription ends.
    client.post("/openings/digest", data={})
    assert _db.session.scalar(select(func.count(OpeningSubscription.id))) == 0
    assert "You are not subscribed." in client.get("/openings/digest").get_data(as_text=True)


def test_subscribing_refuses_unknown_industries_and_non_students(db, student, poster):
    with pytest.raises(DomainError, match="Choose industries from the list."), transaction():
        services.subscribe(student, ["no-such"])
    with pytest.raises(NotAllowed), transaction():
        services.subscribe(poster, ["veterinary"])


# --- the digest ----------------------------------------------------------------------------------


def test_the_digest_lists_exactly_the_new_open_openings_in_the_chosen_industries(
    app, db, student, poster, staff, outbox, monkeypatch
):
    monkeypatch.setattr(
        notifications, "unsubscribe_link", lambda s: f"{BASE}/openings/unsubscribe/U"
    )
    # The first digest also lists what was approved in the week before it (the digest's
    # period), even before subscribing; older openings are not new any more.
    approve(staff, post(poster, "Older than a week"), hours_ago=8 * 24)
    approve(staff, post(poster, "Approved last week"), hours_ago=6 * 24)
    subscribe(student, "veterinary")
    approve(staff, post(poster, "Veterinary nurse", remote=True), hours_ago=5)
    approve(staff, post(poster, "Practice manager", location="", remote=True), hours_ago=2)
    approve(staff, post(poster, "Data analyst", industry="healthcare"), hours_ago=3)
    post(poster, "Still pending")
    closed = approve(staff, post(poster, "Closed already"), hours_ago=4)
    with transaction():
        _db.session.execute(
            update(Opening)
            .where(Opening.id == closed.id)
            .values(closes_on=today() - timedelta(days=1))
        )
    assert run_digest(app) == "1 digests queued, 3 openings listed, 1 subscribers"
    [row] = digests(outbox)
    assert row.recipients == [student.email]
    assert listed_titles(row) == ["Approved last week", "Veterinary nurse", "Practice manager"]
    # The closing dates change with the day the test runs; the rest is the snapshot.
    received = as_received(row)
    headers = "".join(
        f"{h}: {received[h]}\n"
        for h in ("Subject", "To", "List-Unsubscribe", "List-Unsubscribe-Post")
    )
    # As the email says it, in the office's locale (en_GB).
    closes = format_date(today() + timedelta(days=30), "long", locale="en_GB")
    ids = [o.id for o in _db.session.scalars(select(Opening).order_by(Opening.id))]
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()

    def fixed(body: str) -> str:
        # Ids differ between databases (PostgreSQL's sequences are not reset between tests).
        body = body.replace(closes, "31 March 2030")
        return re.sub(
            r"/openings/(\d+)\b", lambda m: f"/openings/OPENING-{ids.index(int(m[1])) + 1}", body
        )

    check_snapshot("openings_digest_to_student.txt", headers + "\n" + fixed(text))
    check_snapshot("openings_digest_to_student.html", fixed(html))


def test_the_first_digest_lists_the_week_before_it_then_only_what_is_new(
    app, db, student, poster, staff, outbox
):
    approve(staff, post(poster, "Eight days old"), hours_ago=8 * 24)
    approve(staff, post(poster, "Three days old"), hours_ago=3 * 24)
    subscribe(student, "veterinary", hours_ago=0)
    assert run_digest(app) == "1 digests queued, 1 openings listed, 1 subscribers"
    assert [listed_titles(r) for r in digests(outbox)] == [["Three days old"]]
    assert run_digest(app) == "0 digests queued, 0 openings listed, 1 subscribers"
    approve(staff, post(poster, "New today"))
    assert run_digest(app) == "1 digests queued, 1 openings listed, 1 subscribers"
    assert [listed_titles(r) for r in digests(outbox)][-1] == ["New today"]


def test_the_account_page_links_the_digest_settings_for_students(
    client, db, sign_in, student, poster
):
    sign_in(student)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/openings/digest"' in page
    sign_in(poster)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/openings/digest"' not in page


def test_running_the_digest_twice_sends_nothing_twice(app, db, student, poster, staff, outbox):
    subscribe(student, "veterinary")
    first = approve(staff, post(poster, "Veterinary nurse"), hours_ago=1)
    run_digest(app)
    assert run_digest(app) == "0 digests queued, 0 openings listed, 1 subscribers"
    assert len(digests(outbox)) == 1
    entries = _db.session.execute(
        select(OpeningDigestEntry.opening_id, OpeningDigestEntry.subscription_id)
    ).all()
    assert [e.opening_id for e in entries] == [first.id]
    # An opening approved since: the next run lists only it.
    approve(staff, post(poster, "Receptionist"))
    assert run_digest(app) == "1 digests queued, 1 openings listed, 1 subscribers"
    assert [listed_titles(r) for r in digests(outbox)] == [["Veterinary nurse"], ["Receptionist"]]


def test_an_edited_and_reapproved_opening_is_not_sent_again(
    app, db, student, poster, staff, outbox
):
    subscribe(student, "veterinary")
    opening = approve(staff, post(poster, "Veterinary nurse"), hours_ago=1)
    run_digest(app)
    with transaction():
        values = {
            "title": "Veterinary nurse (updated)",
            "organisation": "Riverside Clinic",
            "url": "https://jobs.example.org/2",
            "location": "Riverside",
            "industry": "veterinary",
            "closes_on": today() + timedelta(days=20),
        }
        services.edit_opening(poster, opening, values)
    approve(staff, opening)
    assert run_digest(app) == "0 digests queued, 0 openings listed, 1 subscribers"


def test_no_new_openings_no_email(app, db, student, poster, staff, outbox):
    subscribe(student, "healthcare")
    approve(staff, post(poster, "Veterinary nurse"))
    assert run_digest(app) == "0 digests queued, 0 openings listed, 1 subscribers"
    assert digests(outbox) == []


def test_a_deactivated_subscriber_gets_no_digest(app, db, student, poster, staff, outbox):
    subscribe(student, "veterinary")
    approve(staff, post(poster, "Veterinary nurse"))
    with transaction():
        _db.session.execute(
            update(type(student)).where(type(student).id == student.id).values(active=False)
        )
    assert run_digest(app) == "0 digests queued, 0 openings listed, 0 subscribers"


def test_the_digest_carries_rfc_8058_headers_with_an_https_link(
    app, db, student, poster, staff, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "CAREERLINK_BASE_URL", "https://careers.example.edu")
    subscribe(student, "veterinary")
    approve(staff, post(poster, "Veterinary nurse"))
    run_digest(app)
    [row] = digests(outbox)
    received = as_received(row)
    link = link_from(row, "/openings/unsubscribe/")
    assert link.startswith("https://careers.example.edu/openings/unsubscribe/")
    assert received["List-Unsubscribe"] == f"<{link}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_unsubscribe_is_honoured_for_later_digests(
    app, db, client, student, poster, staff, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    subscribe(student, "veterinary")
    approve(staff, post(poster, "Veterinary nurse"))
    run_digest(app)
    path = link_from(digests(outbox)[0], "/openings/unsubscribe/").removeprefix(BASE)
    # A mail scanner's GET changes nothing; the page has a button.
    page = client.get(path).get_data(as_text=True)
    assert "<h1>Stop the openings email</h1>" in page
    assert _db.session.scalar(select(func.count(OpeningSubscription.id))) == 1
    # The mail client's POST: no cookie, no form token.
    resp = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    assert "<h1>You are unsubscribed</h1>" in resp.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(OpeningSubscription.id))) == 0
    # Again, and the GET afterwards: still fine, nothing to do.
    assert client.post(path).status_code == 200
    assert "<h1>You are unsubscribed</h1>" in client.get(path).get_data(as_text=True)
    approve(staff, post(poster, "Receptionist"))
    assert run_digest(app) == "0 digests queued, 0 openings listed, 0 subscribers"


def test_a_tampered_unsubscribe_link_is_a_400(app, db, client, student, poster):
    sub = subscribe(student, "veterinary")
    with app.test_request_context():
        from careerlink.openings.links import unsubscribe_link

        path = unsubscribe_link(sub).removeprefix(BASE)
    assert client.post(tampered(path)).status_code == 400
    assert client.get("/openings/unsubscribe/nonsense").status_code == 400
    assert _db.session.scalar(select(func.count(OpeningSubscription.id))) == 1


# --- the review emails ---------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["opening_approved", "opening_rejected", "opening_withdrawn"])
def test_review_email_snapshots(app, db, make_user, make_mentor, staff, event):
    alumna = make_user(Role.ALUMNUS, name="Alma Alumna", email="alma@alumni.example.org")
    make_mentor(user=alumna)
    opening = post(
        alumna,
        "Veterinary nurse (summer internship)",
        organisation="Riverside Veterinary Clinic",
        closes_on=today() + timedelta(days=30),
    )
    with transaction():
        _db.session.execute(
            update(Opening).where(Opening.id == opening.id).values(closes_on=date(2030, 3, 31))
        )
    _db.session.expire_all()
    opening = _db.session.get(Opening, opening.id)
    with transaction():
        if event == "opening_approved":
            services.approve_opening(staff, opening, "Thank you for sharing it.")
        elif event == "opening_rejected":
            services.reject_opening(staff, opening, "The link goes to the home page.")
        else:
            services.withdraw_opening(staff, opening, "The post is filled.")
    row = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.event == event))
    received = as_received(row)
    headers = "".join(f"{h}: {received[h]}\n" for h in ("Subject", "To"))
    text = (
        received.get_body(("plain",))
        .get_content()
        .replace(f"/openings/{opening.id}", "/openings/ID")
    )
    html = (
        received.get_body(("html",))
        .get_content()
        .replace(f"/openings/{opening.id}", "/openings/ID")
    )
    check_snapshot(f"{event}_to_alumnus.txt", headers + "\n" + text)
    check_snapshot(f"{event}_to_alumnus.html", html)


def test_merging_industries_moves_openings_and_digests(app, db, student, poster, staff, admin):
    from careerlink.mentors.models import Industry
    from careerlink.staff.admin import services as admin_services

    opening = approve(staff, post(poster, "Data analyst", industry="healthcare"))
    subscribe(student, "healthcare", "veterinary")
    healthcare, veterinary = (
        _db.session.scalar(select(Industry).where(Industry.slug == slug))
        for slug in ("healthcare", "veterinary")
    )
    with transaction():
        admin_services.merge_industries(admin, healthcare, veterinary)
    _db.session.expire_all()
    assert _db.session.get(Opening, opening.id).industry.slug == "veterinary"
    [subscription] = _db.session.scalars(select(OpeningSubscription))
    assert [i.slug for i in subscription.industries] == ["veterinary"]
    assert run_digest(app) == "1 digests queued, 1 openings listed, 1 subscribers"
