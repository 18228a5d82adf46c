"""Programme settings: edited in the database, the environment as default, read everywhere."""

from __future__ import annotations

import email
import email.policy
import html

import pytest
from sqlalchemy import select

from careerlink.audit import AuditAction, AuditEntry
from careerlink.connections import settings as request_settings
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.extensions import db as _db
from careerlink.mentors.services import consent_text
from careerlink.programme.models import ProgrammeSetting
from careerlink.programme.settings import forget_cache, is_overridden
from careerlink.staff.admin import services


def stored() -> dict[str, str]:
    _db.session.expire_all()
    return dict(_db.session.execute(select(ProgrammeSetting.name, ProgrammeSetting.value)).all())


def test_the_environment_is_the_default(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_RESPONSE_DAYS", 9)
    forget_cache()
    assert request_settings.response_days() == 9
    assert is_overridden("CAREERLINK_RESPONSE_DAYS") is False


def test_a_saved_value_is_in_force_and_audited(client, sign_in, admin, app, monkeypatch):
    # The app outlives the test: its environment values are put back afterwards.
    monkeypatch.setitem(app.config, "CAREERLINK_RESPONSE_DAYS", 7)
    monkeypatch.setitem(app.config, "CAREERLINK_MENTOR_CONSENT_TEXT", "I consent to being listed.")
    sign_in(admin)
    resp = client.post(
        "/admin/settings",
        data={"CAREERLINK_RESPONSE_DAYS": "10", "CAREERLINK_MENTOR_CONSENT_TEXT": "I agree."},
    )
    assert resp.status_code == 302
    assert stored() == {
        "CAREERLINK_RESPONSE_DAYS": "10",
        "CAREERLINK_MENTOR_CONSENT_TEXT": "I agree.",
    }
    forget_cache()
    assert request_settings.response_days() == 10
    assert consent_text() == "I agree."
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "The environment says: 7." in page
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.SETTING_CHANGED.value)
    ).all()
    assert sorted((e.object_id, e.detail) for e in entries) == [
        ("CAREERLINK_MENTOR_CONSENT_TEXT", "I consent to being listed. → I agree."),
        ("CAREERLINK_RESPONSE_DAYS", "7 → 10"),
    ]


def test_saving_the_environment_value_goes_back_to_it(db, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_MAX_OPEN_REQUESTS", 3)
    with transaction():
        services.update_settings(admin, {"CAREERLINK_MAX_OPEN_REQUESTS": "5"})
    assert stored() == {"CAREERLINK_MAX_OPEN_REQUESTS": "5"}
    with transaction():
        services.update_settings(admin, {"CAREERLINK_MAX_OPEN_REQUESTS": "3"})
    assert stored() == {}
    # A later change of the environment applies.
    monkeypatch.setitem(app.config, "CAREERLINK_MAX_OPEN_REQUESTS", 4)
    forget_cache()
    assert request_settings.max_open_requests() == 4


def test_one_bad_value_saves_nothing(client, sign_in, admin):
    sign_in(admin)
    resp = client.post(
        "/admin/settings",
        data={"CAREERLINK_RESPONSE_DAYS": "10", "CAREERLINK_MAX_OPEN_REQUESTS": "5000"},
    )
    assert resp.status_code == 422
    assert "Open requests per student: a whole number from 1 to 50." in resp.get_data(as_text=True)
    assert stored() == {}


def test_unlisting_must_come_after_the_reminder(db, admin):
    with pytest.raises(DomainError, match="must come after the profile reminder"), transaction():
        services.update_settings(
            admin,
            {
                "CAREERLINK_PROFILE_REMIND_AFTER_DAYS": "400",
                "CAREERLINK_PROFILE_UNLIST_AFTER_DAYS": "300",
            },
        )
    assert stored() == {}


def test_the_sender_name_changes_the_from_of_emails(db, admin, app, monkeypatch):
    from careerlink.mail.models import OutboxMessage
    from careerlink.mail.transports import message_bytes

    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "CareerLink <careers@example.edu>")
    with transaction():
        services.update_settings(admin, {"CAREERLINK_SENDER_NAME": "Career Office"})
    row = OutboxMessage(
        message_id="<x@example.edu>",
        event="password_changed",
        audience="user",
        recipients=["a@example.edu"],
        subject="s",
        body_text="t",
        body_html="<p>t</p>",
    )
    parsed = email.message_from_bytes(message_bytes(row), policy=email.policy.default)
    assert parsed["From"] == "Career Office <careers@example.edu>"


@pytest.mark.parametrize("name", ["Career <Office>", "a@b", 'Say "hi"'])
def test_the_sender_name_is_a_plain_name(db, admin, name):
    with pytest.raises(DomainError, match="a plain name"), transaction():
        services.update_settings(admin, {"CAREERLINK_SENDER_NAME": name})


def test_only_admins_see_the_settings(client, sign_in, staff):
    sign_in(staff)
    assert client.get("/admin/settings").status_code == 403


def test_the_shipped_texts_are_config_defaults():
    """The marked copies of the shipped conduct and consent texts are config.py's defaults."""
    from careerlink.programme.settings import SHIPPED_TEXTS
    from config import DEFAULT_CONDUCT_POLICY, DEFAULT_CONSENT_TEXT

    assert {DEFAULT_CONDUCT_POLICY, DEFAULT_CONSENT_TEXT} == SHIPPED_TEXTS


def test_the_shipped_consent_and_conduct_texts_are_read_in_french(app, db, monkeypatch):
    """A French reader sees the shipped texts in French; the stored setting stays English."""
    from careerlink.i18n import speaking
    from config import DEFAULT_CONDUCT_POLICY, DEFAULT_CONSENT_TEXT

    monkeypatch.setitem(app.config, "CAREERLINK_MENTOR_CONSENT_TEXT", DEFAULT_CONSENT_TEXT)
    monkeypatch.setitem(app.config, "CAREERLINK_CONDUCT_POLICY", DEFAULT_CONDUCT_POLICY)
    forget_cache()
    with speaking("fr"):
        assert consent_text().startswith("J’accepte de figurer dans l’annuaire des mentors")
        assert request_settings.conduct_policy().startswith("Les diplômés donnent de leur temps.")
    with speaking("en"):
        assert consent_text() == DEFAULT_CONSENT_TEXT


def test_a_text_the_office_wrote_is_shown_as_written(db, admin, app):
    """An office's own consent text is its words, in every language."""
    from careerlink.i18n import speaking

    with transaction():
        services.update_settings(admin, {"CAREERLINK_MENTOR_CONSENT_TEXT": "Nos règles à nous."})
    forget_cache()
    with speaking("fr"):
        assert consent_text() == "Nos règles à nous."
    with speaking("en"):
        assert consent_text() == "Nos règles à nous."


def test_a_french_admin_edits_the_shipped_consent_in_french(
    client, sign_in, admin, app, monkeypatch
):
    """The settings page shows the shipped text in the admin's language; saving it unchanged
    keeps the shipped text (nothing stored), not a French copy shown to every reader."""
    from config import DEFAULT_CONDUCT_POLICY, DEFAULT_CONSENT_TEXT

    monkeypatch.setitem(app.config, "CAREERLINK_MENTOR_CONSENT_TEXT", DEFAULT_CONSENT_TEXT)
    monkeypatch.setitem(app.config, "CAREERLINK_CONDUCT_POLICY", DEFAULT_CONDUCT_POLICY)
    forget_cache()
    sign_in(admin)
    french = {"Accept-Language": "fr"}
    page = client.get("/admin/settings", headers=french).get_data(as_text=True)
    shown = "J’accepte de figurer dans l’annuaire des mentors diplômés"
    assert shown in page
    assert DEFAULT_CONSENT_TEXT not in page
    start = page.index('name="CAREERLINK_MENTOR_CONSENT_TEXT"')
    text = html.unescape(page[page.index(">", start) + 1 : page.index("</textarea>", start)])
    assert text.startswith(shown)
    resp = client.post(
        "/admin/settings",
        data={"CAREERLINK_MENTOR_CONSENT_TEXT": text, "CAREERLINK_RESPONSE_DAYS": "11"},
        headers=french,
    )
    assert resp.status_code == 302
    assert stored() == {"CAREERLINK_RESPONSE_DAYS": "11"}
