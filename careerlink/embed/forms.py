"""The frame's form that redeems a hand-off code (CSRF-protected like every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class ExchangeForm(FlaskForm):
    """The code the sign-in window handed over."""

    code = HiddenField(validators=[DataRequired(), Length(max=500)])
