"""Inviting imported alumni: who is invited, throttling, accepting, one reminder, unsubscribe."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
from conftest import link_from, sign_in_session
from sqlalchemy import func, select, update

from careerlink.accounts.models import User, find_user_by_email
from careerlink.database import transaction
from careerlink.mail.transports import message_bytes
from careerlink.mentors.imports import invitations, presets, services
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.imports.samples import header_for, sample_rows, write_csv
from careerlink.mentors.models import MentorProfile
from careerlink.models import utcnow
from careerlink.permissions import Role

pytestmark = pytest.mark.usefixtures("default_industries")

HEADER = header_for("generic")


@pytest.fixture
def imported(db, tmp_path):
    """Six imported alumni: X0..X2 plain, X3 deceased, X4 do not contact, X5 confidential."""
    rows = list(sample_rows("generic", 6))
    rows[3][HEADER.index("deceased")] = "yes"
    rows[4][HEADER.index("do_not_contact")] = "yes"
    rows[5][HEADER.index("confidential")] = "yes"
    with transaction():
        services.run_import(
            write_csv(tmp_path / "a.csv", "generic", rows), presets.GENERIC, dry_run=False
        )
    return {r.external_id: r for r in db.session.scalars(select(AlumniRecord))}


def ids(imported, *names):
    return [imported[n].id for n in names]


def test_only_invitable_people_are_invited_whatever_is_picked(app, db, imported, staff, outbox):
    picked = ids(imported, "X0000000", "X0000003", "X0000004", "X0000005")
    with transaction():
        count = invitations.invite(staff, picked)
    assert count == 1
    rows = outbox("alumni_invitation")
    assert [r.recipients for r in rows] == [["alum0@alumni.example.org"]]
    # Invited once: picking them again sends nothing.
    with transaction():
        assert invitations.invite(staff, picked) == 0


def test_invitations_leave_the_outbox_in_throttled_batches(
    app, db, imported, staff, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "CAREERLINK_INVITATION_BATCH_SIZE", 2)
    monkeypatch.setitem(app.config, "CAREERLINK_INVITATION_BATCH_MINUTES", 10)
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    with transaction():
        invitations.invite(staff, ids(imported, "X0000001", "X0000002"))
    times = [r.next_attempt_at for r in outbox("alumni_invitation")]
    assert times[1] == times[0]
    assert times[2] - times[0] == timedelta(minutes=10)


def test_every_invitation_has_a_one_click_unsubscribe(app, db, imported, staff, outbox):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    row = outbox("alumni_invitation")[0]
    message = email.message_from_bytes(message_bytes(row), policy=email.policy.default)
    unsubscribe = link_from(row, "/alumni/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The private acceptance link is not readable in the stored body.
    assert "/alumni/invitation/" not in row.body_text
    assert link_from(row, "/alumni/invitation/").startswith(
        "http://careerlink.test/alumni/invitation/"
    )


def test_one_click_unsubscribe_without_a_form_token_is_honoured_for_later_invitations(
    app, db, client, imported, staff, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    path = link_from(outbox("alumni_invitation")[0], "/alumni/unsubscribe/").removeprefix(
        "http://careerlink.test"
    )
    # A mail scanner's GET changes nothing; the page has a button.
    assert "Stop these invitations" in client.get(path).get_data(as_text=True)
    assert db.session.get(AlumniRecord, imported["X0000000"].id).unsubscribed_at is None
    resp = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    db.session.expire_all()
    record = db.session.get(AlumniRecord, imported["X0000000"].id)
    assert record.unsubscribed_at is not None
    # No reminder, and the invitation link stops working.
    with transaction():
        db.session.execute(
            update(AlumniRecord)
            .where(AlumniRecord.invited_at.is_not(None))
            .values(invited_at=utcnow() - timedelta(days=30))
        )
    with transaction():
        assert invitations.remind_due() == 0


def test_one_reminder_at_most(app, db, imported, staff, outbox):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000", "X0000001"))
    with transaction():
        assert invitations.remind_due() == 0  # not yet ten days
        db.session.execute(
            update(AlumniRecord)
            .where(AlumniRecord.invited_at.is_not(None))
            .values(invited_at=utcnow() - timedelta(days=11))
        )
    with transaction():
        assert invitations.remind_due() == 2
    with transaction():
        assert invitations.remind_due() == 0
    assert len(outbox("alumni_reminder")) == 2
    result = app.test_cli_runner().invoke(args=["careerlink", "alumni", "remind"])
    assert result.output == "reminded 0\n"


def accept_path(outbox) -> str:
    return link_from(outbox("alumni_invitation")[0], "/alumni/invitation/").removeprefix(
        "http://careerlink.test"
    )


def accept_form(**changes):
    form = {
        "display_name": "Ana Álvarez",
        "headline": "Analyst at Acme",
        "employer": "Acme, Inc.",
        "job_title": "Analyst",
        "industries": ["accounting"],
        "city": "Lyon",
        "country": "France",
        "class_year": "1970",
        "degree": "BA",
        "programme": "Biology",
        "linkedin_url": "",
        "password": "a long enough password 1",
        "confirm": "a long enough password 1",
        "agree": "y",
    }
    form.update(changes)
    return form


def test_accepting_prefills_creates_the_account_opts_in_and_lists(
    app, db, client, imported, staff, outbox
):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    path = accept_path(outbox)
    page = client.get(path).get_data(as_text=True)
    assert 'value="Acme, Inc."' in page
    assert 'value="Analyst at Acme, Inc."' in page
    assert app.config["CAREERLINK_MENTOR_CONSENT_TEXT"] in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # only staff
    resp = client.post(path, data=accept_form(employer="Acme Europe"))
    user = find_user_by_email("alum0@alumni.example.org")
    profile = user.mentor_profile
    assert resp.headers["Location"] == f"/mentors/{profile.id}/edit"
    assert (profile.employer, profile.is_opted_in, profile.verification_status) == (
        "Acme Europe",
        True,
        "approved",
    )
    assert user.alumnus_verified_by_id == staff.id
    assert "Ana Álvarez" in client.get("/mentors").get_data(as_text=True)
    record = db.session.get(AlumniRecord, imported["X0000000"].id)
    assert (record.user_id, record.accepted_at is not None) == (user.id, True)
    # The link is used up.
    assert "This invitation has been accepted already" in client.get(path).get_data(as_text=True)


def test_without_the_consent_nothing_is_created(app, db, client, imported, staff, outbox):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    resp = client.post(accept_path(outbox), data=accept_form(agree=""))
    assert "Tick the box to agree before you join." in resp.get_data(as_text=True)
    assert find_user_by_email("alum0@alumni.example.org") is None
    assert db.session.scalar(select(func.count()).select_from(MentorProfile)) == 0


def test_staff_verification_still_applies_when_the_import_does_not_verify(
    app, db, client, imported, staff, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "CAREERLINK_IMPORT_VERIFIES_GRADUATES", False)
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    client.post(accept_path(outbox), data=accept_form())
    profile = find_user_by_email("alum0@alumni.example.org").mentor_profile
    assert (profile.verification_status, profile.directory_listed) == ("pending", False)


def test_a_flag_set_after_the_invitation_voids_it(app, db, client, imported, staff, outbox):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    with transaction():
        db.session.get(AlumniRecord, imported["X0000000"].id).deceased = True
    resp = client.get(accept_path(outbox))
    assert resp.status_code == 400
    assert "This invitation is no longer valid. Contact the career office." in resp.get_data(
        as_text=True
    )


def test_staff_page_filters_and_invites(app, db, client, imported, staff, outbox):
    sign_in_session(client, staff)
    page = client.get("/staff/imports/alumni?class_year=1971").get_data(as_text=True)
    assert "1 alumnus" in page
    assert f'value="{imported["X0000001"].id}"' in page
    page = client.get("/staff/imports/alumni?status=not_invited").get_data(as_text=True)
    assert "3 alumni" in page
    resp = client.post("/staff/imports/alumni/invite?class_year=1971", data={"all_matching": "y"})
    assert resp.headers["Location"] == "/staff/imports/alumni?class_year=1971"
    assert [r.recipients for r in outbox("alumni_invitation")] == [["alum1@alumni.example.org"]]
    page = client.get("/staff/imports/alumni?status=unanswered").get_data(as_text=True)
    assert "1 alumnus" in page
    resp = client.post(
        "/staff/imports/alumni/invite", data={"record_ids": [str(imported["X0000002"].id)]}
    )
    assert len(outbox("alumni_invitation")) == 2
    page = client.get("/staff/imports/alumni?industry=banking-finance&programme=economics")
    assert "0 alumni" in page.get_data(as_text=True)
    page = client.get("/staff/imports/alumni?class_year=abc&status=zzz&page=-3")
    assert page.status_code == 200


def test_an_existing_account_with_the_address_signs_in_then_accepts(
    app, db, client, imported, staff, outbox, make_user
):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    path = accept_path(outbox)
    # Without an account yet: the page offers to sign in first (password or campus sign-in).
    page = client.get(path).get_data(as_text=True)
    assert f'href="/signin?next={path}"' in page
    # The person has an account with the address (say, made by campus sign-in).
    user = make_user(Role.STUDENT, email="alum0@alumni.example.org", name="Ana A")
    sign_in_session(client, user)
    page = client.get(path).get_data(as_text=True)
    assert "Choose a password" not in page
    form = {k: v for k, v in accept_form().items() if k not in ("password", "confirm")}
    resp = client.post(path, data=form)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert resp.headers["Location"] == f"/mentors/{user.mentor_profile.id}/edit"
    assert user.has_role(Role.ALUMNUS) and user.has_role(Role.STUDENT)
    assert (user.mentor_profile.is_opted_in, user.mentor_profile.directory_listed) == (True, True)
    assert db.session.get(AlumniRecord, imported["X0000000"].id).user_id == user.id
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_someone_signed_in_with_another_address_cannot_accept(
    app, db, client, imported, staff, outbox, make_user
):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    path = accept_path(outbox)
    sign_in_session(client, make_user(Role.ALUMNUS, email="someone.else@example.org"))
    form = {k: v for k, v in accept_form().items() if k not in ("password", "confirm")}
    resp = client.post(path, data=form)
    assert (
        "This invitation is for alum0@alumni.example.org; you are signed in as "
        "someone.else@example.org." in resp.get_data(as_text=True)
    )
    assert db.session.get(AlumniRecord, imported["X0000000"].id).accepted_at is None


def test_an_existing_account_is_never_duplicated_by_accepting(
    app, db, client, imported, staff, outbox, make_user
):
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    make_user(Role.STUDENT, email="alum0@alumni.example.org")
    resp = client.post(accept_path(outbox), data=accept_form())
    assert (
        "An account with this address exists already: sign in first (the link above), then "
        "accept on this page." in resp.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_a_french_invitation_page_names_industries_in_french_and_keeps_french(
    app, db, client, imported, staff, outbox, monkeypatch
):
    """The invitation page shows the industries' French names and the shipped consent in
    French; the account made from it keeps French, as a sign-up does."""
    from careerlink.mentors.models import Industry
    from config import DEFAULT_CONSENT_TEXT

    monkeypatch.setitem(app.config, "CAREERLINK_MENTOR_CONSENT_TEXT", DEFAULT_CONSENT_TEXT)
    db.session.scalar(select(Industry).where(Industry.slug == "accounting")).translations = {
        "fr": "Comptabilité et audit"
    }
    db.session.commit()
    with transaction():
        invitations.invite(staff, ids(imported, "X0000000"))
    path = accept_path(outbox)
    page = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Comptabilité et audit</label>" in page
    assert "Accounting and audit" not in page
    assert "J’accepte de figurer dans l’annuaire des mentors diplômés" in page
    resp = client.post(path, data=accept_form(), headers={"Accept-Language": "fr"})
    assert resp.status_code == 302
    assert find_user_by_email("alum0@alumni.example.org").locale == "fr"
