"""Mentor profiles: opt in and out, editing, permissions, verification, freshness, students."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import link_from

from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.mentors import services
from careerlink.mentors.models import MentorProfile, Offer, StudentProfile, VerificationStatus
from careerlink.models import utcnow
from careerlink.permissions import Role


def make_profile(db, user, industries=("veterinary",), offers=("introduction",), **fields):
    """A listed, approved profile for `user` with the given fields."""
    from careerlink.mentors.models import Industry

    profile = MentorProfile(user=user)
    db.session.add(profile)
    profile.opt_in("I agree.")
    profile.verification_status = VerificationStatus.APPROVED.value
    profile.verified_at = utcnow()
    profile.industries = list(
        db.session.scalars(db.select(Industry).where(Industry.slug.in_(industries)))
    )
    profile.offers = [Offer(o) for o in offers]
    profile.headline = fields.pop("headline", "Happy to help")
    for name, value in fields.items():
        setattr(profile, name, value)
    db.session.add(profile)
    db.session.commit()
    return profile


def profile_form(**overrides):
    data = {
        "headline": "Small-animal vet",
        "employer": "Riverside Veterinary Clinic",
        "job_title": "Veterinary surgeon",
        "industries": ["veterinary"],
        "city": "Galway",
        "region": "Connacht",
        "country": "Ireland",
        "open_to_remote": "y",
        "class_year": "2009",
        "degree": "BVM",
        "programme": "Veterinary Medicine",
        "bio": "I treat cats, dogs and the occasional horse.",
        "tags": "horses, show jumping, Horses",
        "offers": ["introduction", "shadowing"],
        "shadowing_location": "Riverside clinic, Galway",
        "shadowing_description": "Morning consultations, then surgery.",
        "shadowing_requirements": "Closed shoes.",
        "shadowing_max_students": "1",
        "monthly_capacity": "3",
        "accepting_requests": "y",
        "away_until": "",
        "listed": "y",
        "linkedin_url": "linkedin.com/in/alma-alumna",
    }
    data.update(overrides)
    return data


# --- opt in -------------------------------------------------------------------------------------


def test_join_needs_explicit_consent(client, sign_in, alumna, industries, db):
    sign_in(alumna)
    page = client.get("/mentors/join")
    assert page.status_code == 200
    assert b"contacted by students" in page.data  # the consent text is shown
    refused = client.post("/mentors/join", data={})
    assert b"Tick the box" in refused.data
    assert services.get_profile_for(alumna) is None
    joined = client.post("/mentors/join", data={"agree": "y"})
    assert joined.status_code == 302
    profile = services.get_profile_for(alumna)
    assert profile.is_opted_in and profile.consent_text
    # Staff had already verified this alumna's account, so the profile needs no second check.
    assert profile.verification_status == "approved"


def test_unverified_alumnus_waits_for_staff(client, sign_in, make_user, industries, db):
    user = make_user(Role.ALUMNUS, alumnus_verified=False)
    sign_in(user)
    client.post("/mentors/join", data={"agree": "y"})
    profile = services.get_profile_for(user)
    assert profile.verification_status == "pending"
    assert not profile.is_visible


def test_students_cannot_join(client, sign_in, student):
    sign_in(student)
    assert client.get("/mentors/join").status_code == 403
    assert client.post("/mentors/join", data={"agree": "y"}).status_code == 403


def test_consent_text_is_configurable(app, client, sign_in, alumna):
    default = app.config["CAREERLINK_MENTOR_CONSENT_TEXT"]
    app.config["CAREERLINK_MENTOR_CONSENT_TEXT"] = "Custom consent for this campus."
    try:
        sign_in(alumna)
        assert b"Custom consent for this campus." in client.get("/mentors/join").data
    finally:
        app.config["CAREERLINK_MENTOR_CONSENT_TEXT"] = default
    assert default.encode() in client.get("/mentors/join").data


# --- editing ------------------------------------------------------------------------------------


def test_owner_edits_profile(client, sign_in, alumna, industries, db):
    sign_in(alumna)
    client.post("/mentors/join", data={"agree": "y"})
    profile = services.get_profile_for(alumna)
    resp = client.post(f"/mentors/{profile.id}/edit", data=profile_form())
    assert resp.status_code == 302, resp.data.decode()[:2000]
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.headline == "Small-animal vet"
    assert profile.tags == ["horses", "show jumping"]
    assert profile.offers == {Offer.INTRODUCTION, Offer.SHADOWING}
    assert Offer.SHADOWING in profile.offers
    assert [i.slug for i in profile.industries] == ["veterinary"]
    assert profile.linkedin_url == "https://linkedin.com/in/alma-alumna"
    assert profile.class_year == 2009 and profile.open_to_remote
    assert "alma alumna" in profile.search_document and "horses" in profile.search_document
    page = client.get(f"/mentors/{profile.id}/edit")
    assert page.status_code == 200 and b"Small-animal vet" in page.data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"linkedin_url": "https://evil.example.com/in/alma"}, b"LinkedIn profile"),
        ({"linkedin_url": "javascript:alert(1)"}, b"LinkedIn profile"),
        ({"bio": "x" * 2001}, b"under 2000"),
        (
            {"industries": ["veterinary", "software", "law", "healthcare"]},
            b"at most 3 industries",
        ),
        ({"industries": []}, b"at least one industry"),
        ({"industries": ["no-such-industry"]}, b"not in our list"),
        ({"offers": ["shadowing", "bribery"]}, b"offers from the list"),
        ({"shadowing_location": ""}, b"where a shadowing day"),
        ({"class_year": "-5"}, b"such as 2012"),
        ({"monthly_capacity": "0"}, b"between 1 and 20"),
        ({"tags": ",".join(f"t{i}" for i in range(20))}, b"at most 12 tags"),
        ({"away_until": "not a date"}, b"Not a valid date"),
    ],
)
def test_bad_profile_input_gets_a_clear_message(
    client, sign_in, alumna, industries, db, overrides, message
):
    profile = make_profile(db, alumna, headline="Before")
    sign_in(alumna)
    resp = client.post(f"/mentors/{profile.id}/edit", data=profile_form(**overrides))
    assert resp.status_code == 200
    assert message in resp.data
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).headline == "Before"


def test_editing_someone_elses_profile_is_forbidden(
    client, sign_in, alumna, make_user, industries, db
):
    profile = make_profile(db, alumna)
    other = make_user(Role.ALUMNUS)
    sign_in(other)
    assert client.get(f"/mentors/{profile.id}/edit").status_code == 403
    assert client.post(f"/mentors/{profile.id}/edit", data=profile_form()).status_code == 403
    assert client.post(f"/mentors/{profile.id}/opt-out").status_code == 403
    assert client.post(f"/mentors/{profile.id}/accepting", data={"accepting": "0"}).status_code == (
        403
    )
    with pytest.raises(services.NotAllowed):
        services.save_profile(other, profile, profile_form())


def test_admin_may_edit_any_profile(client, sign_in, alumna, admin, industries, db):
    profile = make_profile(db, alumna)
    sign_in(admin)
    resp = client.post(f"/mentors/{profile.id}/edit", data=profile_form(headline="Fixed"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).headline == "Fixed"


def test_anonymous_edit_redirects_to_sign_in(client, alumna, industries, db):
    profile = make_profile(db, alumna)
    assert client.get(f"/mentors/{profile.id}/edit").status_code == 302


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        ("https://www.linkedin.com/in/jose-garcia", "https://www.linkedin.com/in/jose-garcia"),
        ("http://ie.linkedin.com/in/jose/", "https://ie.linkedin.com/in/jose/"),
        ("www.linkedin.com/in/jos%C3%A9", "https://www.linkedin.com/in/jos%C3%A9"),
    ],
)
def test_linkedin_urls_accepted(raw, expected):
    assert services.clean_linkedin_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://linkedin.com.evil.org/in/x",
        "https://evil.org/linkedin.com/in/x",
        "https://www.linkedin.com/company/acme",
        "https://user:pw@www.linkedin.com/in/x",
        "ftp://www.linkedin.com/in/x",
        "https://www.linkedin.com/in/x y",
        "https://www.linkedin.com:8080/in/x",
        "https://www.linkedin.com/in/<script>",
        "x" * 400,
    ],
)
def test_linkedin_urls_refused(raw):
    with pytest.raises(DomainError):
        services.clean_linkedin_url(raw)


# --- opt out, pause, availability ---------------------------------------------------------------


def test_opt_out_unlists_at_once(client, sign_in, alumna, industries, db):
    profile = make_profile(db, alumna)
    assert profile.is_visible
    sign_in(alumna)
    assert client.post(f"/mentors/{profile.id}/opt-out").status_code == 302
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert not profile.is_visible and profile.opted_out_at is not None
    assert client.get(f"/mentors/{profile.id}").status_code == 200  # the owner still sees it
    client.post("/signout")
    assert client.get(f"/mentors/{profile.id}").status_code == 404
    assert services.search_mentors().total == 0
    # Joining again keeps the earlier content.
    sign_in(alumna)
    client.post("/mentors/join", data={"agree": "y"})
    db.session.expire_all()
    assert services.get_profile_for(alumna).is_visible


def test_pause_and_resume(client, sign_in, alumna, industries, db):
    profile = make_profile(db, alumna)
    sign_in(alumna)
    client.post(f"/mentors/{profile.id}/accepting", data={"accepting": "0"})
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.can_be_asked() == (False, "Not accepting requests right now")
    client.post(f"/mentors/{profile.id}/accepting", data={"accepting": "1"})
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).can_be_asked() == (True, None)


def test_capacity_away_and_record_request(alumna, industries, db):
    profile = make_profile(db, alumna, monthly_capacity=2)
    now = utcnow()
    today = now.date()
    assert not profile.is_full(today)
    profile.record_request(now)
    profile.record_request(now)
    assert profile.month_request_count == 2 and profile.last_requested_at == now
    assert profile.is_full(today)
    assert profile.can_be_asked(today) == (False, "Full this month")
    # A new month resets the counter.
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert not profile.is_full(next_month)
    from datetime import datetime as dt

    profile.record_request(dt.combine(next_month, now.timetz()))
    assert profile.month_request_count == 1 and profile.month_start == next_month
    profile.away_until = date(2027, 3, 3)
    assert profile.is_away(date(2027, 3, 2)) and not profile.is_away(date(2027, 3, 3))
    assert profile.can_be_asked(date(2027, 3, 2)) == (False, "Away until 3 March 2027")
    profile.listed = False
    assert profile.can_be_asked(date(2027, 3, 5)) == (False, "Not listed")
    db.session.rollback()


# --- the detail page ----------------------------------------------------------------------------


def test_detail_page_never_shows_email(client, alumna, industries, db):
    profile = make_profile(
        db,
        alumna,
        offers=("introduction", "shadowing"),
        bio="Call me any time.",
        shadowing_location="Riverside clinic",
        shadowing_requirements="Photo ID",
        median_response_days=2.2,
        linkedin_url="https://www.linkedin.com/in/alma",
    )
    page = client.get(f"/mentors/{profile.id}")
    assert page.status_code == 200
    html = page.data.decode()
    assert alumna.email not in html and "@" not in html.split("<main", 1)[1]
    assert "Alma Alumna" in html and "Riverside clinic" in html and "Photo ID" in html
    assert "Usually answers within 3 days" in html
    assert 'id="ask-heading"' in html


def test_unknown_profile_is_404(client, db):
    assert client.get("/mentors/999999").status_code == 404


# --- staff verification -------------------------------------------------------------------------


def test_staff_approve_and_reject(client, sign_in, staff, make_user, industries, db, outbox):
    first = make_user(Role.ALUMNUS, alumnus_verified=False, name="First Alumnus")
    second = make_user(Role.ALUMNUS, alumnus_verified=False, name="Second Alumnus")
    with transaction():
        services.opt_in(first, True)
        services.opt_in(second, True)
    sign_in(staff)
    home = client.get("/staff/")
    assert b"Mentor profiles to verify" in home.data
    page = client.get("/staff/mentors/pending")
    assert b"First Alumnus" in page.data and b"Second Alumnus" in page.data
    p1, p2 = services.get_profile_for(first), services.get_profile_for(second)
    assert client.post(f"/staff/mentors/{p1.id}/approve").status_code == 302
    resp = client.post(f"/staff/mentors/{p2.id}/reject", data={"reason": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(MentorProfile, p2.id).verification_status == "pending"
    client.post(f"/staff/mentors/{p2.id}/reject", data={"reason": "We have no record of you."})
    db.session.expire_all()
    p1, p2 = db.session.get(MentorProfile, p1.id), db.session.get(MentorProfile, p2.id)
    assert p1.verification_status == "approved" and p1.user.alumnus_verified
    assert p2.verification_status == "rejected"
    [approved] = outbox("profile_approved")
    assert approved.recipients == [first.email]
    [rejected] = outbox("profile_rejected")
    assert "We have no record of you." in rejected.body_text
    assert "We have no record of you." in rejected.body_html
    # Saving the profile again asks staff to look again.
    with transaction():
        services.save_profile(second, p2, profile_form(industries=["law"]))
    db.session.expire_all()
    p2 = db.session.get(MentorProfile, p2.id)
    assert p2.verification_status == "pending" and p2.rejection_reason is None


def test_only_staff_verify(client, sign_in, alumna, make_user, industries, db):
    user = make_user(Role.ALUMNUS, alumnus_verified=False)
    with transaction():
        profile = services.opt_in(user, True)
    sign_in(alumna)
    assert client.get("/staff/mentors/pending").status_code == 403
    assert client.post(f"/staff/mentors/{profile.id}/approve").status_code == 403
    with pytest.raises(services.NotAllowed):
        services.approve_profile(alumna, profile)


# --- freshness ----------------------------------------------------------------------------------


def freshness(now):
    """One run of the freshness check, committed as the CLI command does."""
    with transaction():
        return services.run_freshness(now)


def test_freshness_reminds_then_unlists(app, client, alumna, industries, db, outbox):
    profile = make_profile(db, alumna)
    start = profile.last_confirmed_at
    assert freshness(start + timedelta(days=300)).reminded == 0
    result = freshness(start + timedelta(days=336))
    assert (result.reminded, result.unlisted) == (1, 0)
    again = freshness(start + timedelta(days=340))
    assert (again.reminded, again.unlisted) == (0, 0)  # idempotent
    [reminder] = outbox("profile_confirm")
    link = link_from(reminder, "/mentors/confirm/")
    path = link.replace("http://careerlink.test", "")
    # Opening the link (as a mail scanner would) changes nothing; the button does.
    page = client.get(path)
    assert page.status_code == 200 and b"Yes, my profile is current" in page.data
    db.session.expire_all()
    assert db.session.get(MentorProfile, profile.id).last_confirmed_at == start

    result = freshness(start + timedelta(days=366))
    assert (result.reminded, result.unlisted) == (0, 1)
    assert freshness(start + timedelta(days=367)).unlisted == 0
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert not profile.listed and not profile.is_visible
    [unlisted] = outbox("profile_unlisted")
    assert "/mentors/confirm/" in unlisted.deliverable_text()

    assert client.post(path).status_code == 302
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert profile.listed and profile.is_visible and profile.last_confirmed_at > start


def test_confirm_link_tampered_or_after_opt_out(client, alumna, industries, db):
    profile = make_profile(db, alumna)
    tampered = client.get("/mentors/confirm/not-a-token")
    assert tampered.status_code == 400
    assert b"This link cannot be used" in tampered.data
    assert b"This link is not valid. Check that you copied all of it." in tampered.data
    assert b"Sign in to confirm your profile from your account" in tampered.data
    link = services.confirm_link(profile)
    with transaction():
        services.opt_out(alumna, profile)
    resp = client.get(link.replace("http://careerlink.test", ""))
    assert resp.status_code == 400
    assert b"join it again" in resp.data
    assert client.post(link.replace("http://careerlink.test", "")).status_code == 400


def test_profiles_remind_command(app, alumna, industries, db, outbox):
    profile = make_profile(db, alumna)
    profile.last_confirmed_at = utcnow() - timedelta(days=340)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["careerlink", "profiles", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded 1, unlisted 0" in result.output
    result = runner.invoke(args=["careerlink", "profiles", "remind"])
    assert "reminded 0, unlisted 0" in result.output
    assert len(outbox("profile_confirm")) == 1


# --- students -----------------------------------------------------------------------------------


def test_student_profile(client, sign_in, student, industries, db):
    sign_in(student)
    assert client.get("/students/me").status_code == 200
    resp = client.post(
        "/students/me",
        data={
            "programme": "Biology",
            "class_year": "2027",
            "industries": ["veterinary", "healthcare"],
            "introduction": "Second-year biology student who loves horses.",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    profile = db.session.scalar(db.select(StudentProfile))
    assert profile.user_id == student.id and profile.class_year == 2027
    assert {i.slug for i in profile.industries} == {"veterinary", "healthcare"}
    assert not profile.is_graduate
    too_long = client.post("/students/me", data={"introduction": "x" * 1001})
    assert too_long.status_code == 200 and b"1000" in too_long.data
    account = client.get("/account")
    assert b"Your profile for alumni" in account.data


def test_account_page_offers_to_join(client, sign_in, alumna, industries, db):
    sign_in(alumna)
    assert b"Join the mentor directory" in client.get("/account").data
    make_profile(db, alumna)
    assert b"Edit your mentor profile" in client.get("/account").data


def test_display_name_change_reindexes(alumna, industries, db):
    from careerlink.mentors.search import SearchCriteria, search_mentors

    make_profile(db, alumna)
    alumna.display_name = "Zoë Brennan"
    db.session.commit()
    assert search_mentors(SearchCriteria(q="zoe brennan")).total == 1
    assert search_mentors(SearchCriteria(q="alma")).total == 0


def test_demo_loads_300_varied_alumni_idempotently(app, db):
    from careerlink.mentors.demo import load_mentor_demo
    from careerlink.mentors.search import search_mentors

    with transaction():  # as the demo command does: the loader itself never commits
        first = load_mentor_demo()
    with transaction():
        second = load_mentor_demo()
    assert first[0] == "Mentor directory: 300 demo alumni added (300 in all)."
    assert second[0] == "Mentor directory: 0 demo alumni added (300 in all)."
    result = search_mentors(per_page=5)
    assert result.total == 300
    assert len([v for v in result.facets["industry"].values() if v]) >= 20
    assert result.facets["offer"]["shadowing"] > 30
    assert 0 < result.facets["accepting"]["yes"] < result.total
