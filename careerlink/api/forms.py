"""Forms of the token and webhook pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careerlink.api.scopes import PERSONAL_SCOPES, SCOPES, SERVICE_SCOPES
from careerlink.api.webhooks.events import EVENT_TYPES

LIFETIMES = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes; the service reports unknown values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are refused by the service with a clear message, not here."""


class PersonalTokenForm(FlaskForm):
    """A new personal access token."""

    name = StringField(
        "Name",
        validators=[DataRequired("Give the token a name."), Length(max=100)],
        description="What uses it, e.g. “my course-planner script”.",
    )
    scopes = CheckboxesField(
        "What it may do", choices=[(s, f"{s}: {SCOPES[s]}") for s in PERSONAL_SCOPES]
    )
    days = SelectField("Expires after", choices=LIFETIMES, default="90")
    submit = SubmitField("Create token")


class ServiceTokenForm(FlaskForm):
    """A new service token, for a portal or a CRM."""

    name = StringField(
        "Name",
        validators=[DataRequired("Give the token a name."), Length(max=100)],
        description="The system that uses it, e.g. “campus portal”.",
    )
    scopes = CheckboxesField(
        "What it may do", choices=[(s, f"{s}: {SCOPES[s]}") for s in SERVICE_SCOPES]
    )
    days = SelectField(
        "Expires after", choices=[("", "Never (revoke it by hand)"), *LIFETIMES], default=""
    )
    submit = SubmitField("Create service token")


class WebhookForm(FlaskForm):
    """A new webhook endpoint."""

    url = StringField(
        "Endpoint address",
        validators=[DataRequired("Enter the https:// address to send events to."), Length(max=500)],
        description="An https:// address on a public host; events are POSTed there as JSON.",
    )
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    events = CheckboxesField(
        "Events", choices=[(name, f"{name}: {text}") for name, text in EVENT_TYPES.items()]
    )
    submit = SubmitField("Register endpoint")
