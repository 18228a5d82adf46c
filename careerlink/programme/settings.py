"""Which programme settings exist, how each is checked, and the one accessor that reads them.

`value(name)` is the value in force: the administrator's (a row of careerlink_programme_settings)
or else the environment's (app.config, whose defaults are in config.py). Every reader of these
settings goes through it, so a change on the settings page applies without a deployment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formataddr, getaddresses
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from careerlink.errors import DomainError
from careerlink.extensions import db

# A long-running command (the mail worker's loop) re-reads the table this often.
CACHE_SECONDS = 30.0
SENDER_NAME = "CAREERLINK_SENDER_NAME"


@dataclass(frozen=True)
class Setting:
    """One editable setting: its config key, label, help, and bounds (text when no bounds)."""

    name: str
    # Lazy strings (marked with _l), read in the current language.
    label: str
    help: str
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 4000

    @property
    def is_number(self) -> bool:
        """A whole number (else a text)."""
        return self.minimum is not None

    def default(self) -> Any:
        """The environment's value (config.py's default when the variable is unset)."""
        if self.name == SENDER_NAME and not current_app.config[SENDER_NAME]:
            [(name, _address)] = getaddresses([current_app.config["MAIL_DEFAULT_SENDER"] or ""])
            return name
        return current_app.config[self.name]

    def parse(self, raw: str | None) -> Any:
        """The value from a form; DomainError naming the field when it is out of bounds."""
        raw = (raw or "").strip()
        if self.is_number:
            try:
                number = int(raw)
            except ValueError:
                number = None
            if number is None or not self.minimum <= number <= self.maximum:
                raise DomainError(
                    _(
                        "%(setting)s: a whole number from %(minimum)d to %(maximum)d.",
                        setting=self.label,
                        minimum=self.minimum,
                        maximum=self.maximum,
                    ),
                    field=self.name,
                )
            return number
        raw = shipped_source(raw)
        if self.name != SENDER_NAME and not raw:
            raise DomainError(
                _("%(setting)s cannot be empty.", setting=self.label), field=self.name
            )
        if len(raw) > self.max_length:
            raise DomainError(
                _(
                    "%(setting)s: at most %(num)d characters.",
                    setting=self.label,
                    num=self.max_length,
                ),
                field=self.name,
            )
        if self.name == SENDER_NAME and any(c in raw for c in '\r\n<>"@'):
            raise DomainError(
                _("%(setting)s: a plain name, without quotes, @, < or >.", setting=self.label),
                field=self.name,
            )
        return raw


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "CAREERLINK_MAX_OPEN_REQUESTS",
            _l("Open requests per student"),
            _l("How many requests a student may have open at once."),
            1,
            50,
        ),
        Setting(
            "CAREERLINK_RESPONSE_DAYS",
            _l("Answer window (days)"),
            _l("Days an alumnus has to answer a relayed request; the reminder goes at half of it."),
            2,
            60,
        ),
        Setting(
            "CAREERLINK_COMPLETE_AFTER_DAYS",
            _l("Completion and feedback (days)"),
            _l(
                "Days after an introduction (or a shadowing day) when the request completes and "
                "both sides are asked for feedback."
            ),
            1,
            365,
        ),
        Setting(
            "CAREERLINK_PAUSE_AFTER_EXPIRIES",
            _l("Pause after expiries"),
            _l("Requests in a row an alumnus may let expire before being paused (0: never)."),
            0,
            50,
        ),
        Setting(
            "CAREERLINK_PROFILE_REMIND_AFTER_DAYS",
            _l("Profile reminder (days)"),
            _l(
                "Days after which an alumnus is asked to confirm their profile; it is unlisted at "
                "the unlisting age unless confirmed."
            ),
            1,
            3649,
        ),
        Setting(
            "CAREERLINK_PROFILE_UNLIST_AFTER_DAYS",
            _l("Profile unlisting (days)"),
            _l(
                "Days after which an unconfirmed profile leaves the directory (more than the "
                "reminder)."
            ),
            2,
            3650,
        ),
        Setting(
            "CAREERLINK_CONDUCT_POLICY",
            _l("Conduct policy"),
            _l("The text a student acknowledges before asking."),
        ),
        Setting(
            "CAREERLINK_MENTOR_CONSENT_TEXT",
            _l("Mentor consent"),
            _l("The text an alumnus agrees to when joining the directory."),
        ),
        Setting(
            SENDER_NAME,
            _l("Sender name"),
            _l("The name emails come from (the address stays MAIL_DEFAULT_SENDER's)."),
            max_length=100,
        ),
    )
}


def _overrides() -> dict[str, str]:
    """The administrator's values, read once per app context (again after CACHE_SECONDS)."""
    cached = g.get("_careerlink_programme")
    now = time.monotonic()
    if cached is None or now - cached[0] > CACHE_SECONDS:
        from careerlink.programme.models import ProgrammeSetting

        rows = db.session.execute(select(ProgrammeSetting.name, ProgrammeSetting.value)).all()
        cached = (now, {name: text for name, text in rows})
        g._careerlink_programme = cached
    return cached[1]


def forget_cache() -> None:
    """Read the table again at the next `value()` (after a change)."""
    g.pop("_careerlink_programme", None)


def is_overridden(name: str) -> bool:
    """True when the administrator's value is in force, not the environment's."""
    return name in _overrides()


def value(name: str) -> Any:
    """The value in force of a programme setting (a whole number or a text)."""
    setting = SETTINGS[name]
    stored = _overrides().get(name)
    if stored is None:
        return setting.default()
    return int(stored) if setting.is_number else stored


def N_(text: str) -> str:  # noqa: N802 (gettext_noop, a name the extractor knows)
    """`text` itself, marked for the catalogue (translated where it is read, see `readable`)."""
    return text


# config.py's default conduct and consent texts, marked for the catalogue (config.py is not
# extracted); tests/test_programme_settings.py keeps the two copies equal.
SHIPPED_TEXTS = frozenset(
    {
        N_(
            "Alumni volunteer their time. Be courteous and punctual, keep what you learn about "
            "their workplace confidential, do not ask for a job directly, and tell the career "
            "office if anything goes wrong."
        ),
        N_(
            "I agree to be listed in the alumni mentor directory and to be contacted by students "
            "and graduates through the career office. The career office reviews every request "
            "before it reaches me, never shows my email address or phone number in the "
            "directory, and I can pause or opt out at any time."
        ),
    }
)


def shipped_source(text: str) -> str:
    """The shipped text whose translation in the current language `text` is (the settings page
    shows it so), else `text` itself."""
    for shipped in SHIPPED_TEXTS:
        if text == _(shipped):
            return shipped
    return text


def readable(name: str) -> Any:
    """`value(name)` as a reader sees it: a text CareerLink ships is in the reader's language;
    a text the office wrote itself is shown as written."""
    found = value(name)
    if isinstance(found, str) and found in SHIPPED_TEXTS:
        return _(found)
    return found


def sender() -> str:
    """The From of every email: the sender name in force and MAIL_DEFAULT_SENDER's address."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if not is_overridden(SENDER_NAME) and not current_app.config[SENDER_NAME]:
        return configured
    [(_name, address)] = getaddresses([configured or ""])
    chosen = value(SENDER_NAME)
    return formataddr((chosen, address)) if chosen else address
