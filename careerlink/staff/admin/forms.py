"""Administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from careerlink.staff.admin.services import NAME_MAX


class IndustryNameForm(FlaskForm):
    """Add an industry, or rename one."""

    name = StringField(
        "Name", validators=[DataRequired("Write the industry's name."), Length(max=NAME_MAX)]
    )
    submit = SubmitField("Save")


class MergeForm(FlaskForm):
    """Merge one industry into another."""

    source = SelectField("Merge this industry", coerce=int, validate_choice=False)
    target = SelectField("into this one", coerce=int, validate_choice=False)
    submit = SubmitField("Merge")


class ActiveForm(FlaskForm):
    """Switch something off or on again (an industry, an account)."""

    active = HiddenField()
    submit = SubmitField("Confirm")


class RoleForm(FlaskForm):
    """Grant or revoke the staff or admin role."""

    role = HiddenField()
    submit = SubmitField("Confirm")
