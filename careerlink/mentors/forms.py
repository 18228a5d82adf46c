"""Profile forms (Flask-WTF, CSRF-protected); the rules themselves live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from careerlink.mentors.models import (
    BIO_MAX,
    INTRODUCTION_MAX,
    MAX_INDUSTRIES,
    OFFER_LABELS,
    SHADOWING_TEXT_MAX,
    Offer,
)
from careerlink.mentors.services import CAPACITY_MAX, SHADOWING_STUDENTS_MAX


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown values are reported by the service with a clear message, not here."""


class OptInForm(FlaskForm):
    """The explicit consent step before an alumnus is listed."""

    agree = BooleanField(_l("I agree to be listed and contacted through the career office"))
    submit = SubmitField(_l("Join the mentor directory"))


class MentorProfileForm(FlaskForm):
    """Everything an alumnus tells students about themselves."""

    headline = StringField(
        _l("Headline"),
        validators=[DataRequired(_l("Write a one-line headline.")), Length(max=160)],
        description=_l("One line, e.g. “Small-animal vet who loves talking to future vets”."),
    )
    employer = StringField(_l("Employer"), validators=[Length(max=160)])
    job_title = StringField(_l("Job title"), validators=[Length(max=160)])
    industries = CheckboxesField(
        _l("Industries"), description=_l("Choose 1 to %(n)d.", n=MAX_INDUSTRIES), coerce=str
    )
    city = StringField(_l("City"), validators=[Length(max=100)])
    region = StringField(_l("Region or state"), validators=[Length(max=100)])
    country = StringField(_l("Country"), validators=[Length(max=100)])
    open_to_remote = BooleanField(_l("Open to remote conversations (video or phone)"))
    class_year = IntegerField(
        _l("Class year"),
        validators=[Optional(), NumberRange(1900, 2100, _l("Enter a year such as 2012."))],
    )
    degree = StringField(_l("Degree"), validators=[Length(max=120)], description=_l("e.g. BSc, MA"))
    programme = StringField(_l("Programme"), validators=[Length(max=160)])
    bio = TextAreaField(
        _l("About you"),
        validators=[Length(max=BIO_MAX, message=_l("Keep it under %(n)d characters.", n=BIO_MAX))],
        description=_l(
            "Plain text, up to %(n)d characters. Never include a phone number.", n=BIO_MAX
        ),
    )
    tags = StringField(
        _l("Expertise and interests"),
        description=_l("Separate with commas, e.g. horses, data journalism, mergers."),
    )
    offers = CheckboxesField(
        _l("What you offer"), choices=[(o.value, OFFER_LABELS[o]) for o in Offer], coerce=str
    )
    shadowing_location = StringField(
        _l("Where a shadowing day takes place"), validators=[Length(max=200)]
    )
    shadowing_description = TextAreaField(
        _l("What a shadowing day looks like"), validators=[Length(max=SHADOWING_TEXT_MAX)]
    )
    shadowing_requirements = TextAreaField(
        _l("Requirements"),
        validators=[Length(max=SHADOWING_TEXT_MAX)],
        description=_l("e.g. photo ID, dress code, a confidentiality agreement."),
    )
    shadowing_max_students = IntegerField(
        _l("Students at once"),
        default=1,
        validators=[Optional(), NumberRange(1, SHADOWING_STUDENTS_MAX)],
    )
    monthly_capacity = IntegerField(
        _l("Requests a month"),
        default=2,
        validators=[
            InputRequired(_l("Say how many requests a month you can take.")),
            NumberRange(1, CAPACITY_MAX, _l("Choose between 1 and %(n)d.", n=CAPACITY_MAX)),
        ],
        description=_l("When this many requests reach you in a month, you show as full."),
    )
    accepting_requests = BooleanField(_l("Accepting new requests"), default=True)
    away_until = DateField(
        _l("Away until"),
        validators=[Optional()],
        description=_l("Leave empty when you are around."),
    )
    listed = BooleanField(_l("Show my profile in the directory"), default=True)
    linkedin_url = StringField(
        _l("LinkedIn profile"),
        validators=[Length(max=300)],
        description=_l("e.g. https://www.linkedin.com/in/your-name"),
    )
    submit = SubmitField(_l("Save profile"))


class RejectForm(FlaskForm):
    """Staff refuse a profile with a reason that is emailed to the alumnus."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why.")), Length(max=1000)],
        description=_l("Sent to the alumnus."),
    )
    submit = SubmitField(_l("Reject"))


class StudentProfileForm(FlaskForm):
    """The short profile alumni see when a request is relayed to them."""

    programme = StringField(_l("Programme"), validators=[Length(max=160)])
    class_year = IntegerField(
        _l("Class year"),
        validators=[Optional(), NumberRange(1900, 2100, _l("Enter a year such as 2027."))],
        description=_l("The year you graduate or graduated."),
    )
    is_graduate = BooleanField(_l("I have already graduated"))
    industries = CheckboxesField(
        _l("Industries you are curious about"),
        description=_l("Up to %(n)d.", n=MAX_INDUSTRIES),
        coerce=str,
    )
    introduction = TextAreaField(
        _l("A short introduction"),
        validators=[Length(max=INTRODUCTION_MAX)],
        description=_l(
            "Up to %(n)d characters: what you study, what you hope to learn.", n=INTRODUCTION_MAX
        ),
    )
    submit = SubmitField(_l("Save"))
