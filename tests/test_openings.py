"""Openings from alumni: posting, bad input, staff review, expiry, browsing, permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from careerlink.audit import AuditAction, AuditEntry
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db as _db
from careerlink.mentors.models import Offer, today
from careerlink.openings import services
from careerlink.openings.models import Opening
from careerlink.permissions import Role


def data(**over) -> dict:
    """A valid opening, as the form gives it."""
    values = {
        "title": "Veterinary nurse",
        "organisation": "Riverside Clinic",
        "url": "https://jobs.example.org/42",
        "location": "Riverside",
        "remote": False,
        "industry": "veterinary",
        "closes_on": today() + timedelta(days=30),
        "description": "Summer internship.",
    }
    values.update(over)
    return values


@pytest.fixture
def poster(make_mentor):
    """An alumna with a listed mentor profile (in veterinary)."""
    return make_mentor(industry=["veterinary", "healthcare"]).user


@pytest.fixture
def other_alumnus(make_mentor):
    """Another alumnus with a mentor profile."""
    return make_mentor().user


def post(user, **over) -> Opening:
    with transaction():
        return services.post_opening(user, data(**over))


def approve(staff, opening, note="") -> Opening:
    with transaction():
        return services.approve_opening(staff, opening, note)


def audited(action: AuditAction) -> list[tuple]:
    return [
        (e.actor_id, e.object_type, e.object_id)
        for e in _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action.value).order_by(AuditEntry.id)
        )
    ]


def close_it(opening, days_ago: int = 1) -> None:
    """Move the closing date into the past (time passing; no form accepts it)."""
    with transaction():
        _db.session.execute(
            update(Opening)
            .where(Opening.id == opening.id)
            .values(closes_on=today() - timedelta(days=days_ago))
        )
    _db.session.expire_all()


# --- posting and its bad input -------------------------------------------------------------------


def test_an_alumnus_posts_an_opening_that_waits_for_staff(db, poster):
    opening = post(poster)
    assert (opening.state, opening.revision, opening.posted_by_id) == ("pending", 1, poster.id)
    assert opening.industry.slug == "veterinary"
    assert list(_db.session.scalars(services.open_query())) == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://jobs.example.org/1",
        "//jobs.example.org/1",
        "jobs.example.org/1",
    ],
)
def test_a_link_that_is_not_http_or_https_is_refused_on_its_field(db, poster, url):
    with pytest.raises(DomainError) as refused, transaction():
        services.post_opening(poster, data(url=url))
    assert (refused.value.field, refused.value.message) == (
        "url",
        "The link must be a web address starting with https:// or http://.",
    )


def test_a_link_without_a_host_or_with_spaces_is_refused(db, poster):
    with pytest.raises(DomainError, match="must name a website"), transaction():
        services.post_opening(poster, data(url="https:///nowhere"))
    with pytest.raises(DomainError, match="cannot contain spaces"), transaction():
        services.post_opening(poster, data(url="https://jobs.example.org/a b"))


def test_a_closing_date_in_the_past_or_too_far_ahead_is_refused(db, poster):
    with pytest.raises(DomainError) as past, transaction():
        services.post_opening(poster, data(closes_on=today() - timedelta(days=1)))
    assert (past.value.field, past.value.message) == (
        "closes_on",
        "The closing date has passed; give today or a later day.",
    )
    with pytest.raises(DomainError, match="more than a year away"), transaction():
        services.post_opening(poster, data(closes_on=today() + timedelta(days=366)))
    assert post(poster, closes_on=today()).closes_on == today()


def test_location_or_remote_is_needed_and_industry_must_be_active(db, poster):
    with pytest.raises(DomainError, match="Give the location, or say"), transaction():
        services.post_opening(poster, data(location="", remote=False))
    assert post(poster, location="", remote=True).remote is True
    with pytest.raises(DomainError, match="Choose one of the industries"), transaction():
        services.post_opening(poster, data(industry="no-such-industry"))


def test_only_alumni_with_a_mentor_profile_post(db, make_user, student, staff):
    bare_alumnus = make_user(Role.ALUMNUS)
    for user in (student, staff, bare_alumnus):
        with pytest.raises(NotAllowed), transaction():
            services.post_opening(user, data())


def test_the_form_shows_a_javascript_link_refusal_beside_the_field(client, sign_in, poster):
    sign_in(poster)
    resp = client.post(
        "/openings/new",
        data={**data(url="javascript:alert(1)"), "closes_on": data()["closes_on"].isoformat()},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert re.search(
        r'<p class="error" id="url-error">The link must be a web address starting with '
        r"https:// or http://.</p>",
        page,
    )
    assert _db.session.scalar(select(Opening.id)) is None


def test_the_form_refuses_a_past_closing_date_beside_the_field(client, sign_in, poster):
    sign_in(poster)
    past = (today() - timedelta(days=3)).isoformat()
    resp = client.post("/openings/new", data={**data(), "closes_on": past, "remote": ""})
    assert (
        '<p class="error" id="closes_on-error">The closing date has passed; give today or a '
        "later day.</p>" in resp.get_data(as_text=True)
    )
    assert _db.session.scalar(select(Opening.id)) is None


def test_posting_through_the_form(client, sign_in, poster):
    sign_in(poster)
    form = {**data(), "closes_on": data()["closes_on"].isoformat(), "remote": ""}
    resp = client.post("/openings/new", data=form)
    assert resp.status_code == 302
    assert resp.location == "/openings/mine"
    opening = _db.session.scalar(select(Opening))
    assert (opening.title, opening.state, opening.posted_by_id) == (
        "Veterinary nurse",
        "pending",
        poster.id,
    )
    page = client.get("/openings/mine").get_data(as_text=True)
    assert '<span class="badge badge-warn">Waiting for the career office</span>' in page


# --- editing and withdrawing ---------------------------------------------------------------------


def test_editing_an_approved_opening_sends_it_back_to_staff(db, poster, staff):
    opening = approve(staff, post(poster), "Fine.")
    with transaction():
        services.edit_opening(poster, opening, data(url="https://jobs.example.org/43"))
    assert (opening.state, opening.revision, opening.reviewed_at, opening.review_note) == (
        "pending",
        2,
        None,
        "",
    )
    assert list(_db.session.scalars(services.open_query())) == []


def test_someone_else_cannot_edit_an_opening(db, poster, other_alumnus, staff):
    opening = approve(staff, post(poster))
    for user in (other_alumnus, staff):
        with pytest.raises(NotAllowed), transaction():
            services.edit_opening(user, opening, data(title="Mine now"))
    _db.session.expire_all()
    assert _db.session.get(Opening, opening.id).title == "Veterinary nurse"


def test_another_alumnus_editing_through_the_page_is_refused(
    client, sign_in, poster, other_alumnus, staff
):
    pending = post(poster, title="Pending one")
    approved = approve(staff, post(poster, title="Approved one"))
    sign_in(other_alumnus)
    # A pending opening is not theirs to know about; an approved one they see but cannot edit.
    assert client.get(f"/openings/{pending.id}/edit").status_code == 404
    assert client.get(f"/openings/{approved.id}/edit").status_code == 403
    form = {**data(title="Hijacked"), "closes_on": data()["closes_on"].isoformat()}
    assert client.post(f"/openings/{approved.id}/edit", data=form).status_code == 403
    assert client.post(f"/openings/{approved.id}/withdraw").status_code == 403
    _db.session.expire_all()
    assert _db.session.get(Opening, approved.id).title == "Approved one"


def test_the_alumnus_withdraws_and_cannot_edit_afterwards(db, poster, staff):
    opening = approve(staff, post(poster))
    with transaction():
        services.withdraw_opening(poster, opening)
    assert opening.state == "withdrawn"
    assert audited(AuditAction.OPENING_WITHDRAWN) == []  # the poster's own act is not a staff one
    with pytest.raises(InvalidTransition, match="post a new one"), transaction():
        services.edit_opening(poster, opening, data())


def test_staff_withdraw_any_opening_audited_and_the_alumnus_is_told(
    client, sign_in, poster, staff, outbox
):
    opening = approve(staff, post(poster))
    sign_in(staff)
    resp = client.post(f"/openings/{opening.id}/withdraw", data={"note": "The post is filled."})
    assert resp.status_code == 302
    _db.session.expire_all()
    opening = _db.session.get(Opening, opening.id)
    assert (opening.state, opening.review_note) == ("withdrawn", "The post is filled.")
    assert audited(AuditAction.OPENING_WITHDRAWN) == [(staff.id, "openings", str(opening.id))]
    [row] = outbox("opening_withdrawn")
    assert (row.recipients, row.subject) == (
        [poster.email],
        "The career office took down your opening: Veterinary nurse",
    )


# --- staff review --------------------------------------------------------------------------------


def test_staff_approve_from_the_queue_audited_and_emailed(client, sign_in, poster, staff, outbox):
    opening = post(poster)
    sign_in(staff)
    queue = client.get("/staff/openings").get_data(as_text=True)
    assert f'<h2 id="pending-{opening.id}">Veterinary nurse</h2>' in queue
    home = client.get("/staff/").get_data(as_text=True)
    assert re.search(r"<h2>Openings to review</h2>\s*<p class=\"number\">1</p>", home)
    resp = client.post(
        f"/staff/openings/{opening.id}/review", data={"note": "Welcome!", "approve": "Approve"}
    )
    assert resp.status_code == 302
    _db.session.expire_all()
    opening = _db.session.get(Opening, opening.id)
    assert (opening.state, opening.reviewed_by_id, opening.review_note) == (
        "approved",
        staff.id,
        "Welcome!",
    )
    assert audited(AuditAction.OPENING_APPROVED) == [(staff.id, "openings", str(opening.id))]
    [row] = outbox("opening_approved")
    assert (row.recipients, row.subject) == (
        [poster.email],
        "Your opening is live: Veterinary nurse",
    )


def test_staff_reject_needs_a_note_and_is_audited(client, sign_in, poster, staff, outbox):
    opening = post(poster)
    sign_in(staff)
    client.post(f"/staff/openings/{opening.id}/review", data={"note": "", "reject": "x"})
    _db.session.expire_all()
    assert _db.session.get(Opening, opening.id).state == "pending"
    assert outbox("opening_rejected") == []
    client.post(
        f"/staff/openings/{opening.id}/review", data={"note": "Not a real post.", "reject": "x"}
    )
    _db.session.expire_all()
    assert _db.session.get(Opening, opening.id).state == "rejected"
    assert audited(AuditAction.OPENING_REJECTED) == [(staff.id, "openings", str(opening.id))]
    [row] = outbox("opening_rejected")
    assert "Not a real post." in row.body_text


def test_a_reviewed_opening_cannot_be_reviewed_again(db, poster, staff):
    opening = approve(staff, post(poster))
    with pytest.raises(InvalidTransition, match="no longer waiting"), transaction():
        services.reject_opening(staff, opening, "Too late.")


def test_only_staff_review(db, poster, other_alumnus):
    opening = post(poster)
    with pytest.raises(NotAllowed), transaction():
        services.approve_opening(other_alumnus, opening)


# --- expiry and visibility -----------------------------------------------------------------------


def test_an_opening_disappears_after_its_closing_date_and_says_closed_to_its_poster(
    client, sign_in, poster, student, staff
):
    opening = approve(staff, post(poster))
    close_it(opening)
    assert list(_db.session.scalars(services.open_query())) == []
    sign_in(student)
    assert client.get(f"/openings/{opening.id}").status_code == 404
    sign_in(poster)
    mine = client.get("/openings/mine").get_data(as_text=True)
    assert '<span class="badge">Closed</span>' in mine
    page = client.get(f"/openings/{opening.id}").get_data(as_text=True)
    assert "Closed: students no longer see this opening." in page


def test_an_opening_is_open_on_its_closing_day(db, poster, staff):
    opening = approve(staff, post(poster, closes_on=today()))
    assert list(_db.session.scalars(services.open_query())) == [opening]


def test_a_deactivated_alumnus_openings_are_hidden(client, sign_in, poster, student, staff):
    opening = approve(staff, post(poster))
    with transaction():
        _db.session.execute(
            update(type(poster)).where(type(poster).id == poster.id).values(active=False)
        )
    assert list(_db.session.scalars(services.open_query())) == []
    sign_in(student)
    assert client.get(f"/openings/{opening.id}").status_code == 404


# --- browsing ------------------------------------------------------------------------------------


@pytest.fixture
def listed(poster, other_alumnus, staff):
    """Three open openings and one pending."""
    made = {
        "vet": approve(staff, post(poster)),
        "remote": approve(
            staff,
            post(
                poster,
                title="Data analyst",
                organisation="Northwind Health",
                industry="healthcare",
                location="",
                remote=True,
            ),
        ),
        "city": approve(
            staff,
            post(
                other_alumnus,
                title="Receptionist",
                organisation="Hill Farm Vets",
                location="Springfield",
            ),
        ),
        "pending": post(poster, title="Pending analyst"),
    }
    return made


def titles(page: str) -> list[str]:
    return re.findall(r'<h3 id="opening-\d+-title"><a href="[^"]+">([^<]+)</a></h3>', page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Receptionist", "Data analyst", "Veterinary nurse"]),
        ("?industry=healthcare", ["Data analyst"]),
        ("?remote=1", ["Data analyst"]),
        ("?location=springf", ["Receptionist"]),
        ("?q=analyst", ["Data analyst"]),
        ("?q=hill+farm", ["Receptionist"]),
        ("?q=riverside", ["Veterinary nurse"]),
        ("?q=100%25", []),
    ],
)
def test_students_browse_and_filter_open_openings(
    client, sign_in, student, listed, query, expected
):
    sign_in(student)
    resp = client.get("/openings" + query)
    assert resp.status_code == 200
    assert titles(resp.get_data(as_text=True)) == expected


def test_browsing_is_paginated(client, sign_in, student, listed, monkeypatch):
    monkeypatch.setattr(services, "PER_PAGE", 2)
    monkeypatch.setattr(services.browse, "__defaults__", (1, 2))
    sign_in(student)
    first = client.get("/openings").get_data(as_text=True)
    second = client.get("/openings?page=2").get_data(as_text=True)
    assert titles(first) == ["Receptionist", "Data analyst"]
    assert titles(second) == ["Veterinary nurse"]
    assert titles(client.get("/openings?page=9").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?page=abc", 400),
        ("?page=0", 400),
        ("?page=99999999999999999999", 400),
        ("?remote=yes", 400),
        ("?q=" + "x" * 201, 400),
        ("?location=" + "x" * 121, 400),
        ("?industry=no-such", 404),
        ("?industry=" + "x" * 300, 404),
    ],
)
def test_bad_filters_are_a_400_or_404(client, sign_in, student, query, status):
    sign_in(student)
    assert client.get("/openings" + query).status_code == status


@pytest.mark.parametrize("path", ["/openings/0", "/openings/999999", f"/openings/{2**63}"])
def test_unknown_opening_is_404(client, sign_in, student, path):
    sign_in(student)
    assert client.get(path).status_code == 404


def test_the_opening_page_links_out_safely_and_to_the_posters_profile(
    client, sign_in, student, poster, staff
):
    opening = approve(staff, post(poster))
    profile_id = poster.mentor_profile.id
    sign_in(student)
    page = client.get(f"/openings/{opening.id}").get_data(as_text=True)
    assert (
        '<a class="button" href="https://jobs.example.org/42" rel="noopener noreferrer nofollow" '
        'target="_blank">' in page
    )
    assert f'<dd><a href="/mentors/{profile_id}">{poster.display_name}</a></dd>' in page


def test_an_unlisted_poster_is_named_without_a_link(client, sign_in, student, poster, staff):
    opening = approve(staff, post(poster))
    with transaction():
        poster.mentor_profile.listed = False
    sign_in(student)
    page = client.get(f"/openings/{opening.id}").get_data(as_text=True)
    assert f"<dt>Posted by</dt><dd>{poster.display_name}</dd>" in page


def test_a_student_sees_the_referral_button_only_when_the_poster_offers_it_and_is_listed(
    client, sign_in, student, poster, other_alumnus, staff
):
    opening = approve(staff, post(poster))
    sign_in(student)
    # The poster offers introductions and shadowing days only: no referral button (the ask
    # buttons agree with the offers).
    assert "for a referral" not in client.get(f"/openings/{opening.id}").get_data(as_text=True)
    with transaction():
        poster.mentor_profile.offers = poster.mentor_profile.offers | {Offer.REFERRAL}
    profile_id = poster.mentor_profile.id
    button = (
        f'href="/mentors/{profile_id}/ask/referral?opening={opening.id}">'
        f"Ask {poster.display_name} for a referral</a>"
    )
    sign_in(student)
    assert button in client.get(f"/openings/{opening.id}").get_data(as_text=True)
    sign_in(other_alumnus)
    assert button not in client.get(f"/openings/{opening.id}").get_data(as_text=True)
    with transaction():
        poster.mentor_profile.listed = False
    sign_in(student)
    assert "for a referral" not in client.get(f"/openings/{opening.id}").get_data(as_text=True)


def test_the_nav_has_openings_for_signed_in_people(client, sign_in, student):
    assert 'href="/openings"' not in client.get("/").get_data(as_text=True)
    sign_in(student)
    assert '<li><a href="/openings">Openings</a></li>' in client.get("/").get_data(as_text=True)


# --- the permission table ------------------------------------------------------------------------

PERSONAS = ["anonymous", "student", "owner", "other_alumnus", "staff", "admin"]
# page -> the status each persona gets (302: the sign-in page).
TABLE = {
    "/openings": [302, 200, 200, 200, 200, 200],
    "/openings/{approved}": [302, 200, 200, 200, 200, 200],
    "/openings/{pending}": [302, 404, 200, 404, 200, 200],
    "/openings/{rejected}": [302, 404, 200, 404, 200, 200],
    "/openings/mine": [302, 403, 200, 200, 403, 403],
    "/openings/new": [302, 403, 200, 200, 403, 403],
    "/openings/{pending}/edit": [302, 404, 200, 404, 403, 403],
    "/openings/{approved}/edit": [302, 403, 200, 403, 403, 403],
    "/staff/openings": [302, 403, 403, 403, 200, 200],
    "/openings/digest": [302, 200, 403, 403, 403, 403],
}


@pytest.fixture
def people(student, poster, other_alumnus, staff, admin):
    return {
        "anonymous": None,
        "student": student,
        "owner": poster,
        "other_alumnus": other_alumnus,
        "staff": staff,
        "admin": admin,
    }


@pytest.mark.parametrize("page", sorted(TABLE))
def test_permission_table(app, db, people, staff, page):
    opening_ids = {
        "approved": approve(staff, post(people["owner"], title="A")).id,
        "pending": post(people["owner"], title="P").id,
        "rejected": post(people["owner"], title="R").id,
    }
    with transaction():
        services.reject_opening(staff, _db.session.get(Opening, opening_ids["rejected"]), "No.")
    from conftest import sign_in_session

    got = []
    for name in PERSONAS:
        client = app.test_client()
        if people[name] is not None:
            sign_in_session(client, people[name])
        got.append(client.get(page.format(**opening_ids)).status_code)
    assert got == TABLE[page]


def test_a_review_without_either_button_changes_nothing(client, sign_in, poster, staff, outbox):
    opening = post(poster)
    sign_in(staff)
    assert (
        client.post(f"/staff/openings/{opening.id}/review", data={"note": "Hm"}).status_code == 302
    )
    _db.session.expire_all()
    assert _db.session.get(Opening, opening.id).state == "pending"
    assert outbox() == []
