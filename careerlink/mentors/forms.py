"""Profile forms (Flask-WTF, CSRF-protected); the rules themselves live in services."""

from __future__ import annotations

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

    agree = BooleanField("I agree to be listed and contacted through the career office")
    submit = SubmitField("Join the mentor directory")


class MentorProfileForm(FlaskForm):
    """Everything an alumnus tells students about themselves."""

    headline = StringField(
        "Headline",
        validators=[DataRequired("Write a one-line headline."), Length(max=160)],
        description="One line, e.g. “Small-animal vet who loves talking to future vets”.",
    )
    employer = StringField("Employer", validators=[Length(max=160)])
    job_title = StringField("Job title", validators=[Length(max=160)])
    industries = CheckboxesField(
        "Industries", description=f"Choose 1 to {MAX_INDUSTRIES}.", coerce=str
    )
    city = StringField("City", validators=[Length(max=100)])
    region = StringField("Region or state", validators=[Length(max=100)])
    country = StringField("Country", validators=[Length(max=100)])
    open_to_remote = BooleanField("Open to remote conversations (video or phone)")
    class_year = IntegerField(
        "Class year",
        validators=[Optional(), NumberRange(1900, 2100, "Enter a year such as 2012.")],
    )
    degree = StringField("Degree", validators=[Length(max=120)], description="e.g. BSc, MA")
    programme = StringField("Programme", validators=[Length(max=160)])
    bio = TextAreaField(
        "About you",
        validators=[Length(max=BIO_MAX, message=f"Keep it under {BIO_MAX} characters.")],
        description=f"Plain text, up to {BIO_MAX} characters. Never include a phone number.",
    )
    tags = StringField(
        "Expertise and interests",
        description="Separate with commas, e.g. horses, data journalism, mergers.",
    )
    offers = CheckboxesField(
        "What you offer", choices=[(o.value, OFFER_LABELS[o]) for o in Offer], coerce=str
    )
    shadowing_location = StringField(
        "Where a shadowing day takes place", validators=[Length(max=200)]
    )
    shadowing_description = TextAreaField(
        "What a shadowing day looks like", validators=[Length(max=SHADOWING_TEXT_MAX)]
    )
    shadowing_requirements = TextAreaField(
        "Requirements",
        validators=[Length(max=SHADOWING_TEXT_MAX)],
        description="e.g. photo ID, dress code, a confidentiality agreement.",
    )
    shadowing_max_students = IntegerField(
        "Students at once",
        default=1,
        validators=[Optional(), NumberRange(1, SHADOWING_STUDENTS_MAX)],
    )
    monthly_capacity = IntegerField(
        "Requests a month",
        default=2,
        validators=[
            InputRequired("Say how many requests a month you can take."),
            NumberRange(1, CAPACITY_MAX, f"Choose between 1 and {CAPACITY_MAX}."),
        ],
        description="When this many requests reach you in a month, you show as full.",
    )
    accepting_requests = BooleanField("Accepting new requests", default=True)
    away_until = DateField(
        "Away until", validators=[Optional()], description="Leave empty when you are around."
    )
    listed = BooleanField("Show my profile in the directory", default=True)
    linkedin_url = StringField(
        "LinkedIn profile",
        validators=[Length(max=300)],
        description="e.g. https://www.linkedin.com/in/your-name",
    )
    submit = SubmitField("Save profile")


class RejectForm(FlaskForm):
    """Staff refuse a profile with a reason that is emailed to the alumnus."""

    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Say why."), Length(max=1000)],
        description="Sent to the alumnus.",
    )
    submit = SubmitField("Reject")


class StudentProfileForm(FlaskForm):
    """The short profile alumni see when a request is relayed to them."""

    programme = StringField("Programme", validators=[Length(max=160)])
    class_year = IntegerField(
        "Class year",
        validators=[Optional(), NumberRange(1900, 2100, "Enter a year such as 2027.")],
        description="The year you graduate or graduated.",
    )
    is_graduate = BooleanField("I have already graduated")
    industries = CheckboxesField(
        "Industries you are curious about", description=f"Up to {MAX_INDUSTRIES}.", coerce=str
    )
    introduction = TextAreaField(
        "A short introduction",
        validators=[Length(max=INTRODUCTION_MAX)],
        description=f"Up to {INTRODUCTION_MAX} characters: what you study, what you hope to learn.",
    )
    submit = SubmitField("Save")
