"""Opening forms (Flask-WTF, CSRF-protected); the rules themselves live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional

from careerlink.mentors.forms import CheckboxesField
from careerlink.openings.services import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    NOTE_MAX,
    ORGANISATION_MAX,
    TITLE_MAX,
    URL_MAX,
)


class OpeningForm(FlaskForm):
    """What an alumnus says about an opening at their organisation."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give the title."), Length(max=TITLE_MAX)],
        description="As on the posting, e.g. “Veterinary nurse (summer internship)”.",
    )
    organisation = StringField(
        "Organisation",
        validators=[DataRequired("Give the organisation."), Length(max=ORGANISATION_MAX)],
    )
    # The service checks the scheme (http/https only) and says so beside the field.
    url = URLField(
        "Link to the posting",
        validators=[DataRequired("Give the link to the posting."), Length(max=URL_MAX)],
        description="Starts with https:// or http://.",
    )
    location = StringField(
        "Location",
        validators=[Length(max=LOCATION_MAX)],
        description="City and region; leave empty if the work is fully remote.",
    )
    remote = BooleanField("Remote work is possible")
    industry = SelectField("Industry", validate_choice=False)
    closes_on = DateField(
        "Closing date",
        validators=[DataRequired("Give the closing date, e.g. 2027-03-31.")],
        description="Today or later, within a year. Students stop seeing it after this day.",
    )
    description = TextAreaField(
        "Short description",
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=f"What the job is and who should apply; at most {DESCRIPTION_MAX} characters.",
    )
    submit = SubmitField("Send to the career office")

    def opening_data(self) -> dict:
        """The fields as the service takes them."""
        return {
            "title": self.title.data,
            "organisation": self.organisation.data,
            "url": self.url.data,
            "location": self.location.data,
            "remote": bool(self.remote.data),
            "industry": self.industry.data,
            "closes_on": self.closes_on.data,
            "description": self.description.data,
        }


class ReviewForm(FlaskForm):
    """Staff approve or refuse an opening, with a note to the alumnus."""

    note = TextAreaField(
        "Note to the alumnus",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Sent with the decision; needed when you do not approve.",
    )
    approve = SubmitField("Approve")
    reject = SubmitField("Do not approve")


class WithdrawForm(FlaskForm):
    """Take an opening down (staff may say why; the alumnus is told)."""

    note = TextAreaField(
        "Reason (sent to the alumnus)", validators=[Optional(), Length(max=NOTE_MAX)]
    )
    submit = SubmitField("Withdraw")


class SubscriptionForm(FlaskForm):
    """The industries of a student's weekly digest; none chosen ends it."""

    industries = CheckboxesField("Industries", coerce=str)
    submit = SubmitField("Save my digest")
