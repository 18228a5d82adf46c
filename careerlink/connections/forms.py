"""Request forms (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from careerlink.connections.models import OUTCOME_LABELS, Outcome
from careerlink.connections.settings import MESSAGE_MAX, MESSAGE_MIN
from careerlink.connections.slots import (
    LINK_MAX,
    MAX_MINUTES,
    MAX_SLOTS,
    MIN_MINUTES,
    PLACE_MAX,
    MeetingFormat,
)

MINUTES_HINT = _l("Between %(least)d and %(most)d minutes.", least=MIN_MINUTES, most=MAX_MINUTES)


class SlotRow(Form):
    """One proposed interview time: a date, a start time (office time) and a length."""

    day = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    minutes = IntegerField(
        _l("Minutes"),
        validators=[Optional(), NumberRange(MIN_MINUTES, MAX_MINUTES, MINUTES_HINT)],
        description=MINUTES_HINT,
    )

    def as_tuple(self) -> tuple:
        """(date, time, minutes) for the service."""
        return (self.day.data, self.start.data, self.minutes.data)


MESSAGE_HINT = _l(
    "Between %(least)d and %(most)d characters. For example: \u201cI am a second-year "
    "biology student hoping to work in veterinary medicine. I have volunteered at an animal "
    "shelter for two years and would be grateful if you could introduce me to the practice "
    "manager at your clinic, where I hope to apply for a summer placement.\u201d",
    least=MESSAGE_MIN,
    most=MESSAGE_MAX,
)


class AskForm(FlaskForm):
    """A student's request to an alumnus."""

    hopes = TextAreaField(
        _l("What do you hope to learn or achieve?"),
        validators=[DataRequired(_l("Say what you hope to learn.")), Length(max=1000)],
        description=_l("One or two sentences: the alumnus reads this first."),
    )
    why_alumnus = TextAreaField(
        _l("Why this alumnus?"),
        validators=[DataRequired(_l("Say why you are asking this alumnus.")), Length(max=1000)],
        description=_l("What in their experience, employer or interests made you choose them."),
    )
    message = TextAreaField(
        _l("Your message to the alumnus"),
        validators=[
            DataRequired(_l("Write your message.")),
            Length(
                min=MESSAGE_MIN,
                max=MESSAGE_MAX,
                message=_l(
                    "Write between %(least)d and %(most)d characters.",
                    least=MESSAGE_MIN,
                    most=MESSAGE_MAX,
                ),
            ),
        ],
        description=MESSAGE_HINT,
    )
    date1 = DateField(_l("First proposed date"), validators=[Optional()])
    date2 = DateField(_l("Second proposed date"), validators=[Optional()])
    date3 = DateField(_l("Third proposed date (optional)"), validators=[Optional()])
    # An informational interview: two to five times, and how to talk.
    slots = FieldList(FormField(SlotRow), min_entries=MAX_SLOTS, max_entries=MAX_SLOTS)
    meeting_format = RadioField(
        _l("How would you talk?"),
        choices=[(f.value, f.label) for f in MeetingFormat],
        validators=[Optional()],
    )
    meeting_place = StringField(
        _l("Where (in person only)"),
        validators=[Optional(), Length(max=PLACE_MAX)],
        description=_l("For example a café near the alumnus's office, or their office."),
    )
    # A referral: one of the alumnus's open openings, or the address of a posting.
    opening = SelectField(_l("The opening"), validators=[Optional()], validate_choice=False)
    posting_url = StringField(
        _l("Or the address of the job posting"),
        validators=[Optional(), Length(max=LINK_MAX)],
        description=_l("The posting on the employer's site, starting with https://."),
    )
    # A résumé review or a referral: the résumé (checked by content, not by name).
    resume = FileField(
        _l("Your résumé"),
        validators=[Optional()],
        description=_l("A PDF or a Word (DOCX) document."),
    )
    conduct = BooleanField(
        _l("I have read the conduct policy and will follow it"),
        validators=[DataRequired(_l("Please confirm that you have read the conduct policy."))],
    )
    submit = SubmitField(_l("Send to the career office"))

    def proposed_dates(self) -> list:
        """The dates entered, in field order."""
        return [self.date1.data, self.date2.data, self.date3.data]

    def proposed_slots(self) -> list[tuple]:
        """The interview times entered, as (date, time, minutes)."""
        return [row.form.as_tuple() for row in self.slots]

    def opening_id(self) -> int | None:
        """The chosen opening's id, or None (a posting URL instead)."""
        raw = (self.opening.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) <= 10 else None


class ReviseForm(AskForm):
    """The student revises a request the career office sent back."""

    conduct = HiddenField()
    submit = SubmitField(_l("Send the revised request"))


class ApproveForm(FlaskForm):
    """Staff relay a request, optionally editing the message and adding a note."""

    message = TextAreaField(
        _l("Message to relay"),
        validators=[DataRequired(_l("The message cannot be empty.")), Length(max=MESSAGE_MAX)],
        description=_l("You may correct the message before it is relayed; the edit is recorded."),
    )
    note = TextAreaField(
        _l("Note to the alumnus (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField(_l("Approve and relay"))


class AskInfoForm(FlaskForm):
    """Staff ask the student for more detail."""

    question = TextAreaField(
        _l("What should the student add?"),
        validators=[DataRequired(_l("Write the question for the student.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Ask the student"))


class DeclineForm(FlaskForm):
    """Staff decline a request with a reason for the student."""

    reason = TextAreaField(
        _l("Reason for the student"),
        validators=[DataRequired(_l("Write a reason for the student.")), Length(max=1000)],
        description=_l("The student also gets a link to similar alumni."),
    )
    submit = SubmitField(_l("Decline"))


class BulkForm(FlaskForm):
    """Approve or decline the ticked requests of the queue."""

    action = RadioField(
        _l("With the selected requests"),
        choices=[("approve", _l("Approve and relay")), ("decline", _l("Decline"))],
        validators=[DataRequired(_l("Choose approve or decline."))],
    )
    reason = TextAreaField(
        _l("Reason for the students (when declining)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Apply to selected"))


class AcceptForm(FlaskForm):
    """The alumnus accepts; for a shadowing day, with a date."""

    date_choice = RadioField(_l("Which day suits you?"), validators=[Optional()])
    other_date = DateField(_l("Or propose another date"), validators=[Optional()])
    note = TextAreaField(
        _l("A note for the student (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Accept"))


class InterviewAcceptForm(FlaskForm):
    """The alumnus accepts one of the student's interview times, with an optional link."""

    slot = RadioField(_l("Which time suits you?"), validators=[Optional()])
    meeting_link = StringField(
        _l("Meeting link (optional)"),
        validators=[Optional(), Length(max=LINK_MAX)],
        description=_l("A video-call address starting with https://; it goes in the invitation."),
    )
    note = TextAreaField(
        _l("A note for the student (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Accept this time"))

    def slot_index(self) -> int | None:
        """The chosen slot's position, or None."""
        raw = self.slot.data or ""
        return int(raw) if raw.isdigit() and len(raw) <= 2 else None


class ProposeTimeForm(FlaskForm):
    """The alumnus proposes another interview time (or moves a scheduled one)."""

    new_day = DateField(_l("Date"), validators=[Optional()])
    new_start = TimeField(_l("Start time"), validators=[Optional()])
    new_minutes = IntegerField(
        _l("Minutes"),
        default=30,
        validators=[Optional(), NumberRange(MIN_MINUTES, MAX_MINUTES, MINUTES_HINT)],
        description=MINUTES_HINT,
    )
    meeting_link = StringField(
        _l("Meeting link (optional)"),
        validators=[Optional(), Length(max=LINK_MAX)],
        description=_l("A video-call address starting with https://."),
    )
    note = TextAreaField(
        _l("A note for the student (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Propose this time"))


class MeetingLinkForm(FlaskForm):
    """The alumnus changes only the meeting link of a scheduled interview."""

    meeting_link = StringField(
        _l("Meeting link"),
        validators=[Optional(), Length(max=LINK_MAX)],
        description=_l("A video-call address starting with https://; leave it empty to remove it."),
    )
    submit = SubmitField(_l("Change the link"))


class OtherTimeForm(FlaskForm):
    """The student asks to move a scheduled interview to another time."""

    other_day = DateField(_l("Date"), validators=[Optional()])
    other_start = TimeField(_l("Start time"), validators=[Optional()])
    other_minutes = IntegerField(
        _l("Minutes"),
        default=30,
        validators=[Optional(), NumberRange(MIN_MINUTES, MAX_MINUTES, MINUTES_HINT)],
        description=MINUTES_HINT,
    )
    note = TextAreaField(
        _l("A note for the alumnus (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Ask for this time"))


class ReviewForm(FlaskForm):
    """The alumnus's résumé review: written comments."""

    review_comments = TextAreaField(
        _l("Your comments on the résumé"),
        validators=[DataRequired(_l("Write your comments on the résumé.")), Length(max=5000)],
        description=_l("What works, what to change, what an employer in your field looks for."),
    )
    review_file = FileField(
        _l("An annotated copy (optional)"),
        validators=[Optional()],
        description=_l("A PDF or a Word (DOCX) document with your notes."),
    )
    note = TextAreaField(
        _l("A note for the student (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Send the review"))


class ReferralAcceptForm(FlaskForm):
    """The alumnus agrees to refer the student (and confirms later that they did)."""

    note = TextAreaField(
        _l("A note for the student (optional)"), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField(_l("Accept: I will refer this student"))


class ReferredForm(FlaskForm):
    """The alumnus confirms that the résumé was passed on to HR or the hiring manager."""

    note = TextAreaField(
        _l("To whom, and anything the student should know (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField(_l("I have passed it on"))


class ConfirmTimeForm(FlaskForm):
    """The student confirms the time the alumnus proposed."""

    submit = SubmitField(_l("Confirm this time"))


class AlumnusDeclineForm(FlaskForm):
    """The alumnus declines, optionally with a note."""

    note = TextAreaField(
        _l("A note for the student (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("A kind word helps; the student is also pointed to other alumni."),
    )
    submit = SubmitField(_l("Decline"))


class WithdrawForm(FlaskForm):
    """The student withdraws an open request."""

    submit = SubmitField(_l("Withdraw this request"))


class CancelForm(FlaskForm):
    """Either side cancels a scheduled shadowing day or interview."""

    reason = TextAreaField(
        _l("Why are you cancelling?"),
        validators=[DataRequired(_l("Say why you are cancelling.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Cancel the shadowing day"))


class FeedbackForm(FlaskForm):
    """One side's feedback on a request."""

    met = RadioField(
        _l("Did you meet or talk?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[DataRequired(_l("Choose yes or no."))],
    )
    usefulness = RadioField(
        _l("How useful was it?"),
        choices=[
            ("1", _l("1 (not useful)")),
            ("2", "2"),
            ("3", "3"),
            ("4", "4"),
            ("5", _l("5 (very useful)")),
        ],
        validators=[InputRequired(_l("Choose a number from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Anything the career office should know?"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Only the career office reads this."),
    )
    submit = SubmitField(_l("Send feedback"))


class OutcomeForm(FlaskForm):
    """The student records something that came of the request."""

    # The choices are the request's (OutcomeForm.for_request); a value outside them reaches
    # the service, which refuses it with a message that says why.
    kind = SelectField(
        _l("What happened?"),
        choices=[(o.value, OUTCOME_LABELS[o]) for o in Outcome],
        validators=[DataRequired(_l("Choose an outcome."))],
        validate_choice=False,
    )
    note = StringField(_l("Details (optional)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record outcome"))

    @classmethod
    def for_request(cls, req) -> OutcomeForm:
        """The form offering what the student may still record on this request."""
        form = cls()
        form.kind.choices = [(o.value, o.label) for o in req.outcome_choices()]
        return form
