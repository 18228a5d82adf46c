"""French pages of accounts, administration, audit, reports, errors and the embed, and times in
the reader's own zone (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from careerlink.accounts import services as accounts
from careerlink.audit import AuditAction, AuditEntry
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.i18n import speaking
from careerlink.permissions import Role
from careerlink.staff.reports import queries
from careerlink.staff.reports.filters import parse_filters

FR = {"Accept-Language": "fr"}


def page(client, path: str, **kwargs) -> str:
    response = client.get(path, headers=FR, **kwargs)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_sign_in_page_in_french(client):
    body = page(client, "/signin")
    assert "<h1>Se connecter</h1>" in body
    assert "Mot de passe oublié\u202f?" in body
    assert "Nouveau venu\u202f? <a href=" in body


def test_the_account_page_in_french(client, sign_in, student):
    sign_in(student)
    body = page(client, "/account")
    assert "<h1>Votre compte</h1>" in body
    # The durations inside the sentence are French plurals (168 hours are 7 days).
    assert "Un appareil reste connecté 7 jours au plus" in body


def test_an_admin_page_in_french(client, sign_in, admin):
    sign_in(admin)
    body = page(client, "/admin/")
    assert (
        "Ajouter, renommer, fusionner et retirer les secteurs parmi lesquels diplômés et "
        "étudiants choisissent." in body
    )


def test_a_report_page_and_its_chart_in_french(client, sign_in, staff):
    sign_in(staff)
    body = page(client, "/staff/reports/funnel")
    assert "<h1>L’entonnoir</h1>" in body
    svg = page(client, "/staff/reports/funnel.svg")
    assert '<title id="chart-title">L’entonnoir</title>' in svg
    assert "Les chiffres sont dans le tableau à côté du graphique." in svg


def test_a_cached_report_is_not_shared_between_languages(client, sign_in, staff):
    sign_in(staff)
    # The English report is computed and cached first; the French reader gets their own.
    english = client.get("/staff/reports/speed").get_data(as_text=True)
    french = page(client, "/staff/reports/speed")
    assert '<th scope="col">Month</th>' in english
    assert '<th scope="col">Mois</th>' in french


def test_report_titles_labels_and_filters_follow_the_language(app, db, make_mentor):
    make_mentor(industry="veterinary")
    with app.test_request_context(), speaking("fr"):
        filters = parse_filters({"start": "2026-01-01", "end": "2026-03-31"})
        report = queries.funnel(filters)
        assert report.title == "L’entonnoir"
        assert report.header[:3] == ["Type", "Demandées", "Approuvées et transmises"]
        assert filters.describe() == "Demandes faites du 1 janvier 2026 au 31 mars 2026."


def test_an_error_page_in_french(client):
    response = client.get("/no/such/page", headers=FR)
    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in response.get_data(as_text=True)


def test_the_embedded_requests_page_in_french(client, sign_in, student):
    sign_in(student)
    body = page(client, "/embed/my/requests")
    assert "Vous n’avez encore rien demandé à personne." in body


def test_role_names_are_translated(app):
    with app.test_request_context(), speaking("fr"):
        assert [r.label for r in (Role.STUDENT, Role.ALUMNUS, Role.ADMIN)] == [
            "étudiant",
            "diplômé",
            "administrateur",
        ]


def test_audit_log_times_are_in_the_reader_s_own_zone(client, sign_in, admin):
    with transaction():
        _db.session.add(
            AuditEntry(
                action=AuditAction.SETTING_CHANGED.value,
                created_at=datetime(2026, 6, 1, 16, 5, tzinfo=UTC),
                detail="zone check",
            )
        )
        accounts.set_preferences(admin, language=None, time_zone="America/Toronto")
    sign_in(admin)
    body = client.get("/admin/audit?action=setting_changed").get_data(as_text=True)
    # 16:05 UTC is 12:05 in Toronto (summer time), and the column says which zone it is.
    assert '<th scope="col">Time (America/Toronto)</th>' in body
    assert "<td>1 Jun 2026, 12:05</td>" in body


def test_audit_log_in_french_with_the_action_s_french_label(client, sign_in, admin):
    with transaction():
        _db.session.add(
            AuditEntry(
                action=AuditAction.INDUSTRY_RENAMED.value,
                created_at=datetime(2026, 6, 1, 16, 5, tzinfo=UTC),
                detail="A → B",
            )
        )
    sign_in(admin)
    body = page(client, "/admin/audit?action=industry_renamed")
    assert "<td>Secteur renommé</td>" in body
    assert "<caption>1 entrée</caption>" in body


def test_a_deleted_person_s_stored_name_reads_in_each_reader_s_language(app):
    from flask import render_template_string

    from careerlink.accounts.privacy import DELETED_NAME
    from careerlink.i18n import speaking

    with app.test_request_context():
        with speaking("fr"):
            alone = render_template_string("{{ name }}", name=DELETED_NAME)
            sentence = render_template_string(
                "{% trans name=name %}Hello {{ name }},{% endtrans %} · "
                "{{ _('Hello %(name)s,', name=name) }}",
                name=DELETED_NAME,
            )
        english = render_template_string("{{ _('Hello %(name)s,', name=name) }}", name=DELETED_NAME)
    assert alone == "Compte supprimé"
    assert sentence == "Bonjour Compte supprimé, · Bonjour Compte supprimé,"
    assert english == "Hello Deleted account,"


def test_a_french_sign_up_keeps_french_and_gets_a_french_email(client, db, outbox):
    """Signing up on a French page keeps French as the person's language, so the verification
    email (and every later one) is French, not the office default's English."""
    response = client.post(
        "/signup",
        headers=FR,
        data={
            "role": "student",
            "display_name": "Noémie Nouvelle",
            "email": "noemie@students.example.edu",
            "password": "a-long-password-1",
            "confirm": "a-long-password-1",
        },
    )
    assert response.status_code == 200
    user = accounts.find_user_by_email("noemie@students.example.edu")
    assert user.locale == "fr"
    [row] = outbox("verify_email")
    assert row.subject == "Vérifiez votre adresse courriel pour CareerLink"


def test_an_english_sign_up_keeps_english(client, db, outbox):
    client.post(
        "/signup",
        data={
            "role": "student",
            "display_name": "Ed English",
            "email": "ed@students.example.edu",
            "password": "a-long-password-1",
            "confirm": "a-long-password-1",
        },
    )
    assert accounts.find_user_by_email("ed@students.example.edu").locale == "en"
