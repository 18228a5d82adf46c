"""Which language and clock a page or an email uses, and bad language settings and input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import app_config, sign_in_session

from careerlink import create_app
from careerlink.accounts import services as accounts
from careerlink.database import transaction
from careerlink.i18n import format_date, format_datetime, format_number, speaking
from careerlink.mail import enqueue
from careerlink.paths import load_config_module

cfg = load_config_module()
FRENCH_SKIP = 'href="#main">Aller au contenu</a>'
ENGLISH_SKIP = 'href="#main">Skip to content</a>'


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page).group(1)


# --- the page's language ------------------------------------------------------------------------


def test_english_by_default_with_the_lang_attribute(client):
    page = client.get("/").get_data(as_text=True)
    assert html_lang(page) == "en"
    assert ENGLISH_SKIP in page


def test_the_browser_s_language_is_used_when_offered(client):
    page = client.get("/", headers={"Accept-Language": "de-DE, fr-CA;q=0.8, en;q=0.5"}).get_data(
        as_text=True
    )
    assert html_lang(page) == "fr"
    assert FRENCH_SKIP in page


def test_a_language_not_offered_falls_back_to_the_office_default(client):
    page = client.get("/", headers={"Accept-Language": "de-DE, ja"}).get_data(as_text=True)
    assert html_lang(page) == "en"


@pytest.mark.parametrize(
    "header",
    ["fr;" * 2000, "x" * 5000, ",,,;q=abc,fr;q=", "\u00e9t\u00e9;q=1", "*" * 4999 + ",fr"],
)
def test_hostile_accept_language_headers_never_fail(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) in {"en", "fr"}


def test_an_overlong_header_is_cut_before_it_is_parsed(client):
    # "fr" after the first 512 characters is not read: the office default is used.
    header = "x-private;q=0.1," * 40 + "fr"
    assert len(header) > 512
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert html_lang(page) == "en"


def test_the_footer_menu_keeps_a_visitor_s_choice_in_the_session(client):
    response = client.get(
        "/language", query_string={"language": "fr", "next": "/mentors?industry=x"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/mentors?industry=x"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "fr"


def test_the_footer_menu_comes_back_to_the_page_it_was_sent_from(client):
    page = client.get("/mentors?q=vet&industry=x", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/mentors?q=vet&amp;industry=x">' in html
    response = client.get(
        "/language", query_string={"language": "fr", "next": "/mentors?q=vet&industry=x"}
    )
    assert response.headers["Location"] == "/mentors?q=vet&industry=x"


@pytest.mark.parametrize(
    "data",
    [{"language": "de", "next": "/"}, {"language": "", "next": "/"}, {"next": "/"}],
)
def test_the_footer_menu_refuses_a_language_not_offered(client, data):
    assert client.get("/language", query_string=data).status_code == 400


def test_the_footer_menu_never_redirects_off_site(client):
    response = client.get("/language", query_string={"language": "fr", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_a_signed_in_person_s_own_choice_wins_over_browser_and_menu(client, db, student):
    with transaction():
        accounts.set_preferences(student, language="fr", time_zone=None)
    sign_in_session(client, student)
    client.get("/language", query_string={"language": "en", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "fr"
    assert '<a href="/account/preferences">Langue et fuseau horaire</a>' in page


def test_a_language_later_removed_is_ignored_not_an_error(app, client, db, student, monkeypatch):
    with transaction():
        accounts.set_preferences(student, language="fr", time_zone="Europe/Paris")
    monkeypatch.setitem(app.config, "CAREERLINK_LANGUAGES", ["en"])
    sign_in_session(client, student)
    response = client.get("/account")
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "en"


def test_the_preferences_page_saves_language_and_zone(client, db, student):
    sign_in_session(client, student)
    response = client.post(
        "/account/preferences", data={"language": "fr", "time_zone": "America/Toronto"}
    )
    assert response.status_code == 302
    db.session.refresh(student)
    assert (student.locale, student.time_zone) == ("fr", "America/Toronto")
    page = client.get("/account").get_data(as_text=True)
    assert "Pages en Français, courriels en Français, heures en America/Toronto." in page


@pytest.mark.parametrize(
    "data",
    [
        {"language": "xx", "time_zone": ""},
        {"language": "", "time_zone": "Mars/Olympus_Mons"},
        {"language": "fr", "time_zone": "../../etc/passwd"},
    ],
)
def test_the_preferences_page_refuses_unknown_values(client, db, student, data):
    sign_in_session(client, student)
    response = client.post("/account/preferences", data=data)
    assert response.status_code == 200
    db.session.refresh(student)
    assert (student.locale, student.time_zone) == (None, None)


def test_the_service_refuses_unknown_values(db, student):
    with pytest.raises(accounts.DomainError, match="That time zone is not known"):
        accounts.set_preferences(student, language=None, time_zone="Nowhere/Atlantis")
    with pytest.raises(accounts.DomainError, match="That language is not offered here"):
        accounts.set_preferences(student, language="tlh", time_zone=None)


# --- embedded pages: the portal tells the language ---------------------------------------------


def test_the_portal_tells_an_embedded_page_its_language_and_links_keep_it(client):
    page = client.get("/embed/lang=fr/mentors").get_data(as_text=True)
    assert html_lang(page) == "fr"
    assert 'href="/embed/lang=fr/mentors' in page


def test_the_lang_segment_goes_with_a_theme(client):
    page = client.get("/embed/lang=fr/theme=primary:0b5394/mentors").get_data(as_text=True)
    assert html_lang(page) == "fr"
    assert "/embed/lang=fr/theme=primary:0b5394/theme.css" in page


@pytest.mark.parametrize("segment", ["lang=de", "lang=<script>", "lang=", "lang=frfrfr"])
def test_an_unusable_portal_language_is_ignored(client, segment):
    response = client.get(f"/embed/{segment}/mentors")
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "en"


# --- formats and zones --------------------------------------------------------------------------

STAMP = datetime(2026, 7, 28, 20, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "language,zone,expected",
    [
        ("en", "UTC", "28 Jul 2026, 20:05 UTC"),
        ("en", "Europe/Dublin", "28 Jul 2026, 21:05 Europe/Dublin"),
        ("fr", "America/Toronto", "28 juil. 2026, 16:05 America/Toronto"),
        ("fr", "Australia/Sydney", "29 juil. 2026, 06:05 Australia/Sydney"),
    ],
)
def test_times_are_shown_in_the_zone_and_locale(app, language, zone, expected):
    with app.test_request_context("/"), speaking(language, zone):
        assert format_datetime(STAMP, zone=True) == expected


def test_a_time_shown_again_is_written_for_its_own_zone_and_locale(app):
    """Written times are kept (`i18n._local_datetime`): by instant, zone and locale."""
    same_instant = STAMP.astimezone(ZoneInfo("Asia/Tokyo"))
    for language, zone, expected in [
        ("en", "Europe/Dublin", "28 Jul 2026, 21:05"),
        ("fr", "Europe/Dublin", "28 juil. 2026, 21:05"),
        ("en", "Australia/Sydney", "29 Jul 2026, 06:05"),
        ("en", "Europe/Dublin", "28 Jul 2026, 21:05"),
    ]:
        with app.test_request_context("/"), speaking(language, zone):
            assert [format_datetime(STAMP), format_datetime(same_instant)] == [expected] * 2


def test_a_date_is_a_calendar_day_and_never_shifted(app):
    with app.test_request_context("/"), speaking("fr", "Pacific/Kiritimati"):
        assert format_date(date(2026, 12, 5), "full") == "samedi 5 décembre 2026"
        # A stored time's day is the local day: 20:05 UTC is the next morning in Kiritimati.
        assert format_date(STAMP) == "29 juillet 2026"


def test_numbers_use_the_locale_s_separators(app):
    with app.test_request_context("/"):
        with speaking("en"):
            assert format_number(12345) == "12,345"
        with speaking("fr"):
            assert format_number(12345) == "12\u202f345"


def test_the_person_s_own_zone_is_used_on_their_pages(app, client, db, student):
    with transaction():
        accounts.set_preferences(student, language=None, time_zone="Asia/Kolkata")
    sign_in_session(client, student)
    page = client.get("/account").get_data(as_text=True)
    assert "times in Asia/Kolkata." in page


# --- emails speak their recipient's language ----------------------------------------------------


def test_an_email_is_written_in_its_recipient_s_language(app, db, student, alumna):
    with transaction():
        accounts.set_preferences(student, language="fr", time_zone=None)
    with app.test_request_context("/", headers={"Accept-Language": "en"}), speaking("en"):
        row = enqueue("password_changed", "user", student.email, {"user": student})
        other = enqueue("password_changed", "user", alumna.email, {"user": alumna})
    assert row.subject == "Le mot de passe de votre compte CareerLink a été changé"
    assert 'lang="fr"' in row.body_html
    assert other.subject == "Your CareerLink password was changed"


def test_a_shared_email_uses_the_office_language_when_recipients_differ(app, db, student, alumna):
    with transaction():
        accounts.set_preferences(student, language="fr", time_zone=None)
    with app.app_context():
        row = enqueue("password_changed", "user", [student.email, alumna.email], {"user": student})
    assert row.subject == "Your CareerLink password was changed"


# --- settings -----------------------------------------------------------------------------------


def test_the_default_locale_and_languages_come_from_the_environment():
    config = cfg.Config({"CAREERLINK_DEFAULT_LOCALE": "fr_CA", "CAREERLINK_LANGUAGES": "fr, EN"})
    assert (config.CAREERLINK_DEFAULT_LOCALE, config.CAREERLINK_LANGUAGES) == (
        "fr_CA",
        ["fr", "en"],
    )


@pytest.mark.parametrize(
    "settings,message",
    [
        (
            {"CAREERLINK_LANGUAGES": "en,de"},
            "CAREERLINK_LANGUAGES names de, which is not installed",
        ),
        ({"CAREERLINK_DEFAULT_LOCALE": "xx_YY"}, "CAREERLINK_DEFAULT_LOCALE must be a locale"),
        (
            {"CAREERLINK_DEFAULT_LOCALE": "fr_FR", "CAREERLINK_LANGUAGES": "en"},
            "CAREERLINK_DEFAULT_LOCALE is 'fr_FR', whose language is not offered",
        ),
    ],
)
def test_a_language_setting_naming_nothing_installed_stops_the_app(
    database, tmp_path, settings, message
):
    config = app_config(database, tmp_path)
    for name, value in settings.items():
        config[name] = (
            [c.strip() for c in value.split(",")] if name == "CAREERLINK_LANGUAGES" else value
        )
    with pytest.raises(cfg.ConfigError, match=re.escape(message)):
        create_app(config)


def test_the_command_line_speaks_the_office_default_language(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CAREERLINK_DEFAULT_LOCALE", "fr_FR")
    result = app.test_cli_runner().invoke(args=["careerlink", "alumni", "unmapped-industries"])
    assert result.exit_code == 0, result.output
    assert result.output == "chaque valeur de secteur est associée\n"


def test_a_request_finds_each_locales_catalogue_once_and_a_forced_one_its_own(app, monkeypatch):
    """The request's catalogue is kept per locale: a forced language (an email written in the
    middle of a page) gets its own, and the page's comes back after it."""
    import flask_babel
    from flask import render_template_string
    from flask_babel import get_domain, gettext, lazy_gettext

    from careerlink.i18n import RequestDomain

    lookups = []
    found = flask_babel.Domain.get_translations

    def counted(self):
        lookups.append(str(flask_babel.get_locale()))
        return found(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    template = "{{ _('Your account') }} {{ _('Your account') }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        app.preprocess_request()
        assert isinstance(get_domain(), RequestDomain)
        assert gettext("Your account") == "Your account"
        assert render_template_string(template) == "Your account Your account"
        with speaking("fr"):
            assert gettext("Your account") == "Votre compte"
            assert str(lazy_gettext("Your account")) == "Votre compte"
            assert render_template_string(template) == "Votre compte Votre compte"
        assert gettext("Your account") == "Your account"
        assert render_template_string(template) == "Your account Your account"
    # Once for the page's locale, once for the forced one, once for the page's again.
    assert lookups == ["en_GB", "fr", "en_GB"]


@pytest.mark.parametrize("locale", ["en_GB", "en_US", "fr", "fr_CA", "de", "ja", "ar"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Dublin", "America/Toronto", "Asia/Kolkata"])
def test_a_time_is_written_as_babel_writes_it_with_the_locales_patterns_found_once(
    app, locale, zone
):
    """format_datetime keeps each locale's patterns; what it writes is what Babel's own
    skeleton (yMMMd) and short time write, joined by the locale's medium format."""
    from zoneinfo import ZoneInfo

    from babel import Locale
    from babel.dates import format_skeleton
    from babel.dates import format_time as babel_format_time
    from flask_babel import force_locale

    times = [
        datetime(2026, 11, 28, 20, 20, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # Dublin's clocks go forward at 01:00
        datetime(2026, 1, 1, 4, 30, tzinfo=UTC),  # the previous day in Toronto
        datetime(2027, 7, 4, 12, 0),  # naive: UTC
    ]
    with app.test_request_context("/"), speaking(None, zone), force_locale(locale):
        parsed = Locale.parse(locale)
        for value in times:
            local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(
                ZoneInfo(zone)
            )
            expected = parsed.datetime_formats["medium"].format(
                babel_format_time(local, "short", locale=parsed),
                format_skeleton("yMMMd", local, locale=parsed),
            )
            assert format_datetime(value) == expected
            assert format_datetime(value, zone=True) == f"{expected} {zone}"
