"""The audit log: what is recorded, the admin page, its CSV, append-only rows, retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from conftest import DEFAULT_PASSWORD
from sqlalchemy import select
from support.factories import MESSAGE

from careerlink.accounts import services as accounts
from careerlink.api import tokens
from careerlink.audit import AuditAction, AuditEntry, record
from careerlink.audit import services as audit
from careerlink.cli import careerlink_cli
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.extensions import db as _db
from careerlink.models import utcnow
from careerlink.permissions import Role


def entries(action: AuditAction) -> list[AuditEntry]:
    """The entries of one action, oldest first (read fresh from the database)."""
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action.value).order_by(AuditEntry.id)
        )
    )


def who_what(entry: AuditEntry) -> tuple:
    return (entry.actor_id, entry.action, entry.object_type, entry.object_id)


def test_sign_in_through_the_form_is_recorded_with_the_address(client, student):
    resp = client.post("/signin", data={"email": student.email, "password": DEFAULT_PASSWORD})
    assert resp.status_code == 302
    [entry] = entries(AuditAction.SIGN_IN)
    assert who_what(entry) == (student.id, "sign_in", "users", str(student.id))
    assert entry.ip_address == "127.0.0.1"
    assert entry.detail == "password"


def test_failed_sign_in_names_the_account_not_the_actor(client, student):
    client.post("/signin", data={"email": student.email, "password": "wrong password 123"})
    client.post("/signin", data={"email": "nobody@example.edu", "password": "wrong password 1"})
    known, unknown = entries(AuditAction.SIGN_IN_FAILED)
    assert who_what(known) == (None, "sign_in_failed", "users", str(student.id))
    assert who_what(unknown) == (None, "sign_in_failed", None, None)
    assert entries(AuditAction.SIGN_IN) == []


def test_password_change_is_recorded(db, student):
    with transaction():
        accounts.change_password(student, DEFAULT_PASSWORD, "another long password 9")
    [entry] = entries(AuditAction.PASSWORD_CHANGED)
    assert who_what(entry) == (student.id, "password_changed", "users", str(student.id))


def test_roles_granted_on_the_command_line_are_recorded(app, db):
    result = app.test_cli_runner().invoke(
        args=["careerlink", "create-user", "olive@example.edu", "--role", "admin"],
        input="a-long-password-1\na-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    [entry] = entries(AuditAction.ROLE_GRANTED)
    assert entry.detail == "admin; command line"
    assert entry.actor_id is None


def test_token_created_and_revoked_are_recorded(db, staff):
    with transaction():
        token, _raw = tokens.create_personal_token(staff, "laptop", ["requests:read"], 30)
    with transaction():
        tokens.revoke(token, by=staff)
    [created] = entries(AuditAction.TOKEN_CREATED)
    [revoked] = entries(AuditAction.TOKEN_REVOKED)
    assert who_what(created) == (staff.id, "token_created", "api_tokens", str(token.id))
    assert who_what(revoked) == (staff.id, "token_revoked", "api_tokens", str(token.id))


def test_staff_approval_through_the_page_is_recorded(client, sign_in, staff, make_request):
    req = make_request(staff=staff)
    sign_in(staff)
    resp = client.post(f"/staff/requests/{req.id}/approve", data={"message": MESSAGE})
    assert resp.status_code == 302
    [entry] = entries(AuditAction.REQUEST_APPROVED)
    assert who_what(entry) == (staff.id, "request_approved", "requests", str(req.id))
    assert entry.ip_address == "127.0.0.1"


def test_staff_decline_and_question_are_recorded(db, staff, make_request):
    from careerlink.connections import services

    first, second = make_request(staff=staff), make_request(staff=staff)
    with transaction():
        services.decline_by_staff(first, staff, reason="Not this time.")
        services.ask_student_for_info(second, staff, question="Which dates?")
    assert [e.object_id for e in entries(AuditAction.REQUEST_DECLINED)] == [str(first.id)]
    assert [e.object_id for e in entries(AuditAction.REQUEST_INFO_ASKED)] == [str(second.id)]


def test_a_refused_action_leaves_no_entry(db, staff, make_request):
    from careerlink.connections import services

    req = make_request(staff=staff)
    with pytest.raises(DomainError), transaction():
        services.decline_by_staff(req, staff, reason="  ")
    assert entries(AuditAction.REQUEST_DECLINED) == []


def test_entries_cannot_be_changed_or_deleted(db, staff):
    with transaction():
        entry = record(AuditAction.DATA_EXPORTED, actor=staff, detail="x")
    entry.detail = "rewritten"
    with pytest.raises(DomainError, match="append-only"), transaction():
        _db.session.flush()
    entry = _db.session.get(AuditEntry, entry.id)
    _db.session.delete(entry)
    with pytest.raises(DomainError, match="append-only"), transaction():
        _db.session.flush()
    assert [e.detail for e in entries(AuditAction.DATA_EXPORTED)] == ["x"]


def test_a_bulk_update_is_refused_unless_it_is_the_erasure(db, staff):
    from sqlalchemy import update

    from careerlink.audit.models import ERASURE_OPTION

    with transaction():
        entry = record(AuditAction.DATA_EXPORTED, actor=staff, detail="x")
    refused = [
        update(AuditEntry).values(detail="rewritten"),
        # The erasure's option does not make any other column writable.
        update(AuditEntry)
        .values(action="sign_in", ip_address=None)
        .execution_options(**{ERASURE_OPTION: True}),
    ]
    for statement in refused:
        with pytest.raises(DomainError, match="append-only"), transaction():
            _db.session.execute(statement.where(AuditEntry.id == entry.id))
    with transaction():
        _db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(ip_address=None)
            .execution_options(**{ERASURE_OPTION: True})
        )
    assert [e.detail for e in entries(AuditAction.DATA_EXPORTED)] == ["x"]


def test_erasing_a_person_blanks_their_addresses_and_names_only(app, db, staff, make_user):
    from careerlink.audit import erase_person

    person = make_user(Role.STUDENT, name="Ondine 50%_Off", email="ondine@students.example.edu")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.10"}), transaction():
        own = record(AuditAction.SIGN_IN, actor=person, obj=person)
        failed = record(AuditAction.SIGN_IN_FAILED, obj=person, detail="password")
        by_staff = record(
            AuditAction.ROLE_GRANTED, actor=staff, obj=person, detail="staff; for Ondine 50%_Off"
        )
        other = record(AuditAction.SIGN_IN, actor=staff, obj=staff, detail="Ondine 50_Off")
    with transaction():
        erase_person(person.id, ["Ondine 50%_Off", "ondine@students.example.edu"])
    _db.session.expire_all()
    got = {
        e.id: (e.ip_address, e.detail)
        for e in _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    }
    assert got == {
        own.id: (None, ""),
        failed.id: (None, "password"),
        by_staff.id: ("192.0.2.10", "staff; for (erased)"),
        other.id: ("192.0.2.10", "Ondine 50_Off"),
    }


def test_only_admins_see_the_log(client, sign_in, staff):
    sign_in(staff)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_page_filters_by_action_actor_and_dates(client, sign_in, admin, staff, student):
    with transaction():
        record(AuditAction.ALUMNUS_VERIFIED, actor=staff, detail="by staff")
        record(AuditAction.ALUMNUS_VERIFIED, actor=admin, detail="by admin")
        old = record(AuditAction.ALUMNUS_VERIFIED, actor=staff, detail="long ago")
        old.created_at = utcnow() - timedelta(days=40)
        record(AuditAction.PROFILE_APPROVED, actor=staff, detail="other action")
    sign_in(admin)
    today = utcnow().date().isoformat()
    page = client.get(
        f"/admin/audit?action=alumnus_verified&actor={staff.email.upper()}&start={today}"
    ).get_data(as_text=True)
    assert "by staff" in page
    assert "by admin" not in page
    assert "long ago" not in page
    assert "other action" not in page
    assert "<caption>1 entry</caption>" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-05-02&end=2026-05-01", "The start date is after the end date."),
        ("start=2026-13-45", "Give the start date as YYYY-MM-DD (2000 to 2100)."),
        ("end=1200-01-01", "Give the end date as YYYY-MM-DD (2000 to 2100)."),
        ("action=launch_missiles", "Choose an action from the list."),
        ("start=2000-01-01&end=2100-01-01", "Choose a range of at most ten years."),
    ],
)
def test_bad_filters_are_a_clear_400(client, sign_in, admin, query, message):
    sign_in(admin)
    for path in ("/admin/audit", "/admin/audit.csv"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)


def test_csv_export_escapes_formulas_and_is_itself_audited(client, sign_in, admin, staff):
    with transaction():
        record(AuditAction.WEBHOOK_CHANGED, actor=staff, detail="=HYPERLINK(1)")
    sign_in(admin)
    resp = client.get("/admin/audit.csv?action=webhook_changed")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(audit.CSV_HEADER)
    assert len(rows) == 2
    assert rows[1][2:7] == [staff.email, "webhook_changed", "", "", "'=HYPERLINK(1)"]
    [export] = entries(AuditAction.DATA_EXPORTED)
    assert (export.actor_id, export.object_type, export.detail) == (
        admin.id,
        "audit_log",
        "action=webhook_changed",
    )


def test_purge_removes_only_entries_past_retention(app, db, staff, monkeypatch):
    now = utcnow()
    with transaction():
        for age, label in ((31, "old"), (29, "recent")):
            entry = record(AuditAction.ALUMNUS_VERIFIED, actor=staff, detail=label)
            entry.created_at = now - timedelta(days=age)
    monkeypatch.setitem(app.config, "CAREERLINK_AUDIT_RETENTION_DAYS", 30)
    result = app.test_cli_runner().invoke(careerlink_cli, ["audit", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "Removed 1 audit entry.\n"
    assert [e.detail for e in entries(AuditAction.ALUMNUS_VERIFIED)] == ["recent"]
    [purge] = entries(AuditAction.AUDIT_PURGED)
    assert purge.detail == "1 entries older than 30 days"


def test_retention_zero_keeps_everything(app, db, staff):
    with transaction():
        entry = record(AuditAction.ALUMNUS_VERIFIED, actor=staff)
        entry.created_at = utcnow() - timedelta(days=5000)
    with transaction():
        assert audit.purge(days=0) == 0
    assert len(entries(AuditAction.ALUMNUS_VERIFIED)) == 1


def test_verifying_an_alumnus_is_recorded(db, staff, make_user):
    alumnus = make_user(Role.ALUMNUS, alumnus_verified=False)
    with transaction():
        accounts.set_alumnus_verified(alumnus, True, by=staff)
    [entry] = entries(AuditAction.ALUMNUS_VERIFIED)
    assert who_what(entry) == (staff.id, "alumnus_verified", "users", str(alumnus.id))


def test_the_date_filters_are_whole_days_of_the_office_and_times_the_viewers(
    app, client, sign_in, admin, staff, monkeypatch
):
    """In Sydney (UTC+11 in November), 29 November runs from 13:00 UTC on the 28th to 12:59:59
    UTC on the 29th: the filter takes those office days; the page shows the times in the
    viewer's own zone, named."""
    from datetime import UTC, datetime

    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Australia/Sydney")
    moments = {
        "last minute of the 28th": datetime(2026, 11, 28, 12, 59, 59, tzinfo=UTC),
        "first minute of the 29th": datetime(2026, 11, 28, 13, 0, tzinfo=UTC),
        "last minute of the 29th": datetime(2026, 11, 29, 12, 59, 59, tzinfo=UTC),
        "first minute of the 30th": datetime(2026, 11, 29, 13, 0, tzinfo=UTC),
    }
    with transaction():
        for detail, moment in moments.items():
            record(AuditAction.ALUMNUS_VERIFIED, actor=staff, detail=detail).created_at = moment
        admin.time_zone = "America/New_York"
    sign_in(admin)
    page = client.get("/admin/audit?start=2026-11-29&end=2026-11-29").get_data(as_text=True)
    shown = [detail for detail in moments if f"<td>{detail}</td>" in page]
    assert shown == ["first minute of the 29th", "last minute of the 29th"]
    assert "<caption>2 entries</caption>" in page
    assert "whole days in the career office's time zone (Australia/Sydney)" in page
    # 13:00 UTC is 08:00 in New York (UTC-5 in November), the admin's own zone.
    assert '<th scope="col">Time (America/New_York)</th>' in page
    assert "<td>28 Nov 2026, 08:00</td>" in page and "<td>29 Nov 2026, 07:59</td>" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/admin/audit.csv?start=2026-11-29&end=2026-11-29")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [row[6] for row in rows[1:]] == ["last minute of the 29th", "first minute of the 29th"]
    # One day earlier holds only the last minute of the 28th.
    page = client.get("/admin/audit?start=2026-11-28&end=2026-11-28").get_data(as_text=True)
    assert [d for d in moments if f"<td>{d}</td>" in page] == ["last minute of the 28th"]


def test_the_page_names_the_object_of_an_entry_in_the_readers_language(
    client, sign_in, admin, make_request
):
    req = make_request()
    with transaction():
        record(AuditAction.REQUEST_APPROVED, actor=admin, obj=req)
        record(AuditAction.DATA_EXPORTED, actor=admin, object_type="report", object_id="funnel")
    sign_in(admin)
    page = client.get("/admin/audit", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"<td>Demande #{req.id}</td>" in page
    assert "<td>Rapport #funnel</td>" in page
    assert "<td>requests #" not in page
