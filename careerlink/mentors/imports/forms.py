"""Forms of the staff import pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
        _l("CSV or XLSX file"),
        validators=[FileRequired(_l("Choose the file to import."))],
        description=_l("An export from the CRM: CSV (comma, semicolon or tab) or XLSX."),
    )
    layout = SelectField(_l("Layout"), validators=[DataRequired(_l("Choose a layout."))])
    convert = BooleanField(_l("The file is in Windows-1252 (“ANSI”): convert it to UTF-8"))

    def set_choices(self, mappings) -> None:
        """The presets, the saved mappings, and "map the columns myself"."""
        self.layout.choices = [
            *[(f"preset:{name}", layout.label) for name, layout in PRESETS.items()],
            *[(f"mapping:{m.id}", _("Saved mapping: %(name)s", name=m.name)) for m in mappings],
            ("custom", _("Another layout: I will match the columns")),
        ]


def mapping_form(header: list[str], data=None) -> FlaskForm:
    """A form with one choice of column per field, for a file of this header."""
    choices = [(NOT_IN_FILE, _("(not in this file)")), *[(c, c) for c in header if c]]

    class MappingForm(FlaskForm):
        """The source's name, a column per field, and an optional name to save it under."""

        source = StringField(
            _l("Source system"),
            validators=[
                DataRequired(_l("Name the system the ids come from.")),
                Length(max=SOURCE_MAX),
            ],
            description=_l(
                "The ids of one source are matched with each other (for example “crm”)."
            ),
        )
        save_as = StringField(
            _l("Save this mapping as"),
            validators=[Length(max=80)],
            description=_l("Optional: a name to choose this mapping again for the next export."),
        )

    for name, label in FIELDS.items():
        text = _("%(field)s (required)", field=label) if name in REQUIRED else str(label)
        setattr(MappingForm, f"col_{name}", SelectField(text, choices=choices))
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
        _l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)]
    )
    headline = StringField(
        _l("Headline"),
        validators=[DataRequired(_l("Write a one-line headline.")), Length(max=160)],
        description=_l("One line students see first, e.g. “Vet surgeon at Riverside Clinic”."),
    )
    employer = StringField(_l("Employer"), validators=[Length(max=160)])
    job_title = StringField(_l("Job title"), validators=[Length(max=160)])
    industries = CheckboxesField(_l("Industries (up to three)"))
    city = StringField(_l("City"), validators=[Length(max=100)])
    country = StringField(_l("Country"), validators=[Length(max=100)])
    class_year = IntegerField(_l("Class year"), validators=[Optional()])
    degree = StringField(_l("Degree"), validators=[Length(max=120)])
    programme = StringField(_l("Programme"), validators=[Length(max=160)])
    linkedin_url = StringField(_l("LinkedIn profile (optional)"), validators=[Length(max=300)])
    agree = BooleanField(_l("I agree to be listed and contacted through the career office"))

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
        _l("Choose a password"),
        validators=[DataRequired(_l("Choose a password.")), Length(max=PASSWORD_MAX)],
        description=_l("At least %(n)d characters.", n=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )


class InviteForm(FlaskForm):
    """Staff pick records to invite (or invite all that match the filters)."""

    record_ids = SelectMultipleField(_l("Invite"), coerce=int, validate_choice=False)
    all_matching = BooleanField(_l("Every alumnus matching the filters who can be invited"))


class MapIndustryForm(FlaskForm):
    """One unknown industry value of an import and the CareerLink industry it stands for."""

    value = HiddenField(validators=[Length(max=120)])
    # Any slug is passed on: the service names what is wrong (unknown, retired, none chosen).
    industry = SelectField(_l("CareerLink industry"), validate_choice=False)
