"""Sign-up, verification, sign-in and out, passwords, through the real views."""

from __future__ import annotations

import threading

import pytest
from conftest import DEFAULT_PASSWORD, link_from, sign_in_session, write_deferred

from careerlink.accounts.models import User, find_user_by_email
from careerlink.errors import Conflict
from careerlink.permissions import Role


def signup(client, **overrides):
    data = {
        "display_name": "Vera Vet",
        "email": "Vera@Example.edu",
        "role": "student",
        "password": "a-long-password-1",
        "confirm": "a-long-password-1",
    }
    data.update(overrides)
    return client.post("/signup", data=data)


def test_signup_creates_unverified_user_and_queues_verification(client, db, outbox):
    resp = signup(client)
    assert resp.status_code == 200
    assert b"Check your email" in resp.data
    user = find_user_by_email("vera@example.edu")
    assert user is not None and user.email == "vera@example.edu"
    assert user.roles == {Role.STUDENT}
    assert not user.email_verified
    assert user.password_hash and "a-long-password-1" not in user.password_hash
    [row] = outbox("verify_email")
    assert row.recipients == ["vera@example.edu"]
    assert "/verify/" in row.deliverable_text() and "/verify/" in row.deliverable_html()


def test_verification_link_shows_a_page_and_only_post_verifies(client, db, outbox):
    signup(client)
    link = link_from(outbox("verify_email")[0], "/verify/")
    path = link.replace("http://careerlink.test", "")
    page = client.get(path)
    assert page.status_code == 200 and b"Verify my email address" in page.data
    assert not find_user_by_email("vera@example.edu").email_verified  # a GET changes nothing
    resp = client.post(path)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/signin?email=vera@example.edu"
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [("success", "Thank you, your email address is verified.")]
    db.session.expire_all()
    assert find_user_by_email("vera@example.edu").email_verified
    # A second click is harmless.
    assert client.post(path).status_code == 302


def test_tampered_and_wrong_purpose_tokens_show_a_clear_page(client, db, outbox):
    signup(client)
    link = link_from(outbox("verify_email")[0], "/verify/")
    token = link.rsplit("/", 1)[1]
    resp = client.post(f"/verify/{token[:-3]}abc")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "This link is not valid. Check that you copied all of it." in html
    assert "Send a new verification link" in html
    assert not find_user_by_email("vera@example.edu").email_verified
    # The verification token is not a password-reset token.
    resp = client.get(f"/password/reset/{token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "This link cannot be used" in html
    assert "Ask for a new password reset link" in html
    assert "Send a new verification link" not in html


def test_verification_link_for_a_changed_address_is_refused(client, db, outbox):
    signup(client)
    link = link_from(outbox("verify_email")[0], "/verify/")
    user = find_user_by_email("vera@example.edu")
    user.email = "vera.new@example.edu"
    db.session.commit()
    resp = client.post(link.replace("http://careerlink.test", ""))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "This verification link is for an address that is no longer in use." in html
    assert "Send a new verification link" in html
    db.session.expire_all()
    assert not find_user_by_email("vera.new@example.edu").email_verified


def test_expired_verification_token(client, db, outbox, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    real = TimestampSigner.get_timestamp
    # The link is signed 49 hours ago; it is valid for 48.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 49 * 3600)
    signup(client)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    link = link_from(outbox("verify_email")[0], "/verify/")
    resp = client.post(link.replace("http://careerlink.test", ""))
    assert resp.status_code == 400
    assert "This link has expired. Ask for a new one." in resp.get_data(as_text=True)


def test_signup_errors_are_shown_next_to_fields_and_values_kept(client, db):
    resp = signup(client, email="not-an-email", password="short", confirm="other")
    html = resp.data.decode()
    assert resp.status_code == 200
    assert "Enter a valid email address." in html
    assert 'value="not-an-email"' in html
    assert 'value="Vera Vet"' in html
    assert "short" not in html.split("</form>")[0].split('name="password"')[1][:200]
    assert 'aria-invalid="true"' in html


def test_duplicate_email_any_case_makes_no_second_account(client, db, make_user, outbox):
    """A known address (any case) gets the new-address answer; its owner is emailed."""
    owner = make_user(Role.STUDENT, email="vera@example.edu")
    resp = signup(client, email="VERA@example.EDU")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Check your email" in html
    assert "already exists" not in html
    assert db.session.query(User).filter_by(email="vera@example.edu").count() == 1
    assert outbox("verify_email") == []
    [row] = outbox("signup_existing")
    assert row.recipients == [owner.email]


def test_unique_constraint_decides_a_signup_race(app, db):
    """Two threads create the same address past any pre-check: one wins, one gets Conflict."""
    from careerlink.accounts.services import create_user
    from careerlink.extensions import db as ext_db

    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                create_user("Race@Example.edu", f"R{i}", DEFAULT_PASSWORD, [Role.STUDENT])
                ext_db.session.commit()
                results.append("ok")
            except Conflict:
                ext_db.session.rollback()
                results.append("conflict")
            except Exception as exc:  # SQLite may say "locked" instead; still no second row
                ext_db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                ext_db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert "conflict" in results
    assert db.session.query(User).filter_by(email="race@example.edu").count() == 1


def test_database_refuses_an_uppercase_email(db):
    from sqlalchemy.exc import IntegrityError

    db.session.add(User(email="Upper@Example.edu", display_name="X"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sign_in_with_the_real_form_and_sign_out(client, db, student):
    resp = client.post(
        "/signin", data={"email": "STELLA@students.example.edu", "password": DEFAULT_PASSWORD}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account")
    assert b"Stella Student" in client.get("/account").data
    db.session.expire_all()
    assert db.session.get(User, student.id).last_sign_in_at is not None
    # Sign-out is a POST; a GET is not allowed.
    assert client.get("/signout").status_code == 405
    client.post("/signout")
    assert client.get("/account").status_code == 302


def test_wrong_password_keeps_email_and_says_so(client, db, student):
    resp = client.post(
        "/signin", data={"email": "stella@students.example.edu", "password": "wrong password"}
    )
    html = resp.data.decode()
    assert resp.status_code == 200
    assert "That email and password do not match an account." in html
    assert 'value="stella@students.example.edu"' in html
    db.session.expire_all()
    assert db.session.get(User, student.id).last_sign_in_at is None
    assert client.get("/account").status_code == 302  # not signed in


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/account/password", "/account/password"),
        ("https://evil.example.com/", "/account"),
        ("//evil.example.com/", "/account"),
        ("/\\evil.example.com", "/account"),
        ("javascript:alert(1)", "/account"),
    ],
)
def test_next_only_follows_local_paths(client, db, student, target, expected):
    resp = client.post(
        "/signin",
        data={"email": student.email, "password": DEFAULT_PASSWORD, "next": target},
    )
    assert resp.headers["Location"] == expected


def test_deactivated_user_cannot_sign_in(client, db, student):
    student.active = False
    db.session.commit()
    resp = client.post("/signin", data={"email": student.email, "password": DEFAULT_PASSWORD})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "This account has been deactivated. Contact the career office." in html
    assert "do not match" not in html
    db.session.expire_all()
    assert db.session.get(User, student.id).last_sign_in_at is None
    assert client.get("/account").status_code == 302  # not signed in


def test_change_password_signs_out_other_sessions(app, client, db, student, outbox):
    other = app.test_client()
    sign_in_session(other, student)
    sign_in_session(client, student)
    resp = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a-brand-new-password",
            "confirm": "a-brand-new-password",
        },
    )
    assert resp.status_code == 302
    assert client.get("/account").status_code == 200  # this session stays signed in
    assert other.get("/account").status_code == 302  # the other one is signed out
    [row] = outbox("password_changed")
    assert row.recipients == [student.email]
    assert row.subject == "Your CareerLink password was changed"


def test_change_password_wrong_current(client, db, student, sign_in, outbox):
    sign_in(student)
    resp = client.post(
        "/account/password",
        data={
            "current_password": "nope nope nope",
            "new_password": "a-brand-new-password",
            "confirm": "a-brand-new-password",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Your current password is not correct." in html
    assert "Please correct the fields marked below." in html
    assert outbox("password_changed") == []


def test_forgot_password_same_answer_and_single_use_link(client, db, student, outbox):
    known = client.post("/password/forgot", data={"email": student.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.edu"}, follow_redirects=True
    )
    assert b"If an account exists" in known.data and b"If an account exists" in unknown.data
    write_deferred()  # the worker writes the reset email (and drops the unknown address)
    [row] = outbox("reset_password")
    assert row.recipients == [student.email]
    path = link_from(row, "/password/reset/").replace("http://careerlink.test", "")
    assert client.get(path).status_code == 200
    resp = client.post(path, data={"password": "another-long-pass", "confirm": "another-long-pass"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/signin?email=stella@students.example.edu"
    with client.session_transaction() as sess:
        assert sess["_flashes"] == [
            ("success", "Your password has been changed. Sign in with the new one.")
        ]
    [changed] = outbox("password_changed")
    assert changed.recipients == [student.email]
    resp = client.post("/signin", data={"email": student.email, "password": "another-long-pass"})
    assert resp.status_code == 302
    client.post("/signout")
    again = client.get(path)
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "This reset link has already been used or is no longer valid." in html
    assert "Ask for a new password reset link" in html


def test_resend_verification_same_answer(client, db, make_user, outbox):
    make_user(Role.STUDENT, email="late@example.edu", verified=False)
    for address in ("late@example.edu", "ghost@example.edu"):
        resp = client.post("/verify/resend", data={"email": address}, follow_redirects=True)
        assert b"If an account exists" in resp.data
    write_deferred()  # the worker writes the email (and drops the unknown address)
    assert [r.recipients for r in outbox("verify_email")] == [["late@example.edu"]]


def test_staff_pages_need_staff(client, db, student, staff, sign_in):
    assert client.get("/staff/").status_code == 302  # anonymous: to sign-in
    sign_in(student)
    assert client.get("/staff/").status_code == 403
    refused = client.get("/staff/outbox")
    assert refused.status_code == 403
    assert "Your account does not have access to this page." in refused.get_data(as_text=True)
    sign_in(staff)
    assert client.get("/staff/").status_code == 200


def test_staff_verify_alumnus(client, db, make_user, staff, sign_in):
    alum = make_user(Role.ALUMNUS, alumnus_verified=False)
    sign_in(staff)
    assert alum.display_name.encode() in client.get("/staff/alumni/unverified").data
    resp = client.post(f"/staff/alumni/{alum.id}/verify", follow_redirects=True)
    assert f"{alum.display_name} is now a verified alumnus." in resp.get_data(as_text=True)
    db.session.expire_all()
    verified = db.session.get(User, alum.id)
    assert verified.alumnus_verified and verified.alumnus_verified_by_id == staff.id
    assert alum.display_name.encode() not in client.get("/staff/alumni/unverified").data


def test_staff_verify_refuses_a_student_and_an_unknown_user(client, db, student, staff, sign_in):
    sign_in(staff)
    resp = client.post(f"/staff/alumni/{student.id}/verify", follow_redirects=True)
    assert "This account is not an alumnus account." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, student.id).alumnus_verified_at is None
    assert client.post("/staff/alumni/999999/verify").status_code == 404


def test_signin_form_with_csrf_on_rejects_missing_token(app, db, student):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        resp = c.post("/signin", data={"email": student.email, "password": DEFAULT_PASSWORD})
        assert resp.status_code == 400
        assert (
            "The form was sent without its security token. Go back, reload the page and send "
            "the form again."
        ) in resp.get_data(as_text=True)
        page = c.get("/signin").data.decode()
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        resp = c.post(
            "/signin",
            data={"email": student.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        )
        assert resp.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_refused_new_password_keeps_the_reset_link_working(client, db, student, outbox):
    client.post("/password/forgot", data={"email": student.email})
    write_deferred()
    [row] = outbox("reset_password")
    path = link_from(row, "/password/reset/").replace("http://careerlink.test", "")
    weak = "aaaaaaaaaaaaaaaa"  # long enough for the form; the service asks for variety
    resp = client.post(path, data={"password": weak, "confirm": weak})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Choose a password with more variety." in html
    assert "Please correct the fields marked below." in html
    assert outbox("password_changed") == []
    assert client.get(path).status_code == 200  # nothing was committed: the link still works
    resp = client.post(path, data={"password": "another-long-pass", "confirm": "another-long-pass"})
    assert resp.status_code == 302
