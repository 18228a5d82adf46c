"""Finding 2 of issue 8: no one but an email's recipient can read its private links.

Staff read the outbox (every message, queued, sent or failed). A reset, verification, answer,
feedback or confirmation link in a message lets whoever holds it act as the recipient, so the
stored message holds a placeholder, the link is kept encrypted until the worker sends it, and
then erased.
"""

from __future__ import annotations

import re

import pytest
from conftest import link_from, write_deferred
from sqlalchemy import text

from careerlink.mail import Secret, enqueue
from careerlink.mail.models import OutboxMessage
from careerlink.mail.private import SHOWN_TO_STAFF, redact, reveal
from careerlink.mail.worker import send_due
from careerlink.permissions import Role

PRIVATE_PATHS = (
    "/verify/",
    "/password/reset/",
    "/requests/answer/",
    "/requests/feedback/",
    "/mentors/confirm/",
)


def stored_columns(db, message_id: int) -> dict[str, str]:
    """The row's text columns as the database holds them (not through the model)."""
    row = db.session.execute(
        text(
            "SELECT subject, body_text, body_html, secrets, recipients, deferred "
            "FROM careerlink_outbox WHERE id = :id"
        ),
        {"id": message_id},
    ).one()
    return {key: "" if value is None else str(value) for key, value in row._mapping.items()}


def delivered_text(message) -> str:
    """The plain-text part of a delivered email."""
    return message.get_body(preferencelist=("plain",)).get_content()


def delivered_html(message) -> str:
    """The HTML part of a delivered email."""
    return message.get_body(preferencelist=("html",)).get_content()


def test_staff_cannot_take_over_an_admin_through_the_outbox(
    app, client, db, admin, staff, sign_in, outbox, smtp_server
):
    """The attack of the review: staff read an admin's reset email and sign in as the admin."""
    anonymous = app.test_client()
    assert anonymous.post("/password/forgot", data={"email": admin.email}).status_code == 302
    # Before the worker runs, the row names the address only: there is no link at all yet.
    [row] = outbox("reset_password")
    assert row.is_deferred and row.secrets is None and "/password/reset/" not in row.body_text
    # The worker writes the email; suppose delivery then fails and the message waits for a
    # retry: the whole link exists, and only the recipient may have it.
    write_deferred()
    db.session.expire_all()
    [row] = outbox("reset_password")
    assert row.recipients == [admin.email]
    link = link_from(row, "/password/reset/")
    token = link.rsplit("/", 1)[1]
    assert len(token) > 20

    sign_in(staff)
    listing = client.get("/staff/outbox").get_data(as_text=True)
    page = client.get(f"/staff/outbox/{row.id}").get_data(as_text=True)
    assert str(SHOWN_TO_STAFF) in page
    for shown in (listing, page):
        assert token not in shown
        assert "/password/reset/" not in shown
    # Nor anywhere the database keeps it, in any column.
    columns = stored_columns(db, row.id)
    for name, value in columns.items():
        assert token not in value, name
        assert "/password/reset/" not in value, name
    assert columns["secrets"]  # kept, but encrypted
    assert "[[careerlink-private-link-1]]" in columns["body_text"]
    assert "[[careerlink-private-link-1]]" in columns["body_html"]

    # Every link staff can see fails to reset anything.
    for href in re.findall(r'href="([^"]+)"', page + listing):
        assert "/password/reset/" not in href

    # The email the admin receives carries the working link.
    result = send_due()
    assert (result.sent, result.failed) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == admin.email
    assert link_from(delivered_text(message), "/password/reset/") == link
    assert f'href="{link}"' in delivered_html(message)
    assert str(SHOWN_TO_STAFF) not in delivered_text(message)
    assert "[[careerlink-private-link" not in delivered_text(message) + delivered_html(message)

    # Once sent, the link is erased from the row; staff still see only the placeholder.
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).secrets is None
    assert all(token not in value for value in stored_columns(db, row.id).values())
    assert token not in client.get(f"/staff/outbox/{row.id}").get_data(as_text=True)

    # And it works, for the admin.
    path = link.replace("http://careerlink.test", "")
    assert anonymous.get(path).status_code == 200
    resp = anonymous.post(
        path, data={"password": "the-admins-new-pw", "confirm": "the-admins-new-pw"}
    )
    assert resp.status_code == 302
    signed_in = anonymous.post(
        "/signin", data={"email": admin.email, "password": "the-admins-new-pw"}
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/staff/"


def test_every_private_link_is_a_placeholder_in_the_stored_message(
    app, db, make_user, make_request, make_mentor, outbox
):
    """Verify, reset, answer, reminder, feedback and profile-confirmation links."""
    from careerlink.accounts import notifications as accounts
    from careerlink.connections import notifications as connections
    from careerlink.database import transaction
    from careerlink.mentors import notifications as mentors

    user = make_user(Role.STUDENT, verified=False)
    req = make_request(state="introduced")
    profile = make_mentor()
    with transaction():
        accounts.verify_email(user, signup=True)
        accounts.reset_password(user)
        connections.request_reminder(req)
        connections.feedback_requested(req)
        mentors.profile_confirm(profile)
        mentors.profile_unlisted(profile)
    expected = {
        ("verify_email", "user"): "/verify/",
        ("reset_password", "user"): "/password/reset/",
        ("request_relayed", "alumnus"): "/requests/answer/",
        ("request_reminder", "alumnus"): "/requests/answer/",
        ("feedback_requested", "student"): "/requests/feedback/",
        ("feedback_requested", "alumnus"): "/requests/feedback/",
        ("profile_confirm", "alumnus"): "/mentors/confirm/",
        ("profile_unlisted", "alumnus"): "/mentors/confirm/",
    }
    seen = set()
    for row in outbox():
        stored = stored_columns(db, row.id)
        for path in PRIVATE_PATHS:
            for column in ("subject", "body_text", "body_html", "secrets"):
                assert path not in stored[column], (row.event, column, path)
        path = expected.get((row.event, row.audience))
        if path is None:
            assert row.secrets is None, row.event  # nothing private: nothing kept
            continue
        seen.add((row.event, row.audience))
        assert row.secrets
        assert path in link_from(row, path)
        assert path in row.deliverable_html()
        assert str(SHOWN_TO_STAFF) in row.staff_text
    assert seen == set(expected)


def test_the_key_comes_from_secret_key_and_survives_a_rotation(app, db, smtp_server):
    """Another SECRET_KEY cannot read the links; with the old key as a fallback, it can."""
    enqueue("reset_password", "user", "k@example.edu", _context("http://careerlink.test/r/XYZ"))
    db.session.commit()
    old_key = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "another-key-entirely"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert send_due().sent == 1
    finally:
        app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []
    [message] = smtp_server.messages
    assert "http://careerlink.test/r/XYZ" in delivered_text(message)


def test_a_message_whose_links_cannot_be_decrypted_fails_for_good(app, db, smtp_server):
    """A changed SECRET_KEY (no fallback) cannot be retried away: failed, and said why."""
    row = enqueue("reset_password", "user", "k@example.edu", _context("http://x.test/r/XYZ"))
    db.session.commit()
    old_key = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "another-key-entirely"
        result = send_due()
    finally:
        app.config["SECRET_KEY"] = old_key
    assert (result.sent, result.retried, result.failed) == (0, 0, 1)
    db.session.refresh(row)
    assert row.status == "failed" and row.secrets is None
    assert "SecretsUnreadable" in row.last_error and "SECRET_KEY" in row.last_error
    assert smtp_server.envelopes == []


def test_links_are_erased_when_a_message_fails_for_good_and_it_cannot_be_retried(
    app, client, db, staff, sign_in, smtp_server
):
    """A message that will never be sent keeps no link; staff retrying it are told why not."""
    row = enqueue("reset_password", "user", "k@example.edu", _context("http://x.test/r/XYZ"))
    db.session.commit()
    smtp_server.stop()
    app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 1
    try:
        assert send_due().failed == 1
    finally:
        app.config["CAREERLINK_MAIL_MAX_ATTEMPTS"] = 8
    db.session.refresh(row)
    assert (row.status, row.secrets) == ("failed", None)
    sign_in(staff)
    client.post(f"/staff/outbox/{row.id}/retry")
    with client.session_transaction() as sess:
        [(category, message)] = sess["_flashes"]
    assert category == "info"
    assert message.startswith("This message held a private link, erased when delivery failed")
    db.session.refresh(row)
    assert row.status == "failed"


def test_staff_see_placeholders_in_words_and_a_deferred_message_as_not_yet_written(
    app, client, db, staff, sign_in, outbox
):
    enqueue("reset_password", "user", "k@example.edu", _context("http://x.test/r/XYZ"))
    db.session.commit()
    app.test_client().post("/password/forgot", data={"email": "someone@example.edu"})
    sign_in(staff)
    sent, deferred = outbox()
    detail = client.get(f"/staff/outbox/{sent.id}").get_data(as_text=True)
    assert "Choose a new password here:\n\n[private link — only the recipient has it]" in detail
    assert "[[careerlink-private-link" not in detail
    waiting = client.get(f"/staff/outbox/{deferred.id}").get_data(as_text=True)
    assert "The mail worker writes this message when it sends it" in waiting
    assert "someone@example.edu" not in waiting
    listing = client.get("/staff/outbox").get_data(as_text=True)
    assert "(written by the mail worker when it sends this message)" in listing
    assert "someone@example.edu" not in listing


def test_a_secret_must_be_a_top_level_value_of_the_context(db):
    """Rendered anywhere else it would be stored in clear: refused loudly instead."""
    with pytest.raises(TypeError, match="top-level value"):
        enqueue(
            "reset_password",
            "user",
            "k@example.edu",
            {"user": {"display_name": Secret("x")}, "link": "http://x.test/"},
        )
    assert repr(Secret("http://x.test/r/XYZ")) == "Secret(***)"


def test_reveal_escapes_for_html_and_leaves_a_typed_placeholder_alone():
    values = {"[[careerlink-private-link-1]]": "http://x.test/a?b=1&c=2"}
    html = '<a href="[[careerlink-private-link-1]]">[[careerlink-private-link-2]]</a>'
    assert reveal(html, values, html=True) == (
        '<a href="http://x.test/a?b=1&amp;c=2">[[careerlink-private-link-2]]</a>'
    )
    assert reveal("[[careerlink-private-link-1]]", values) == "http://x.test/a?b=1&c=2"
    assert redact("go: [[careerlink-private-link-1]]") == f"go: {SHOWN_TO_STAFF}"


def test_a_relayed_request_delivers_the_answer_link_that_works(
    app, client, db, make_request, staff, smtp_server
):
    """The alumnus's email (not the stored row) carries the answer link, and it opens."""
    from careerlink.connections import services
    from careerlink.database import transaction

    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    assert send_due().sent == 2
    to_alumnus = next(m for m in smtp_server.messages if m["To"] == req.alumnus.email)
    link = link_from(delivered_text(to_alumnus), "/requests/answer/")
    assert client.get(link.replace("http://careerlink.test", "")).status_code == 200
    stored = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.audience == "alumnus")
    ).one()
    assert link not in stored.body_text and stored.secrets is None


def _context(link: str) -> dict:
    from careerlink.accounts.models import User

    return {"user": User(email="k@example.edu", display_name="Kim"), "link": Secret(link)}


def test_former_secret_keys_come_from_the_environment():
    from careerlink.paths import load_config_module

    cfg = load_config_module()
    env = {"CAREERLINK_ENV": "development", "SECRET_KEY_FALLBACKS": " old-one, ,old-two "}
    assert cfg.config_from_env(env).SECRET_KEY_FALLBACKS == ["old-one", "old-two"]
    assert cfg.config_from_env({"CAREERLINK_ENV": "development"}).SECRET_KEY_FALLBACKS == []
