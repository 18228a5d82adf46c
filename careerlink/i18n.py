"""Languages, locale formats and time zones.

Which language a page speaks: the person's own choice (account page), else the one chosen in
the footer's menu in this browser, else the language the portal put in an embedded page's URL
(`/embed/lang=fr/...`), else the browser's Accept-Language, else the office default
(CAREERLINK_DEFAULT_LOCALE). An email speaks its recipients' language, whoever's action wrote
it (`speaking`, `recipients_preferences`).

Which clock: the person's own time zone when they set one, else the office's
(CAREERLINK_TIME_ZONE). Stored times stay UTC; only display converts.

Translations live in careerlink/translations/<lang>/LC_MESSAGES/messages.po; `make install`
compiles them to .mo, which is what "installed" means here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton, get_time_format, match_skeleton, parse_pattern
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, Domain, force_locale, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"
# Each language's own name for itself, as the language menu shows it.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
# An Accept-Language header longer than this is cut before it is parsed (no browser sends more).
ACCEPT_LANGUAGE_MAX = 512
# The session key of the language chosen in the footer's menu (by someone not signed in).
LANGUAGE_KEY = "lang"
# The environ key EmbedPrefix sets from an embedded URL's `lang=xx` segment.
EMBED_LANG_KEY = "careerlink.embed_lang"

babel = Babel(configure_jinja=False)


def installed_languages() -> list[str]:
    """English (the source language) and every language with a compiled catalogue."""
    found = sorted(
        path.parent.parent.name for path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.mo")
    )
    return [SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE)]


def offered_languages() -> list[str]:
    """The languages this office offers (CAREERLINK_LANGUAGES, checked at start-up)."""
    return current_app.config["CAREERLINK_LANGUAGES"]


def language_choices() -> list[tuple[str, str]]:
    """(code, own name) of each offered language, for a language menu."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in offered_languages()]


@lru_cache(maxsize=64)
def _parsed(identifier: str) -> Locale:
    """`Locale.parse`, once per identifier (a Locale is immutable; parsing one is not free)."""
    return Locale.parse(identifier)


def _locale_for(language: str) -> str:
    """The locale to format in for a language: the office default's region when it matches."""
    default = current_app.config["CAREERLINK_DEFAULT_LOCALE"]
    return default if _parsed(default).language == language else language


def usable_language(code: str | None) -> str | None:
    """`code` when it is an offered language (a removed one is simply not), else None."""
    if not code:
        return None
    code = code.strip().replace("-", "_").split("_", 1)[0].lower()
    return code if code in offered_languages() else None


def browser_language(header: str | None) -> str | None:
    """The offered language the Accept-Language header prefers, if any (bounded parse)."""
    if not header:
        return None
    offered = offered_languages()
    # By the browser's order of preference, a regional tag (fr-CA) matching its language.
    for tag, _quality in parse_accept_header(header[:ACCEPT_LANGUAGE_MAX], LanguageAccept):
        language = tag.replace("_", "-").split("-", 1)[0].lower()
        if language in offered:
            return language
    return None


def select_language() -> str:
    """The language of this request (see the module's docstring for the order)."""
    if has_request_context():
        from flask_login import current_user

        user = current_user._get_current_object() if current_user else None
        if user is not None and user.is_authenticated:
            chosen = usable_language(getattr(user, "locale", None))
            if chosen:
                return chosen
        chosen = usable_language(session.get(LANGUAGE_KEY))
        if chosen:
            return chosen
        portal = usable_language(request.environ.get(EMBED_LANG_KEY))
        if portal:
            return portal
        browser = browser_language(request.headers.get("Accept-Language"))
        if browser:
            return browser
    return default_language()


def select_locale() -> str:
    """Flask-Babel's locale selector: this request's language, formatted in its locale."""
    return _locale_for(select_language())


def usable_zone(name: str | None) -> ZoneInfo | None:
    """The zone named `name` when zoneinfo knows it (a stale stored name is ignored)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def office_zone() -> ZoneInfo:
    """The office's time zone (CAREERLINK_TIME_ZONE, checked when the app starts)."""
    return ZoneInfo(current_app.config["CAREERLINK_TIME_ZONE"])


def current_zone() -> ZoneInfo:
    """The zone times are shown in now: a forced one (an email's), the person's, the office's."""
    forced = g.get("_careerlink_zone") if g else None
    if forced is not None:
        return forced
    if has_request_context():
        from flask_login import current_user

        user = current_user._get_current_object() if current_user else None
        if user is not None and user.is_authenticated:
            own = usable_zone(getattr(user, "time_zone", None))
            if own is not None:
                return own
    return office_zone()


def current_language() -> str:
    """The language code (`en`, `fr`) of the current page or email."""
    locale = get_locale()
    return locale.language if locale is not None else SOURCE_LANGUAGE


def current_language_name() -> str:
    """The current language's own name (`Français`)."""
    code = current_language()
    return LANGUAGE_NAMES.get(code, code)


def email_language_name(user) -> str:
    """The own name of the language emails to `user` are written in (theirs, or the office's)."""
    code = usable_language(getattr(user, "locale", None)) or default_language()
    return LANGUAGE_NAMES.get(code, code)


def default_language() -> str:
    """The office default's language (`en` for en_GB)."""
    return _parsed(current_app.config["CAREERLINK_DEFAULT_LOCALE"]).language


def text_direction() -> str:
    """`rtl` or `ltr`, for the page's `dir` attribute."""
    locale = get_locale()
    return locale.text_direction if locale is not None else "ltr"


@contextmanager
def speaking(language: str | None, zone: str | ZoneInfo | None = None) -> Iterator[None]:
    """Render in `language` (an offered one, else the office default) and in `zone`."""
    code = usable_language(language) or default_language()
    tz = zone if isinstance(zone, ZoneInfo) else usable_zone(zone)
    previous = g.get("_careerlink_zone")
    g._careerlink_zone = tz or office_zone()
    try:
        with force_locale(_locale_for(code)):
            yield
    finally:
        g._careerlink_zone = previous


def recipients_preferences(addresses: Iterable[str]) -> tuple[str | None, str | None]:
    """(language, zone) that every one of these recipients shares, else None for each."""
    from sqlalchemy import func, select

    from careerlink.accounts.models import User
    from careerlink.extensions import db

    lowered = sorted({a.strip().lower() for a in addresses})
    rows = db.session.execute(
        select(User.locale, User.time_zone).where(func.lower(User.email).in_(lowered))
    ).all()
    if len(rows) != len(lowered):
        # Someone without an account (an outside address) gets the office's language and clock.
        rows.append((None, None))
    languages = {usable_language(row[0]) for row in rows}
    zones = {row[1] or None for row in rows}
    return (
        languages.pop() if len(languages) == 1 else None,
        zones.pop() if len(zones) == 1 else None,
    )


# --- formats ---------------------------------------------------------------------------------


def _locale() -> Locale:
    return get_locale() or _parsed(current_app.config["CAREERLINK_DEFAULT_LOCALE"])


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding a request's catalogue once per locale.

    Flask-Babel finds the catalogue anew for every string (the request's context, its locale,
    the locale's name, a cache key): a page of fifty rows asks hundreds of times. The one found
    is kept beside the locale it was found for, so a forced locale (an email written in its
    recipient's language in the middle of a request) or a refreshed one finds its own. Every
    request uses it (`Domain.as_default`), so `_`, lazy strings and templates all share it.
    """

    def get_translations(self):
        """The current locale's catalogue (Flask-Babel's own, looked up once per locale)."""
        context = g._get_current_object() if g else None
        babel_context = getattr(context, "_flask_babel", None)
        if babel_context is not None:
            kept = getattr(babel_context, "careerlink_translations", None)
            if kept is not None and kept[0] is getattr(babel_context, "babel_locale", None):
                return kept[1]
        found = super().get_translations()
        babel_context = getattr(context, "_flask_babel", None)
        if babel_context is not None:
            babel_context.careerlink_translations = (
                getattr(babel_context, "babel_locale", None),
                found,
            )
        return found


def zone_label(zone: ZoneInfo | None = None) -> str:
    """How a zone is named beside a time: its IANA name (`Europe/Dublin`), `UTC` for UTC."""
    key = (zone or current_zone()).key
    return "UTC" if key in ("UTC", "Etc/UTC") else key


def format_datetime(value: datetime | None, zone: bool = False) -> str:
    """A stored UTC time in the current zone and locale: `28 Nov 2026, 20:20` (+ zone name)."""
    return datetime_formatter(zone)(value)


def datetime_formatter(zone: bool = False) -> Callable[[datetime | None], str]:
    """`format_datetime` with the current zone and locale looked up once: for a list of times
    (a page of requests) rather than one."""
    tz = current_zone()
    locale = _locale()
    suffix = f" {zone_label(tz)}" if zone else ""

    def write(value: datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return _local_datetime(value, tz, locale) + suffix

    return write


@lru_cache(maxsize=4096)
def _local_datetime(value: datetime, tz: ZoneInfo, locale: Locale) -> str:
    """An aware time as `format_datetime` writes it in `tz` and `locale`, kept: the same
    times are shown again and again (a person's requests, the staff queue's rows), and Babel
    takes tens of microseconds for each."""
    day, clock, joined = _datetime_parts(locale)
    local = value.astimezone(tz)
    # What format_skeleton("yMMMd", local) and format_time(local, "short") write.
    return joined.format(
        clock.apply(local.timetz(), locale, reference_date=local.date()),
        day.apply(local, locale),
    )


@lru_cache(maxsize=32)
def _datetime_parts(locale: Locale):
    """`format_datetime`'s day pattern (the yMMMd skeleton), clock pattern (short) and how
    the locale joins them (medium): looked up once per locale, not for every time shown."""
    skeletons = locale.datetime_skeletons
    skeleton = "yMMMd" if "yMMMd" in skeletons else match_skeleton("yMMMd", skeletons) or "yMMMd"
    return (
        parse_pattern(skeletons[skeleton]),
        parse_pattern(get_time_format("short", locale=locale)),
        locale.datetime_formats["medium"],
    )


def format_time(value: datetime | None, zone: bool = False) -> str:
    """Only the clock time of a stored UTC time, in the current zone (`20:20`)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    tz = current_zone()
    text = babel_format_time(value.astimezone(tz), "short", locale=_locale())
    return f"{text} {zone_label(tz)}" if zone else text


def format_date(value: date | datetime | None, style: str = "long") -> str:
    """A date (`28 November 2026`; style `full` adds the weekday, `medium` abbreviates).

    A datetime is first moved to the current zone, so that its day is the local day. A plain
    date (a shadowing day, a closing date) is a calendar day and is never shifted.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(current_zone()).date()
    if style == "numeric":
        return format_skeleton("yMd", value, locale=_locale())
    return babel_format_date(value, style, locale=_locale())


def format_number(value: int | float | None) -> str:
    """A number with the locale's separators (`1,234` / `1 234`)."""
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())


def local_now() -> datetime:
    """Now, in the current zone."""
    return datetime.now(UTC).astimezone(current_zone())


def local_today() -> date:
    """Today's date in the current zone (the office's, or the person's own)."""
    return local_now().date()


# --- start-up ---------------------------------------------------------------------------------


def check_settings(config) -> None:
    """Refuse to start when a language setting names a language that is not installed."""
    from careerlink.paths import load_config_module

    LocaleConfigError = load_config_module().ConfigError  # noqa: N806 (the config's error type)
    installed = installed_languages()
    offered = config["CAREERLINK_LANGUAGES"] or installed
    missing = [code for code in offered if code not in installed]
    if missing:
        raise LocaleConfigError(
            f"CAREERLINK_LANGUAGES names {', '.join(missing)}, which is not installed "
            f"(installed: {', '.join(installed)}; run `make install` to compile the catalogues)"
        )
    try:
        default = Locale.parse(config["CAREERLINK_DEFAULT_LOCALE"])
    except (UnknownLocaleError, ValueError, TypeError):
        raise LocaleConfigError(
            "CAREERLINK_DEFAULT_LOCALE must be a locale such as en_GB or fr_CA, "
            f"got {config['CAREERLINK_DEFAULT_LOCALE']!r}"
        ) from None
    if default.language not in offered:
        raise LocaleConfigError(
            f"CAREERLINK_DEFAULT_LOCALE is {config['CAREERLINK_DEFAULT_LOCALE']!r}, whose language "
            f"is not offered (CAREERLINK_LANGUAGES: {', '.join(offered)})"
        )
    config["CAREERLINK_LANGUAGES"] = list(offered)


DOMAIN_EXTENSION = "careerlink_babel_domain"


def request_domain(app: Flask) -> RequestDomain:
    """The message domain every request of `app` uses (set up by `register_i18n`)."""
    return app.extensions[DOMAIN_EXTENSION]


def register_i18n(app: Flask) -> None:
    """Flask-Babel with CareerLink's selectors, and the format filters every template uses."""
    check_settings(app.config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["CAREERLINK_DEFAULT_LOCALE"]
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: current_zone().key,
    )
    domain = RequestDomain()
    app.extensions[DOMAIN_EXTENSION] = domain
    app.before_request(domain.as_default)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # `{% trans %}` blocks are whole sentences wrapped over lines: one space where they wrap.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Newstyle gettext (`_("%(name)s", name=…)`); the callables themselves are installed by
    # careerlink.web.templating (`template_gettext`), which knows how stored values are shown.
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.filters.update(
        datetime=format_datetime,
        date=format_date,
        time=format_time,
        number=format_number,
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        current_language_name=current_language_name,
        email_language_name=email_language_name,
        text_direction=text_direction,
        zone_label=zone_label,
        language_choices=language_choices,
    )
