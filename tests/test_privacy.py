"""Privacy: the data download, account deletion (no trace left), the directory hold, retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text, update
from support.auth import DEFAULT_PASSWORD

from careerlink.accounts import privacy
from careerlink.accounts.models import User
from careerlink.audit import AuditAction, AuditEntry
from careerlink.connections.models import ConnectionRequest, RequestEvent
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db as _db
from careerlink.mail.models import OutboxMessage
from careerlink.mentors.models import StudentProfile
from careerlink.models import utcnow
from careerlink.permissions import Role

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q@students.example.edu"
ADDRESS = "198.51.100.73"  # the address she signs in from (RFC 5737 documentation range)


def dump_text() -> str:
    """Every row of every table in the database (FTS tables too), as one lower-case text."""
    _db.session.rollback()
    parts = []
    with _db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts).lower()


def audited(action: AuditAction) -> list[AuditEntry]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action.value).order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def zephyrine(make_user):
    return make_user(Role.STUDENT, name=NAME, email=EMAIL)


def give_profile(user, **values) -> None:
    with transaction():
        _db.session.add(
            StudentProfile(
                user=user,
                programme=values.get("programme", "Zoology"),
                class_year=values.get("class_year", 2027),
                introduction=values.get("introduction", f"I am {NAME}, I love owls."),
            )
        )


# --- the download -------------------------------------------------------------------------------


def test_download_holds_the_account_requests_and_emails(client, sign_in, zephyrine, make_request):
    give_profile(zephyrine)
    req = make_request(student=zephyrine, state="relayed")
    sign_in(zephyrine)
    resp = client.get("/account/data.json")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="careerlink-data-{zephyrine.id}.json"'
    )
    data = json.loads(resp.get_data(as_text=True))
    assert (data["account"]["email"], data["account"]["name"]) == (EMAIL, NAME)
    assert data["student_profile"]["introduction"] == f"I am {NAME}, I love owls."
    assert [(r["id"], r["as"], r["state"]) for r in data["requests"]] == [
        (req.id, "student", "relayed")
    ]
    assert [e["subject"] for e in data["emails"]] == [
        f"Your request to {req.alumnus.display_name} has been sent"
    ]
    [entry] = audited(AuditAction.DATA_EXPORTED)
    assert (entry.actor_id, entry.object_id) == (zephyrine.id, str(zephyrine.id))


def test_staff_download_on_someones_behalf_is_audited(client, sign_in, staff, zephyrine):
    sign_in(staff)
    resp = client.get(f"/staff/privacy/{zephyrine.id}/data.json")
    assert json.loads(resp.get_data(as_text=True))["account"]["email"] == EMAIL
    [entry] = audited(AuditAction.DATA_EXPORTED)
    assert (entry.actor_id, entry.object_id) == (staff.id, str(zephyrine.id))


def test_another_student_cannot_download_someone_elses_data(db, make_user, zephyrine):
    other = make_user(Role.STUDENT)
    with pytest.raises(NotAllowed), transaction():
        privacy.export_data(other, zephyrine)


# --- deletion -----------------------------------------------------------------------------------


def test_deletion_leaves_no_trace_and_keeps_the_statistics(
    client, zephyrine, make_mentor, make_request, make_user
):
    staff_member = make_user(Role.STAFF)
    give_profile(zephyrine)
    vet = make_mentor()
    doctor = make_mentor(industry="healthcare")
    done = make_request(student=zephyrine, mentor=vet, state="completed")
    relayed = make_request(student=zephyrine, mentor=doctor, state="relayed")
    other_side = relayed.alumnus.email
    # A failed and a real sign-in through the form, each audited with its address, and a
    # sign-in row with its device and address: all to erase too.
    for password in ("wrong password", DEFAULT_PASSWORD):
        resp = client.post(
            "/signin",
            data={"email": EMAIL, "password": password},
            environ_base={"REMOTE_ADDR": ADDRESS},
        )
    assert resp.status_code == 302
    assert len(audited(AuditAction.SIGN_IN)) == 1  # signed in, and recorded with her address
    # Staff hold her directory listing: that entry names her account, not her address.
    with transaction():
        privacy.set_directory_hold(staff_member, zephyrine, True)
    resp = client.post(
        "/account/delete", data={"confirm": "DELETE"}, environ_base={"REMOTE_ADDR": ADDRESS}
    )
    assert resp.status_code == 302
    # The open request ended, and its alumnus was told.
    _db.session.expire_all()
    ended = _db.session.get(ConnectionRequest, relayed.id)
    assert ended.state == "withdrawn"
    told = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "request_withdrawn")
    ).all()
    assert [m.recipients for m in told] == [[other_side]]
    assert "Deleted account has withdrawn" in told[0].subject
    # The statistics keep both requests' states and dates.
    kept = _db.session.get(ConnectionRequest, done.id)
    assert (kept.state, kept.created_at, kept.message) == ("completed", done.created_at, "")
    # No trace of the person anywhere.
    dump = dump_text()
    assert NAME.lower() not in dump
    assert EMAIL not in dump
    assert ADDRESS not in dump
    # The staff member's own entry about her keeps the staff member's (absent) address.
    [hold] = audited(AuditAction.DIRECTORY_HOLD_SET)
    assert (hold.actor_id, hold.object_id) == (staff_member.id, str(zephyrine.id))
    assert "zephyrine" not in dump
    assert "owls" not in dump, dump[max(0, dump.find("owls") - 300) : dump.find("owls") + 50]
    [entry] = audited(AuditAction.ACCOUNT_DELETED)
    # Two "your request was sent" to her (deleted), two "asks you" to the alumni and the
    # introduction to both (erased): five emails named her.
    assert entry.detail == "1 requests ended; 5 emails rewritten"


def test_deleted_person_cannot_sign_in_and_is_signed_out(client, sign_in, zephyrine):
    sign_in(zephyrine)
    client.post("/account/delete", data={"confirm": "delete"})
    assert client.get("/account").status_code == 302
    resp = client.post("/signin", data={"email": EMAIL, "password": "correct horse battery"})
    assert "That email and password do not match an account." in resp.get_data(as_text=True)


def test_deleting_an_alumnus_declines_relayed_and_cancels_scheduled(db, make_mentor, make_request):
    alumna = make_mentor()
    relayed = make_request(mentor=alumna, state="relayed")
    scheduled = make_request(mentor=alumna, kind="shadowing", state="scheduled")
    waiting = make_request(mentor=alumna, state="submitted")
    students = {r.student.email for r in (relayed, scheduled, waiting)}
    with transaction():
        result = privacy.delete_account(alumna.user, alumna.user)
    assert result.ended == 3
    _db.session.expire_all()
    states = {
        r.id: _db.session.get(ConnectionRequest, r.id).state for r in (relayed, scheduled, waiting)
    }
    assert states == {
        relayed.id: "declined_by_alumnus",
        scheduled.id: "cancelled",
        waiting.id: "alumnus_left",
    }
    emails = _db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.event.in_(
                [
                    "request_declined_by_alumnus",
                    "shadowing_cancelled",
                    "request_closed_alumnus_left",
                ]
            )
        )
    ).all()
    assert sorted(r for m in emails for r in m.recipients) == sorted(students)
    assert all(not r.endswith(".invalid") for m in emails for r in m.recipients)


def test_a_request_not_yet_relayed_is_closed_by_the_system_not_declined_by_staff(
    db, client, sign_in, make_mentor, make_request
):
    alumna = make_mentor(industry="veterinary")
    waiting = make_request(mentor=alumna, state="needs_info")
    student = waiting.student
    with transaction():
        privacy.delete_account(alumna.user, alumna.user)
    _db.session.expire_all()
    req = _db.session.get(ConnectionRequest, waiting.id)
    last = req.events[-1]
    assert (last.from_state, last.to_state, last.actor_role, last.actor_id) == (
        "needs_info",
        "alumnus_left",
        "system",
        None,
    )
    assert req.staff_reason is None  # no one gave a reason: no one declined it
    [email] = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "request_closed_alumnus_left")
    ).all()
    assert email.recipients == [student.email]
    assert email.subject == "Your request could not go ahead: the alumnus has left the network"
    assert "/mentors?industry=veterinary" in email.body_text
    assert not _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "request_declined_by_staff")
    ).all()
    sign_in(student)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Closed: the alumnus has left the network" in page


def test_deleting_twice_is_refused_and_changes_nothing_more(db, zephyrine, make_request):
    make_request(student=zephyrine, state="submitted")
    with transaction():
        privacy.delete_account(zephyrine, zephyrine)
    with pytest.raises(InvalidTransition, match="This account was already deleted."), transaction():
        privacy.delete_account(zephyrine, zephyrine)
    assert len(audited(AuditAction.ACCOUNT_DELETED)) == 1


def test_two_deletions_at_once_one_wins(db, zephyrine):
    """The claim is an UPDATE ... WHERE deleted_at IS NULL: a second, stale one changes nothing."""
    stale = _db.session.get(User, zephyrine.id)
    with transaction():
        _db.session.execute(update(User).where(User.id == zephyrine.id).values(deleted_at=utcnow()))
    _db.session.expire_all()
    with pytest.raises(InvalidTransition), transaction():
        privacy.delete_account(stale, stale)
    assert _db.session.get(User, zephyrine.id).email == EMAIL


def test_the_last_administrator_cannot_delete_their_account(db, admin):
    with pytest.raises(DomainError, match="last administrator"), transaction():
        privacy.delete_account(admin, admin)


def test_staff_delete_on_someones_behalf_with_confirmation(client, sign_in, staff, zephyrine):
    sign_in(staff)
    resp = client.post(f"/staff/privacy/{zephyrine.id}/delete", data={"confirm": "nope"})
    assert resp.status_code == 422
    assert "Type “delete” to confirm." in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(User, zephyrine.id).deleted_at is None
    client.post(f"/staff/privacy/{zephyrine.id}/delete", data={"confirm": "delete"})
    _db.session.expire_all()
    assert _db.session.get(User, zephyrine.id).email == f"deleted-{zephyrine.id}@deleted.invalid"
    [entry] = audited(AuditAction.ACCOUNT_DELETED)
    assert entry.actor_id == staff.id


# --- the FERPA directory hold -------------------------------------------------------------------


def test_a_directory_hold_hides_the_profile_from_the_alumnus(client, sign_in, staff, make_request):
    req = make_request(state="submitted")
    give_profile(req.student, programme="Marine biology")
    sign_in(staff)
    client.post(f"/staff/privacy/{req.student_id}/hold", data={"hold": "1"})
    from careerlink.connections import services

    with transaction():
        services.approve_request(req, staff)
    [email] = _db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.event == "request_relayed", OutboxMessage.audience == "alumnus"
        )
    ).all()
    assert "Marine biology" not in email.body_text
    assert req.student.display_name in email.body_text
    # Staff still see it.
    page = client.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert "Marine biology" in page
    [entry] = audited(AuditAction.DIRECTORY_HOLD_SET)
    assert (entry.actor_id, entry.object_id) == (staff.id, str(req.student_id))


def test_without_a_hold_the_alumnus_sees_the_programme(db, staff, make_request):
    req = make_request(state="submitted")
    give_profile(req.student, programme="Marine biology")
    from careerlink.connections import services

    with transaction():
        services.approve_request(req, staff)
    [email] = _db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.event == "request_relayed", OutboxMessage.audience == "alumnus"
        )
    ).all()
    assert "Marine biology" in email.body_text


def test_only_staff_record_a_hold(db, make_user, zephyrine):
    with pytest.raises(NotAllowed), transaction():
        privacy.set_directory_hold(zephyrine, zephyrine, True)


# --- the retention purge ------------------------------------------------------------------------


def test_messages_of_long_closed_requests_are_erased(app, db, make_request, monkeypatch):
    old = make_request(state="declined_by_staff")
    recent = make_request(state="declined_by_staff")
    with transaction():
        _db.session.execute(
            update(ConnectionRequest)
            .where(ConnectionRequest.id == old.id)
            .values(closed_at=utcnow() - timedelta(days=400))
        )
    monkeypatch.setitem(app.config, "CAREERLINK_MESSAGE_RETENTION_MONTHS", 12)
    result = app.test_cli_runner().invoke(args=["careerlink", "privacy", "purge-messages"])
    assert result.exit_code == 0, result.output
    assert result.output == "Erased the messages of 1 request closed over 12 months ago.\n"
    _db.session.expire_all()
    erased = _db.session.get(ConnectionRequest, old.id)
    assert (erased.message, erased.hopes, erased.staff_reason, erased.state) == (
        "",
        "",
        None,
        "declined_by_staff",
    )
    assert _db.session.get(ConnectionRequest, recent.id).message != ""
    notes = _db.session.scalars(
        select(RequestEvent.note).where(RequestEvent.request_id == old.id)
    ).all()
    assert set(notes) == {None}
