"""Request forms (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from careerlink.connections.models import Outcome
from careerlink.connections.settings import MESSAGE_MAX, MESSAGE_MIN

MESSAGE_HINT = (
    f"Between {MESSAGE_MIN} and {MESSAGE_MAX} characters. For example: \u201cI am a second-year "
    "biology student hoping to work in veterinary medicine. I have volunteered at an animal "
    "shelter for two years and would be grateful if you could introduce me to the practice "
    "manager at your clinic, where I hope to apply for a summer placement.\u201d"
)


class AskForm(FlaskForm):
    """A student's request to an alumnus."""

    hopes = TextAreaField(
        "What do you hope to learn or achieve?",
        validators=[DataRequired("Say what you hope to learn."), Length(max=1000)],
        description="One or two sentences: the alumnus reads this first.",
    )
    why_alumnus = TextAreaField(
        "Why this alumnus?",
        validators=[DataRequired("Say why you are asking this alumnus."), Length(max=1000)],
        description="What in their experience, employer or interests made you choose them.",
    )
    message = TextAreaField(
        "Your message to the alumnus",
        validators=[
            DataRequired("Write your message."),
            Length(
                min=MESSAGE_MIN,
                max=MESSAGE_MAX,
                message=f"Write between {MESSAGE_MIN} and {MESSAGE_MAX} characters.",
            ),
        ],
        description=MESSAGE_HINT,
    )
    date1 = DateField("First proposed date", validators=[Optional()])
    date2 = DateField("Second proposed date", validators=[Optional()])
    date3 = DateField("Third proposed date (optional)", validators=[Optional()])
    conduct = BooleanField(
        "I have read the conduct policy and will follow it",
        validators=[DataRequired("Please confirm that you have read the conduct policy.")],
    )
    submit = SubmitField("Send to the career office")

    def proposed_dates(self) -> list:
        """The dates entered, in field order."""
        return [self.date1.data, self.date2.data, self.date3.data]


class ReviseForm(AskForm):
    """The student revises a request the career office sent back."""

    conduct = HiddenField()
    submit = SubmitField("Send the revised request")


class ApproveForm(FlaskForm):
    """Staff relay a request, optionally editing the message and adding a note."""

    message = TextAreaField(
        "Message to relay",
        validators=[DataRequired("The message cannot be empty."), Length(max=MESSAGE_MAX)],
        description="You may correct the message before it is relayed; the edit is recorded.",
    )
    note = TextAreaField(
        "Note to the alumnus (optional)",
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Approve and relay")


class AskInfoForm(FlaskForm):
    """Staff ask the student for more detail."""

    question = TextAreaField(
        "What should the student add?",
        validators=[DataRequired("Write the question for the student."), Length(max=1000)],
    )
    submit = SubmitField("Ask the student")


class DeclineForm(FlaskForm):
    """Staff decline a request with a reason for the student."""

    reason = TextAreaField(
        "Reason for the student",
        validators=[DataRequired("Write a reason for the student."), Length(max=1000)],
        description="The student also gets a link to similar alumni.",
    )
    submit = SubmitField("Decline")


class BulkForm(FlaskForm):
    """Approve or decline the ticked requests of the queue."""

    action = RadioField(
        "With the selected requests",
        choices=[("approve", "Approve and relay"), ("decline", "Decline")],
        validators=[DataRequired("Choose approve or decline.")],
    )
    reason = TextAreaField(
        "Reason for the students (when declining)", validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Apply to selected")


class AcceptForm(FlaskForm):
    """The alumnus accepts; for a shadowing day, with a date."""

    date_choice = RadioField("Which day suits you?", validators=[Optional()])
    other_date = DateField("Or propose another date", validators=[Optional()])
    note = TextAreaField(
        "A note for the student (optional)", validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Accept")


class AlumnusDeclineForm(FlaskForm):
    """The alumnus declines, optionally with a note."""

    note = TextAreaField(
        "A note for the student (optional)",
        validators=[Optional(), Length(max=1000)],
        description="A kind word helps; the student is also pointed to other alumni.",
    )
    submit = SubmitField("Decline")


class WithdrawForm(FlaskForm):
    """The student withdraws an open request."""

    submit = SubmitField("Withdraw this request")


class CancelForm(FlaskForm):
    """Either side cancels a scheduled shadowing day."""

    reason = TextAreaField(
        "Why are you cancelling?",
        validators=[DataRequired("Say why you are cancelling."), Length(max=1000)],
    )
    submit = SubmitField("Cancel the shadowing day")


class FeedbackForm(FlaskForm):
    """One side's feedback on a request."""

    met = RadioField(
        "Did you meet or talk?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[DataRequired("Choose yes or no.")],
    )
    usefulness = RadioField(
        "How useful was it?",
        choices=[
            ("1", "1 (not useful)"),
            ("2", "2"),
            ("3", "3"),
            ("4", "4"),
            ("5", "5 (very useful)"),
        ],
        validators=[InputRequired("Choose a number from 1 to 5.")],
    )
    comment = TextAreaField(
        "Anything the career office should know?",
        validators=[Optional(), Length(max=2000)],
        description="Only the career office reads this.",
    )
    submit = SubmitField("Send feedback")


class OutcomeForm(FlaskForm):
    """The student records something that came of the request."""

    kind = SelectField(
        "What happened?",
        choices=[(o.value, o.label) for o in Outcome],
        validators=[DataRequired("Choose an outcome.")],
    )
    note = StringField("Details (optional)", validators=[Optional(), Length(max=300)])
    submit = SubmitField("Record outcome")
