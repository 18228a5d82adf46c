"""The language menu every page's footer offers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField


class LanguageForm(FlaskForm):
    """Choose the language the pages are shown in (the choices are the offered languages).

    Sent by GET, without a token: it only changes how this browser's pages read.
    """

    class Meta:
        csrf = False

    language = SelectField(choices=[], validate_choice=True)
    next = HiddenField()
