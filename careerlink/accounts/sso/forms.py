"""Campus sign-in forms (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from careerlink.accounts.passwords import MAX_LENGTH


class LinkPasswordForm(FlaskForm):
    """Prove an existing account is yours with its password, once, to link a provider."""

    password = PasswordField(
        _l("Your CareerLink password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
    )
    submit = SubmitField(_l("Link and sign in"))
