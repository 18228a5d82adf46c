"""Forms of the staff import pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from careerlink.accounts.passwords import MAX_LENGTH as PASSWORD_MAX
from careerlink.accounts.passwords import MIN_LENGTH as PASSWORD_MIN
from careerlink.mentors.forms import CheckboxesField
from careerlink.mentors.imports.presets import FIELDS, PRESETS, REQUIRED, SOURCE_MAX

NOT_IN_FILE = ""


class UploadForm(FlaskForm):
    """A file and the layout to read it with."""

    file = FileField(
        "CSV or XLSX file",
        validators=[FileRequired("Choose the file to import.")],
        description="An export from the CRM: CSV (comma, semicolon or tab) or XLSX.",
    )
    layout = SelectField("Layout", validators=[DataRequired("Choose a layout.")])
    convert = BooleanField("The file is in Windows-1252 (“ANSI”): convert it to UTF-8")

    def set_choices(self, mappings) -> None:
        """The presets, the saved mappings, and "map the columns myself"."""
        self.layout.choices = [
            *[(f"preset:{name}", layout.label) for name, layout in PRESETS.items()],
            *[(f"mapping:{m.id}", f"Saved mapping: {m.name}") for m in mappings],
            ("custom", "Another layout: I will match the columns"),
        ]


def mapping_form(header: list[str], data=None) -> FlaskForm:
    """A form with one choice of column per field, for a file of this header."""
    choices = [(NOT_IN_FILE, "(not in this file)"), *[(c, c) for c in header if c]]

    class MappingForm(FlaskForm):
        """The source's name, a column per field, and an optional name to save it under."""

        source = StringField(
            "Source system",
            validators=[DataRequired("Name the system the ids come from."), Length(max=SOURCE_MAX)],
            description="The ids of one source are matched with each other (for example “crm”).",
        )
        save_as = StringField(
            "Save this mapping as",
            validators=[Length(max=80)],
            description="Optional: a name to choose this mapping again for the next export.",
        )

    for name, label in FIELDS.items():
        required = " (required)" if name in REQUIRED else ""
        setattr(MappingForm, f"col_{name}", SelectField(f"{label}{required}", choices=choices))
    form = MappingForm(formdata=data) if data is not None else MappingForm()
    return form


def chosen_columns(form) -> dict[str, str]:
    """Field -> the column the staff member chose (empty when not in the file)."""
    return {name: getattr(form, f"col_{name}").data or "" for name in FIELDS}


def guess_columns(form, header: list[str]) -> None:
    """Pre-select the column whose name is the field's name or label (a first guess)."""
    from careerlink.mentors.imports.reading import normalize_header

    by_name = {normalize_header(c): c for c in header}
    for name, label in FIELDS.items():
        select = getattr(form, f"col_{name}")
        for candidate in (name, name.replace("_", " "), label):
            if normalize_header(candidate) in by_name:
                select.data = by_name[normalize_header(candidate)]
                break


class AcceptSignedInForm(FlaskForm):
    """The invitation page for someone signed in with its address: the profile, the consent."""

    display_name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=120)]
    )
    headline = StringField(
        "Headline",
        validators=[DataRequired("Write a one-line headline."), Length(max=160)],
        description="One line students see first, e.g. “Vet surgeon at Riverside Clinic”.",
    )
    employer = StringField("Employer", validators=[Length(max=160)])
    job_title = StringField("Job title", validators=[Length(max=160)])
    industries = CheckboxesField("Industries (up to three)")
    city = StringField("City", validators=[Length(max=100)])
    country = StringField("Country", validators=[Length(max=100)])
    class_year = IntegerField("Class year", validators=[Optional()])
    degree = StringField("Degree", validators=[Length(max=120)])
    programme = StringField("Programme", validators=[Length(max=160)])
    linkedin_url = StringField("LinkedIn profile (optional)", validators=[Length(max=300)])
    agree = BooleanField("I agree to be listed and contacted through the career office")

    def profile_data(self) -> dict:
        """The profile fields, as mentors.services.save_profile reads them."""
        names = (
            "display_name",
            "headline",
            "employer",
            "job_title",
            "industries",
            "city",
            "country",
            "class_year",
            "degree",
            "programme",
            "linkedin_url",
        )
        return {name: getattr(self, name).data for name in names}


class AcceptInvitationForm(AcceptSignedInForm):
    """The invitation page: the profile as imported (to correct), a password, the consent."""

    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."), Length(max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters.",
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )


class InviteForm(FlaskForm):
    """Staff pick records to invite (or invite all that match the filters)."""

    record_ids = SelectMultipleField("Invite", coerce=int, validate_choice=False)
    all_matching = BooleanField("Every alumnus matching the filters who can be invited")


class MapIndustryForm(FlaskForm):
    """One unknown industry value of an import and the CareerLink industry it stands for."""

    value = HiddenField(validators=[Length(max=120)])
    # Any slug is passed on: the service names what is wrong (unknown, retired, none chosen).
    industry = SelectField("CareerLink industry", validate_choice=False)
