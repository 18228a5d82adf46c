"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from careerlink.staff.admin.services import NAME_MAX


class IndustryNameForm(FlaskForm):
    """Add an industry, or rename one."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Write the industry's name.")), Length(max=NAME_MAX)],
    )
    submit = SubmitField(_l("Save"))


class MergeForm(FlaskForm):
    """Merge one industry into another."""

    source = SelectField(_l("Merge this industry"), coerce=int, validate_choice=False)
    target = SelectField(_l("into this one"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Merge"))


class ActiveForm(FlaskForm):
    """Switch something off or on again (an industry, an account)."""

    active = HiddenField()
    submit = SubmitField(_l("Confirm"))


class IndustryTranslationsForm(FlaskForm):
    """An industry's names in the other offered languages (fields `name_<code>`, read by the
    view for the languages offered, since they depend on the configuration)."""

    submit = SubmitField(_l("Save"))


class RoleForm(FlaskForm):
    """Grant or revoke the staff or admin role."""

    role = HiddenField()
    submit = SubmitField(_l("Confirm"))
