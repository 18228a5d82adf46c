"""The request workflow in French and in the reader's own time zone (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import sign_in_session
from flask_babel import gettext as _
from icalendar import Calendar

from careerlink.accounts import services as accounts
from careerlink.connections import ics
from careerlink.connections.slots import Slot, make_slot
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition
from careerlink.i18n import speaking

FR = {"Accept-Language": "fr"}
# A fixed deadline: 5 December 2026, 20:20 UTC (15:20 in Toronto, 21:20 in Paris).
DEADLINE = datetime(2026, 12, 5, 20, 20, tzinfo=UTC)


def with_deadline(db, req):
    """The request's answer deadline set to DEADLINE (and committed, for the web client)."""
    req.respond_by = DEADLINE
    db.session.commit()
    return req


def test_the_student_s_request_page_in_french(client, db, make_request):
    req = with_deadline(db, make_request(state="relayed"))
    sign_in_session(client, req.student)
    page = client.get(f"/requests/{req.id}", headers=FR).get_data(as_text=True)
    assert f"<h1>Votre demande à {req.alumnus.display_name}</h1>" in page
    assert '<span class="badge badge-warn">En attente du diplômé</span>' in page
    assert "Réponse attendue d’ici le 5 déc. 2026, 20:20 UTC" in page
    assert "<dt>Type</dt><dd>Mise en relation</dd>" in page


def test_the_staff_queue_in_french(client, db, staff, make_request):
    make_request(state="submitted")
    sign_in_session(client, staff)
    page = client.get("/staff/requests", headers=FR).get_data(as_text=True)
    assert "<h1>Demandes</h1>" in page
    assert "En attente d’examen (1)</a>" in page
    assert "<caption>1 demande</caption>" in page
    assert "<td>Mise en relation</td>" in page


def test_a_refused_move_is_a_whole_french_sentence(app, db, make_request):
    req = make_request(state="declined_by_alumnus")
    with (
        app.test_request_context(),
        speaking("fr"),
        pytest.raises(InvalidTransition) as refused,
    ):
        req.withdraw(by=req.student)
    assert refused.value.message == (
        "Cette demande ne peut pas être retirée. Son état\u00a0: Refusée par le diplômé."
    )


def test_a_request_s_state_is_singular_where_the_funnel_s_columns_are_plural(app):
    # "Cancelled" is one request's state ("Annulée") and a report column of many ("Annulées").
    from careerlink.connections.machine import STATES
    from careerlink.connections.models import RequestState

    with app.test_request_context(), speaking("fr"):
        assert str(STATES[RequestState.CANCELLED].label) == "Annulée"
        assert str(STATES[RequestState.COMPLETED].label) == "Terminée"
        assert _("Cancelled") == "Annulées"


def test_a_flash_after_an_action_is_in_french(client, db, make_request):
    req = make_request(state="submitted")
    sign_in_session(client, req.student)
    client.post(f"/requests/{req.id}/withdraw", headers=FR)
    page = client.get(f"/requests/{req.id}", headers=FR).get_data(as_text=True)
    assert "Votre demande est retirée." in page


def test_a_deadline_shows_in_the_reader_s_own_zone_with_its_name(client, db, make_request):
    req = with_deadline(db, make_request(state="relayed"))
    with transaction():
        accounts.set_preferences(req.alumnus, language=None, time_zone="America/Toronto")
    sign_in_session(client, req.alumnus)
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Answer due by 5 Dec 2026, 15:20 America/Toronto" in page
    account = client.get("/account").get_data(as_text=True)
    assert "please answer by 5 Dec 2026, 15:20 America/Toronto" in account


def test_a_deadline_on_the_staff_page_is_in_the_office_zone_by_default(client, db, make_request):
    req = with_deadline(db, make_request(state="relayed"))
    staff = db.session.get(type(req.student), req.reviewed_by_id)
    sign_in_session(client, staff)
    page = client.get(f"/staff/requests/{req.id}").get_data(as_text=True)
    assert "Answer due by 5 Dec 2026, 20:20 UTC." in page


def test_an_interview_time_is_shown_in_the_reader_s_zone_and_language(app):
    slot = Slot(datetime(2030, 3, 5, 14, 0, tzinfo=UTC), 30)
    with app.test_request_context():
        with speaking("en", "America/Toronto"):
            english = slot.describe()
        with speaking("fr", "Europe/Paris"):
            french = slot.describe()
    assert english == "Tuesday, 5 March 2030, 09:00\u201309:30 (America/Toronto)"
    assert french == "mardi 5 mars 2030, 15:00\u201315:30 (Europe/Paris)"


def test_a_time_entered_is_refused_in_the_office_zone_whoever_reads(client):
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    day = (now + timedelta(days=3)).date()
    with (
        client.application.test_request_context(),
        speaking("fr", "America/Toronto"),
        pytest.raises(DomainError) as refused,
    ):
        make_slot(day, datetime(2030, 1, 1, 22, 0).time(), 30, now)
    # Entered at 22:00 office time (UTC in the tests): refused in that zone, in French.
    assert refused.value.message == (
        "lundi 4 mars 2030, 22:00\u201322:30 (UTC) est en dehors de la plage 07:00\u201321:00 "
        "(heure de UTC)\u202f; personne n’est sollicité au milieu de la nuit."
    )


def test_the_calendar_speaks_the_recipients_language(app, db, make_request):
    req = make_request(kind="shadowing", state="scheduled")
    with transaction():
        accounts.set_preferences(req.student, language="fr", time_zone="Europe/Paris")
        accounts.set_preferences(req.alumnus, language="fr", time_zone="Europe/Paris")
    with app.test_request_context():
        attachment = ics.request_attachment(req, req.mentor_profile, "REQUEST", DEADLINE)
    event = Calendar.from_ical(attachment.data).walk("VEVENT")[0]
    assert str(event["summary"]).startswith(
        f"Journée d’observation avec {req.alumnus.display_name}"
    )
    assert str(event["description"]).startswith(
        f"Journée d’observation\u00a0: {req.student.display_name} avec {req.alumnus.display_name}."
    )
    # Still an all-day event: a DATE, not a time.
    assert event["dtstart"].dt == req.scheduled_date


def test_the_calendar_of_mixed_languages_speaks_the_office_s(app, db, make_request):
    req = make_request(kind="shadowing", state="scheduled")
    with transaction():
        accounts.set_preferences(req.student, language="fr", time_zone=None)
    with app.test_request_context():
        attachment = ics.request_attachment(req, req.mentor_profile, "REQUEST", DEADLINE)
    event = Calendar.from_ical(attachment.data).walk("VEVENT")[0]
    assert str(event["summary"]).startswith(f"Shadowing day with {req.alumnus.display_name}")


def test_the_notes_the_application_writes_are_stored_in_english_and_shown_translated(
    client, db, make_request, staff
):
    """The clock writes in the office's language, not the reader's: its notes are stored as
    the catalogue's English and translated for whoever reads the timeline."""
    from flask_babel import gettext

    from careerlink.connections.models import COMPLETED_NOTE, EXPIRED_NOTE

    completed = make_request(state="completed")
    with speaking("fr"):
        expired = make_request(state="expired")
        french = gettext(COMPLETED_NOTE), gettext(EXPIRED_NOTE)
    assert french[0] != COMPLETED_NOTE and french[1] != EXPIRED_NOTE
    assert [e.note for e in completed.events][-1] == COMPLETED_NOTE
    assert [e.note for e in expired.events][-1] == EXPIRED_NOTE
    sign_in_session(client, staff)
    for req, note in ((completed, french[0]), (expired, french[1])):
        page = client.get(f"/staff/requests/{req.id}", headers=FR).get_data(as_text=True)
        assert f'<div class="muted">{note}</div>' in page
    page = client.get(f"/staff/requests/{completed.id}").get_data(as_text=True)
    assert f'<div class="muted">{COMPLETED_NOTE}</div>' in page


def test_a_refused_link_is_explained_in_the_readers_language(app, db):
    from careerlink.urls import check_web_address

    with speaking("fr"), pytest.raises(DomainError) as refused:
        check_web_address("https://a.example/ b", field="meeting_link")
    assert refused.value.message == "Le lien ne peut pas contenir d’espaces."
