"""Opening forms (Flask-WTF, CSRF-protected); the rules themselves live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
        _l("Title"),
        validators=[DataRequired(_l("Give the title.")), Length(max=TITLE_MAX)],
        description=_l("As on the posting, e.g. “Veterinary nurse (summer internship)”."),
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[DataRequired(_l("Give the organisation.")), Length(max=ORGANISATION_MAX)],
    )
    # The service checks the scheme (http/https only) and says so beside the field.
    url = URLField(
        _l("Link to the posting"),
        validators=[DataRequired(_l("Give the link to the posting.")), Length(max=URL_MAX)],
        description=_l("Starts with https:// or http://."),
    )
    location = StringField(
        _l("Location"),
        validators=[Length(max=LOCATION_MAX)],
        description=_l("City and region; leave empty if the work is fully remote."),
    )
    remote = BooleanField(_l("Remote work is possible"))
    industry = SelectField(_l("Industry"), validate_choice=False)
    closes_on = DateField(
        _l("Closing date"),
        validators=[DataRequired(_l("Give the closing date, e.g. 2027-03-31."))],
        description=_l("Today or later, within a year. Students stop seeing it after this day."),
    )
    description = TextAreaField(
        _l("Short description"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l(
            "What the job is and who should apply; at most %(n)d characters.", n=DESCRIPTION_MAX
        ),
    )
    submit = SubmitField(_l("Send to the career office"))

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
        _l("Note to the alumnus"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Sent with the decision; needed when you do not approve."),
    )
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Do not approve"))


class WithdrawForm(FlaskForm):
    """Take an opening down (staff may say why; the alumnus is told)."""

    note = TextAreaField(
        _l("Reason (sent to the alumnus)"), validators=[Optional(), Length(max=NOTE_MAX)]
    )
    submit = SubmitField(_l("Withdraw"))


class SubscriptionForm(FlaskForm):
    """The industries of a student's weekly digest; none chosen ends it."""

    industries = CheckboxesField(_l("Industries"), coerce=str)
    submit = SubmitField(_l("Save my digest"))
