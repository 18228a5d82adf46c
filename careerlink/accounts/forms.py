"""Account forms (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from careerlink.accounts.addresses import MAX_LENGTH as MAX_EMAIL_LENGTH
from careerlink.accounts.addresses import email_problem
from careerlink.accounts.passwords import MAX_LENGTH, MIN_LENGTH


def valid_email(form, field) -> None:
    """The address rule every account form shares (see accounts.addresses.email_problem)."""
    problem = email_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def email_field() -> EmailField:
    """An email address field: required, then the shared rule."""
    return EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), valid_email],
        render_kw={"maxlength": MAX_EMAIL_LENGTH},
    )


def new_password_field(label) -> PasswordField:
    """A new password: required, and within the length rule (accounts.passwords)."""
    return PasswordField(
        label,
        validators=[DataRequired(_l("Choose a password.")), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least %(num)d characters.", num=MIN_LENGTH),
    )


def repeat_password_field(label, prompt, of: str = "password") -> PasswordField:
    """The new password typed again; it must equal the field named `of`."""
    return PasswordField(
        label,
        validators=[DataRequired(prompt), EqualTo(of, _l("The passwords differ."))],
    )


class SignUpForm(FlaskForm):
    """Create a student or alumnus account."""

    display_name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)]
    )
    email = email_field()
    role = RadioField(
        _l("I am"),
        choices=[
            ("student", _l("A student or graduate looking for advice")),
            ("alumnus", _l("An alumnus or alumna willing to help")),
        ],
        validators=[DataRequired(_l("Choose one."))],
    )
    password = new_password_field(_l("Password"))
    confirm = repeat_password_field(_l("Repeat password"), _l("Repeat your password."))
    submit = SubmitField(_l("Create account"))


class SignInForm(FlaskForm):
    """Sign in with email and password."""

    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class EmailOnlyForm(FlaskForm):
    """Ask for an email address (forgot password, resend verification)."""

    email = email_field()
    submit = SubmitField(_l("Send"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat new password"), _l("Repeat your password."))
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(FlaskForm):
    """Change the password while signed in."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = new_password_field(_l("New password"))
    confirm = repeat_password_field(
        _l("Repeat new password"), _l("Repeat your new password."), of="new_password"
    )
    submit = SubmitField(_l("Change password"))


class ConfirmForm(FlaskForm):
    """A form with only a button: the POST that acts after a link opened a page."""

    submit = SubmitField(_l("Confirm"))


class SignOutForm(FlaskForm):
    """Sign out (a POST, so a link or prefetch cannot sign anyone out)."""

    submit = SubmitField(_l("Sign out"))


class EndSessionForm(FlaskForm):
    """The button that ends one session, or all the others, from the account page."""

    submit = SubmitField(_l("End session"))


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone this machine knows, by name (Etc/ and legacy aliases left out)."""
    from zoneinfo import available_timezones

    names = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )
    return [(name, name.replace("_", " ")) for name in names]


class PreferencesForm(FlaskForm):
    """The person's own language and time zone ("" keeps CareerLink's choice)."""

    language = SelectField(_l("Language"), choices=[], validate_choice=True)
    time_zone = SelectField(_l("Time zone"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        """Offer the office's languages and every known zone, each after an automatic choice."""
        from careerlink.i18n import language_choices, office_zone, zone_label

        super().__init__(*args, **kwargs)
        self.language.choices = [
            ("", _("Automatic (your browser's language)")),
            *language_choices(),
        ]
        self.time_zone.choices = [
            ("", _("The career office's (%(zone)s)", zone=zone_label(office_zone()))),
            *time_zone_choices(),
        ]
