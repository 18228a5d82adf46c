"""Findings 5 and 15 of issue 8: the account forms tell a stranger nothing, and take every address.

Finding 5 (account enumeration): sign-up, forgot-password and resend-verification answer the
same, and do the same work, whether or not an account has the address. Forgot-password and
resend write one outbox row naming the address; the mail worker looks the account up and
writes (or drops) the email. Timing is measured in bench/account_enumeration.py, never
asserted here: the tests assert what makes it equal (the same SQL statements, the same hashing).

Finding 15: one address rule for every form; the demo accounts (`…@demo.careerlink.test`)
work everywhere.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pytest
from conftest import DEFAULT_PASSWORD, link_from
from sqlalchemy import event

from careerlink.accounts.models import User, find_user_by_email
from careerlink.mail.models import OutboxMessage
from careerlink.mail.worker import send_due
from careerlink.permissions import Role

CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+(")')
NEW_PASSWORD = "a-long-password-1"


@dataclass
class Exchange:
    """One form post and the page it leads to, with the SQL the post ran."""

    status: int
    location: str | None
    body: str
    page: str
    statements: list[str]


@pytest.fixture
def with_csrf(app):
    """CSRF on, as in production, so the pages compared carry real tokens."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def post_form(app, db, path: str, data: dict) -> Exchange:
    """Post a form from a fresh browser (its own cookies and CSRF token), as a stranger would."""
    client = app.test_client()
    form = client.get(path).get_data(as_text=True)
    token = CSRF_VALUE.search(form)
    fields = dict(data, csrf_token=token.group(0).split('value="')[1][:-1] if token else "")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        resp = client.post(path, data=fields)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    location = resp.headers.get("Location")
    page = client.get(location).get_data(as_text=True) if location else ""
    return Exchange(
        resp.status_code, location, scrub(resp.get_data(as_text=True)), scrub(page), statements
    )


def scrub(html: str) -> str:
    """The page without what differs between any two visits (the CSRF token)."""
    return CSRF_VALUE.sub(r"\1…\2", html)


def shape(row: OutboxMessage) -> dict:
    """What an outbox row holds, apart from its id, its times and the address asked about."""
    return {
        "event": row.event,
        "audience": row.audience,
        "recipients": row.recipients,
        "reply_to": row.reply_to,
        "subject": row.subject,
        "body_text": row.body_text,
        "body_html": row.body_html,
        "secrets": row.secrets,
        "status": row.status,
        "attempts": row.attempts,
        "deferred": sorted((row.deferred or {}).keys()),
        "kind": (row.deferred or {}).get("kind"),
        "attachments": len(row.attachments),
    }


def assert_same_answer(one: Exchange, other: Exchange) -> None:
    """Byte for byte the same answer (apart from the CSRF token), from the same SQL."""
    assert (one.status, one.location) == (other.status, other.location)
    assert one.body == other.body
    assert one.page == other.page
    assert one.statements == other.statements  # the same queries, in the same order


def all_rows(db) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


# --- forgot password -------------------------------------------------------------------------


def test_forgot_password_is_the_same_for_a_known_and_an_unknown_address(
    app, db, make_user, with_csrf
):
    known = make_user(Role.STUDENT, email="known@example.edu")
    for_known = post_form(app, db, "/password/forgot", {"email": known.email})
    for_unknown = post_form(app, db, "/password/forgot", {"email": "nobody@example.edu"})
    assert for_known.status == 302 and for_known.location == "/signin"
    assert "If an account exists for that address, we have sent it an email." in for_known.page
    assert_same_answer(for_known, for_unknown)
    first, second = all_rows(db)
    assert shape(first) == shape(second)
    assert first.deferred == {"kind": "reset_password", "email": "known@example.edu"}
    assert second.deferred == {"kind": "reset_password", "email": "nobody@example.edu"}
    assert first.recipients == [] and first.secrets is None


def test_the_worker_sends_a_reset_for_a_known_address_and_drops_the_unknown_in_one_pass(
    app, client, db, make_user, smtp_server, caplog
):
    known = make_user(Role.STUDENT, email="known@example.edu")
    client.post("/password/forgot", data={"email": "Known@Example.edu"})
    client.post("/password/forgot", data={"email": "nobody@example.edu"})
    with caplog.at_level(logging.INFO, logger="careerlink.mail"):
        result = send_due()
    assert (result.claimed, result.sent, result.dropped, result.retried, result.failed) == (
        2,
        1,
        1,
        0,
        0,
    )
    [message] = smtp_server.messages
    assert message["To"] == known.email
    assert message["Subject"] == "Reset your CareerLink password"
    link = link_from(message.get_body(preferencelist=("plain",)).get_content(), "/reset/")
    assert client.get(link.replace("http://careerlink.test", "")).status_code == 200
    [row] = all_rows(db)  # the unknown address left no row behind
    assert (row.status, row.event, row.recipients, row.deferred) == (
        "sent",
        "reset_password",
        [known.email],
        None,
    )
    outcomes = [r.outcome for r in caplog.records if r.name == "careerlink.mail"]
    assert sorted(outcomes) == ["dropped", "sent"]


def test_no_reset_for_a_deactivated_account(app, client, db, make_user, smtp_server):
    user = make_user(Role.STUDENT, email="gone@example.edu")
    user.active = False
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    assert send_due().dropped == 1
    assert smtp_server.envelopes == [] and all_rows(db) == []


# --- resend verification ---------------------------------------------------------------------


def test_resend_verification_is_the_same_for_every_kind_of_address(app, db, make_user, with_csrf):
    """Unverified, verified, deactivated, unknown: one answer, one row, the same SQL."""
    make_user(Role.STUDENT, email="late@example.edu", verified=False)
    make_user(Role.STUDENT, email="done@example.edu", verified=True)
    gone = make_user(Role.STUDENT, email="gone@example.edu", verified=False)
    gone.active = False
    db.session.commit()
    addresses = ["late@example.edu", "done@example.edu", "gone@example.edu", "ghost@example.edu"]
    exchanges = [post_form(app, db, "/verify/resend", {"email": a}) for a in addresses]
    assert exchanges[0].location == "/signin"
    for other in exchanges[1:]:
        assert_same_answer(exchanges[0], other)
    rows = all_rows(db)
    assert len(rows) == 4
    assert all(shape(row) == shape(rows[0]) for row in rows)
    assert [row.deferred["email"] for row in rows] == addresses


def test_the_worker_sends_verification_only_to_an_unverified_active_account(
    app, client, db, make_user, smtp_server
):
    make_user(Role.STUDENT, email="late@example.edu", verified=False)
    make_user(Role.STUDENT, email="done@example.edu", verified=True)
    for address in ("late@example.edu", "done@example.edu", "ghost@example.edu"):
        client.post("/verify/resend", data={"email": address})
    result = send_due()
    assert (result.sent, result.dropped) == (1, 2)
    [message] = smtp_server.messages
    assert message["To"] == "late@example.edu"
    link = link_from(message.get_body(preferencelist=("plain",)).get_content(), "/verify/")
    assert client.post(link.replace("http://careerlink.test", "")).status_code == 302
    db.session.expire_all()
    assert find_user_by_email("late@example.edu").email_verified


# --- sign-up ---------------------------------------------------------------------------------


def signup_data(email: str, password: str = NEW_PASSWORD) -> dict:
    """A sign-up form."""
    return {
        "display_name": "Vera Vet",
        "email": email,
        "role": "student",
        "password": password,
        "confirm": password,
    }


@pytest.fixture
def count_hashing(monkeypatch):
    """A list that grows by one each time a password is hashed."""
    from careerlink.accounts import services

    calls: list[int] = []
    real = services.hash_password

    def counting(password):
        calls.append(1)
        return real(password)

    monkeypatch.setattr(services, "hash_password", counting)
    return calls


def test_sign_up_with_a_known_address_answers_as_for_a_new_one(
    app, db, with_csrf, count_hashing, outbox
):
    """The same page (byte for byte) and the same hashing; the owner is emailed instead."""
    new = post_form(app, db, "/signup", signup_data("vera@example.edu"))
    assert len(count_hashing) == 1
    again = post_form(app, db, "/signup", signup_data("VERA@example.edu"))
    assert len(count_hashing) == 2  # the password is hashed for a known address too
    assert new.status == 200 and "Check your email" in new.body
    assert (again.status, again.location, again.body) == (new.status, new.location, new.body)
    assert "already exists" not in again.body
    assert db.session.query(User).count() == 1
    [verify] = outbox("verify_email")
    [attempt] = outbox("signup_existing")
    assert verify.recipients == attempt.recipients == ["vera@example.edu"]
    assert attempt.subject == "Someone tried to create a CareerLink account with your address"
    assert attempt.secrets is None  # sign-in and reset pages are not private links
    assert "http://careerlink.test/signin?email=vera@example.edu" in attempt.body_text
    assert "http://careerlink.test/password/forgot" in attempt.body_text
    assert "http://careerlink.test/verify/resend" in attempt.body_text  # not verified yet


def test_sign_up_with_a_known_address_refuses_what_a_new_one_would(app, db, make_user):
    """A bad password is refused the same way, so the refusal tells nothing either."""
    make_user(Role.STUDENT, email="vera@example.edu")
    weak = "aaaaaaaaaaaaaaaa"
    known = app.test_client().post("/signup", data=signup_data("vera@example.edu", weak))
    unknown = app.test_client().post("/signup", data=signup_data("new@example.edu", weak))
    assert known.status_code == unknown.status_code == 200
    body = known.get_data(as_text=True)
    assert "Choose a password with more variety." in body
    assert body.replace("vera@", "new@") == unknown.get_data(as_text=True)
    assert all_rows(db) == []


def test_the_owner_of_a_known_address_gets_an_email_that_helps(
    app, client, db, make_user, smtp_server
):
    owner = make_user(Role.STUDENT, email="vera@example.edu", name="Vera Owner")
    client.post("/signup", data=signup_data("vera@example.edu"))
    assert send_due().sent == 1
    [message] = smtp_server.messages
    assert message["To"] == owner.email
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Vera Owner," in text
    assert "You already have an account, so no new one was made." in text
    assert "http://careerlink.test/password/forgot" in text
    assert "/verify/resend" not in text  # the address is verified already
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'href="http://careerlink.test/signin?email=vera@example.edu"' in html


# --- finding 15: one address rule, demo addresses everywhere ---------------------------------

DEMO = "student@demo.careerlink.test"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/signup", signup_data("newcomer@demo.careerlink.test")),
        ("/signin", {"email": DEMO, "password": DEFAULT_PASSWORD}),
        ("/password/forgot", {"email": DEMO}),
        ("/verify/resend", {"email": DEMO}),
    ],
)
def test_every_account_form_takes_a_demo_address(app, client, db, make_user, path, data):
    make_user(Role.STUDENT, email=DEMO, verified=False)
    resp = client.post(path, data=data)
    html = resp.get_data(as_text=True)
    assert "Enter a valid email address." not in html
    if path == "/signup":
        assert resp.status_code == 200 and "Check your email" in html
    else:
        assert resp.status_code == 302


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/signup", signup_data("")),
        ("/signin", {"password": DEFAULT_PASSWORD}),
        ("/password/forgot", {}),
        ("/verify/resend", {}),
    ],
)
@pytest.mark.parametrize("address", ["not-an-email", "a@b", "someone@localhost", "x@host.local"])
def test_every_account_form_refuses_what_is_not_an_address(
    app, client, db, path, extra, address, outbox
):
    resp = client.post(path, data={**extra, "email": address})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Enter a valid email address." in html
    assert outbox() == []


def test_the_demo_accounts_can_reset_their_password(app, client, db, make_user, smtp_server):
    make_user(Role.STUDENT, email=DEMO)
    client.post("/password/forgot", data={"email": DEMO})
    assert send_due().sent == 1
    [message] = smtp_server.messages
    assert message["To"] == DEMO


def test_create_user_shares_the_rule(db):
    """The CLI and the demo loader go through create_user: the same rule as the forms."""
    from careerlink.accounts.services import create_user
    from careerlink.errors import DomainError

    with pytest.raises(DomainError, match="Enter a valid email address."):
        create_user("not-an-email", "X", None, [Role.STUDENT])
    assert create_user("staff@demo.careerlink.test", "Sam", None, [Role.STAFF]).id
