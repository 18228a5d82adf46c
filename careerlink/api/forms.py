"""Forms of the token and webhook pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careerlink.api.scopes import PERSONAL_SCOPES, SCOPES, SERVICE_SCOPES
from careerlink.api.webhooks.events import EVENT_TYPES

LIFETIMES = [
    ("7", _l("7 days")),
    ("30", _l("30 days")),
    ("90", _l("90 days")),
    ("365", _l("1 year")),
]


def _scope_choices(scopes) -> list[tuple[str, str]]:
    """Each scope beside what it allows, in the page's language (SCOPES' texts are marked)."""
    return [(s, _l("%(scope)s: %(text)s", scope=s, text=_l(SCOPES[s]))) for s in scopes]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes; the service reports unknown values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are refused by the service with a clear message, not here."""


class PersonalTokenForm(FlaskForm):
    """A new personal access token."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=100)],
        description=_l("What uses it, e.g. “my course-planner script”."),
    )
    scopes = CheckboxesField(
        _l("What it may do"),
        choices=[
            (s, _l("%(scope)s: %(text)s", scope=s, text=_l(SCOPES[s]))) for s in PERSONAL_SCOPES
        ],
    )
    days = SelectField(_l("Expires after"), choices=LIFETIMES, default="90")
    submit = SubmitField(_l("Create token"))


class ServiceTokenForm(FlaskForm):
    """A new service token, for a portal or a CRM."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=100)],
        description=_l("The system that uses it, e.g. “campus portal”."),
    )
    scopes = CheckboxesField(
        _l("What it may do"),
        choices=[
            (s, _l("%(scope)s: %(text)s", scope=s, text=_l(SCOPES[s]))) for s in SERVICE_SCOPES
        ],
    )
    days = SelectField(
        _l("Expires after"), choices=[("", _l("Never (revoke it by hand)")), *LIFETIMES], default=""
    )
    submit = SubmitField(_l("Create service token"))


class WebhookForm(FlaskForm):
    """A new webhook endpoint."""

    url = StringField(
        _l("Endpoint address"),
        validators=[
            DataRequired(_l("Enter the https:// address to send events to.")),
            Length(max=500),
        ],
        description=_l("An https:// address on a public host; events are POSTed there as JSON."),
    )
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    events = CheckboxesField(
        _l("Events"),
        choices=[
            (name, _l("%(event)s: %(text)s", event=name, text=_l(text)))
            for name, text in EVENT_TYPES.items()
        ],
    )
    submit = SubmitField(_l("Register endpoint"))
