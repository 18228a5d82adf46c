"""The directory, a mentor's page, openings, the import pages and the API in French, times in
the person's own zone, and the office's calendar for the availability rules (issue 15)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from support.auth import sign_in_session
from test_import_pages import csv_bytes, upload

from careerlink.accounts import services as account_services
from careerlink.api.models import ApiToken
from careerlink.database import transaction
from careerlink.mentors import models as mentor_models
from careerlink.mentors.imports import jobs
from careerlink.mentors.imports.models import ImportJob
from careerlink.mentors.imports.samples import sample_rows
from careerlink.mentors.models import Industry, today
from careerlink.openings import services as opening_services

FRENCH = {"Accept-Language": "fr"}
pytestmark = pytest.mark.usefixtures("default_industries")


def page(client, url: str, **headers) -> str:
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_the_directory_speaks_french_with_the_industrys_french_name(client, db, make_mentor):
    make_mentor(industry="veterinary")
    vet = db.session.scalar(select(Industry).where(Industry.slug == "veterinary"))
    vet.translations = {"fr": "Soins vétérinaires"}
    db.session.commit()
    html = page(client, "/mentors", **FRENCH)
    assert "<h1>Trouver un mentor</h1>" in html
    assert "1 diplômé trouvé" in html
    assert 'for="f-industry-veterinary">Soins vétérinaires <span class="cl-count">' in html
    english = page(client, "/mentors")
    assert "<h1>Find a mentor</h1>" in english
    assert "Veterinary and animal care <span" in english


def test_french_and_english_visitors_do_not_share_a_cached_directory_page(client, make_mentor):
    make_mentor()
    assert "<h1>Trouver un mentor</h1>" in page(client, "/mentors?per_page=7", **FRENCH)
    # The same query string, the same directory version and day: only the language differs.
    assert "<h1>Find a mentor</h1>" in page(client, "/mentors?per_page=7")
    assert "<h1>Trouver un mentor</h1>" in page(client, "/mentors?per_page=7", **FRENCH)


def test_a_mentors_page_in_french(client, make_mentor):
    profile = make_mentor(offers=("introduction", "resume_review"), monthly_capacity=3)
    html = page(client, f"/mentors/{profile.id}", **FRENCH)
    name = profile.display_name
    assert f"Ce que propose {name}" in html
    assert "<li>Mise en relation</li><li>Relecture de CV</li>" in html
    assert "Accepte jusqu’à 3 demandes par mois." in html


FR_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def french_date(day: date) -> str:
    return f"{day.day} {FR_MONTHS[day.month - 1]} {day.year}"


def test_an_away_alumnus_shows_the_french_date(client, make_mentor):
    back = today() + timedelta(days=40)
    profile = make_mentor(away_until=back)
    html = page(client, f"/mentors/{profile.id}", **FRENCH)
    assert f'<span class="badge badge-warn">Absent jusqu’au {french_date(back)}</span>' in html


def test_the_openings_list_in_french(client, make_mentor, student, staff):
    poster = make_mentor().user
    closes = today() + timedelta(days=30)
    with transaction():
        opening = opening_services.post_opening(
            poster,
            {
                "title": "Auxiliaire vétérinaire",
                "organisation": "Clinique du Parc",
                "url": "https://jobs.example.org/42",
                "location": "Lyon",
                "remote": False,
                "industry": "veterinary",
                "closes_on": closes,
                "description": "",
            },
        )
        opening_services.approve_opening(staff, opening, "")
    sign_in_session(client, student)
    html = page(client, "/openings", **FRENCH)
    assert "<h1>Offres des diplômés</h1>" in html
    assert "1 offre" in html
    assert f'<time datetime="{closes.isoformat()}">{french_date(closes)}</time>' in html


def test_the_import_pages_in_french(client, db, staff, tmp_path):
    sign_in_session(client, staff)
    html = page(client, "/staff/imports/", **FRENCH)
    assert "<h1>Importer des diplômés</h1>" in html
    assert upload(client, csv_bytes(tmp_path, count=3)).status_code == 302
    assert jobs.work_once().state == "done"
    job = db.session.scalar(select(ImportJob))
    html = page(client, f"/staff/imports/{job.id}", **FRENCH)
    # The totals are written in the reader's language from the stored counts.
    assert (
        "3 à créer, 0 à mettre à jour, 0 ignorées, 0 en erreur\u202f; rien n’a été écrit "
        "(essai à blanc)." in html
    )
    assert "<dt>Créer</dt><dd>3</dd>" in html
    english = page(client, f"/staff/imports/{job.id}")
    assert "would create 3, would update 0, skipped 0, 0 with errors" in english


def test_a_fresh_install_s_default_industries_read_in_french(client, db, make_mentor):
    # No administrator has named them yet: the shipped French names are shown, on the cards
    # and in the filters; an industry renamed by the office keeps its own name.
    make_mentor(industry="veterinary")
    make_mentor(industry="software")
    software = db.session.scalar(select(Industry).where(Industry.slug == "software"))
    software.name = "Computing"
    db.session.commit()
    html = page(client, "/mentors", **FRENCH)
    assert html.count("Soins vétérinaires et animaliers") == 2
    assert "Computing" in html
    assert "Logiciel et informatique" not in html


def test_the_class_year_range_reads_from_and_to_not_sender_and_recipient(client):
    # "To" is also the outbox's recipient column ("Destinataire"): the range has its context.
    html = page(client, "/mentors", **FRENCH)
    assert '<label for="f-year-from">De</label>' in html
    assert '<label for="f-year-to">À</label>' in html


def run_real_import(client, data: bytes):
    """Upload `data`, run its dry run, import it for real; the real job."""
    assert upload(client, data).status_code == 302
    dry = jobs.work_once()
    client.post(f"/staff/imports/{dry.id}/import")
    return jobs.work_once()


def report_details(job) -> list[tuple[str, str]]:
    return [(row[1], row[4]) for row in jobs.report_rows(job)]


def test_an_import_s_row_details_speak_the_language_of_who_started_it(client, db, staff, tmp_path):
    # The worker runs without a browser: it writes the rows' details in the language of the
    # staff member who started the import, not in the office's.
    staff.locale = "fr"
    db.session.commit()
    sign_in_session(client, staff)
    rows = list(sample_rows("generic", 2))
    run_real_import(client, csv_bytes(tmp_path, rows=rows))
    old_name = rows[0][1]  # the generic layout's second column is the first name
    rows[0] = [rows[0][0], "Aoife", *rows[0][2:]]
    job = run_real_import(client, csv_bytes(tmp_path, rows=rows))
    assert report_details(job) == [
        ("update", f"Prénom\u00a0: «\u00a0{old_name}\u00a0» → «\u00a0Aoife\u00a0»"),
        ("skip", "aucun changement depuis la dernière importation"),
    ]


def test_an_import_that_crashes_says_so_in_the_language_of_who_started_it(
    client, db, staff, tmp_path, monkeypatch
):
    staff.locale = "fr"
    db.session.commit()
    sign_in_session(client, staff)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "run_import", boom)
    assert upload(client, csv_bytes(tmp_path, count=1)).status_code == 302
    job = jobs.work_once()
    assert job.state == "failed"
    assert job.error.startswith("L’importation s’est arrêtée sur une erreur inattendue")


def test_an_api_error_title_and_detail_come_back_in_french(client):
    resp = client.get("/api/v1/me/requests", headers=FRENCH)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.json["title"] == "Authentification requise"
    assert resp.json["detail"] == (
        "Connectez-vous, ou envoyez un jeton\u00a0: «\u00a0Authorization: Bearer <token>\u00a0»."
    )
    english = client.get("/api/v1/me/requests")
    assert english.json["title"] == "Authentication needed"


def test_a_refusal_of_the_shared_kinds_has_a_french_title(client):
    # NotFound's title is careerlink/errors.py's; the API answers it in the language asked.
    resp = client.get("/api/v1/mentors/999999", headers=FRENCH)
    assert resp.status_code == 404
    assert resp.json["title"] == "Page introuvable"
    assert resp.json["detail"] == "Aucun mentor n’a cet identifiant."


def test_the_openapi_description_stays_english(client):
    doc = client.get("/api/v1/openapi.json", headers=FRENCH).json
    assert "`directory:read`: Search the mentor directory" in doc["info"]["description"]


def test_a_tokens_last_use_is_shown_in_the_persons_own_zone(client, db, student):
    sign_in_session(client, student)
    client.post("/account/api/tokens", data={"name": "planner", "scopes": ["directory:read"]})
    token = db.session.scalar(select(ApiToken))
    token.last_used_at = datetime(2026, 11, 28, 20, 20, tzinfo=UTC)
    db.session.commit()
    assert "28 Nov 2026, 20:20 UTC" in page(client, "/account/api")
    with transaction():
        account_services.set_preferences(student, language=None, time_zone="America/Toronto")
    html = page(client, "/account/api")
    assert "28 Nov 2026, 15:20 America/Toronto" in html
    assert "20:20" not in html


def test_today_is_the_offices_day(app, monkeypatch):
    # 20:00 UTC on 29 November is already 30 November in Auckland (UTC+13 in summer).
    monkeypatch.setattr(mentor_models, "utcnow", lambda: datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
    with app.app_context():
        assert today() == date(2026, 11, 29)
        monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Pacific/Auckland")
        assert today() == date(2026, 11, 30)


def test_away_and_full_follow_the_offices_calendar(app, db, make_mentor, monkeypatch):
    profile = make_mentor(away_until=date(2026, 11, 30))
    monkeypatch.setitem(app.config, "CAREERLINK_TIME_ZONE", "Pacific/Auckland")
    # The office's 30 November: the alumna is back; still away by the UTC calendar.
    assert profile.can_be_asked(date(2026, 11, 30)) == (True, None)
    assert profile.is_away(date(2026, 11, 29))
    # A request at 23:30 UTC on 30 November counts in the office's December.
    profile.record_request(now=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert profile.month_start == date(2026, 12, 1)


def test_a_french_flash_when_a_profile_is_saved_badly(client, make_mentor):
    profile = make_mentor()
    sign_in_session(client, profile.user)
    resp = client.post(
        f"/mentors/{profile.id}/edit",
        data={"headline": "", "industries": ["veterinary"], "monthly_capacity": "2"},
        headers=FRENCH,
    )
    html = resp.get_data(as_text=True)
    assert "Écrivez une accroche d’une ligne." in html


def test_a_mapping_upload_form_in_french(client, staff):
    sign_in_session(client, staff)
    resp = client.post(
        "/staff/imports/",
        data={"file": (io.BytesIO(b""), ""), "layout": "preset:generic"},
        content_type="multipart/form-data",
        headers=FRENCH,
    )
    assert "Choisissez le fichier à importer." in resp.get_data(as_text=True)


def test_the_demo_names_the_default_industries_in_french(app, db):
    from careerlink.i18n import speaking
    from careerlink.mentors.demo import load_mentor_demo

    with transaction():
        load_mentor_demo(count=1)
    vet = db.session.scalar(select(Industry).where(Industry.slug == "veterinary"))
    with speaking("fr"):
        assert vet.label == "Soins vétérinaires et animaliers"
    with speaking("en"):
        assert vet.label == "Veterinary and animal care"
