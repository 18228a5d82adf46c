"""Account pages: sign up, verify, sign in and out, passwords, the account page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required

from careerlink.accounts import services, sessions
from careerlink.accounts.devices import describe_device
from careerlink.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    EndSessionForm,
    PreferencesForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
    SignUpForm,
)
from careerlink.accounts.sessions import EndReason
from careerlink.accounts.signin import (
    client_details,
    current_session,
    current_session_id,
    resolve_user_first,
    sign_browser_in,
    sign_browser_out,
    signed_in_user,
)
from careerlink.accounts.sso.policy import local_signup_roles
from careerlink.accounts.sso.signout import continue_sign_out_at, provider_sign_out_url
from careerlink.errors import InvalidToken, InvalidTransition, NotFound
from careerlink.extensions import limiter
from careerlink.i18n import LANGUAGE_KEY, current_language, datetime_formatter
from careerlink.permissions import Role
from careerlink.web.actions import perform

bp = Blueprint("accounts", __name__)
bp.before_app_request(resolve_user_first)
bp.add_app_template_filter(describe_device, "device")

SAME_ANSWER = _l(
    "If an account exists for that address, we have sent it an email. "
    "It can take a few minutes to arrive; check your spam folder too."
)


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def home_for(user) -> str:
    """Where a user lands after signing in."""
    if user.is_staff:
        return url_for("staff.home")
    return url_for("accounts.account")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Create a student or alumnus account."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignUpForm()
    offered = {r.value for r in local_signup_roles()}
    if not offered:
        flash(_("Accounts are created by signing in with your campus account."), "info")
        return redirect(url_for("accounts.signin"))
    form.role.choices = [c for c in form.role.choices if c[0] in offered]
    if request.method == "GET" and request.args.get("role") in offered:
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        done = perform(
            lambda: services.sign_up(
                form.email.data,
                form.display_name.data,
                form.password.data,
                Role(form.role.data),
                language=current_language(),
            ),
            form=form,
        )
        if done:
            # The same page whether the address was new or known (its owner got an email).
            return render_template("careerlink/accounts/check_email.html", email=done.value)
    return render_template("careerlink/accounts/signup.html", form=form)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """A page with a button; only the POST verifies (mail scanners open links)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        # A bad link is a whole page (the app's handler offers a new one), not a flash.
        done = perform(
            lambda: services.verify_email(token),
            _("Thank you, your email address is verified."),
            propagate=(InvalidToken,),
        )
        if done:
            user = done.value
            if current_user.is_authenticated and current_user.id == user.id:
                return redirect(url_for("accounts.account"))
            return redirect(url_for("accounts.signin", email=user.email))
    return render_template("careerlink/accounts/verify.html", form=form)


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def resend_verification():
    """Send the verification email again."""
    form = EmailOnlyForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    if form.validate_on_submit() and perform(lambda: services.resend_verification(form.email.data)):
        flash(str(SAME_ANSWER), "info")
        return redirect(url_for("accounts.signin"))
    return render_template(
        "careerlink/accounts/email_only.html",
        form=form,
        title=_("Resend the verification email"),
        intro=_("Enter the address you signed up with and we will send a new link."),
    )


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def signin():
    """Sign in; `next` is followed only when it is a local path."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        form.email.data = request.args.get("email", "")
    if form.validate_on_submit():
        # The sign-in time and the new session row are the unit of work; a deactivated
        # account is flashed by perform.
        agent, address = client_details()
        done = perform(
            lambda: services.sign_in(form.email.data, form.password.data, agent, address)
        )
        if done and done.value is None:
            form.password.errors = [_("That email and password do not match an account.")]
        if done.value is not None:
            user, key = done.value
            sign_browser_in(user, key)
            if not user.email_verified:
                flash(
                    _("Please verify your email address; we sent you a link when you signed up."),
                    "info",
                )
            target = form.next.data
            return redirect(target if is_safe_next(target) else home_for(user))
    return render_template("careerlink/accounts/signin.html", form=form)


@bp.route("/signout", methods=["POST"])
def signout():
    """Sign out (POST only)."""
    form = SignOutForm()
    if form.validate_on_submit() or not current_user.is_authenticated:
        here = current_session()
        # The provider's own sign-out (campus sign-in), read before the session is cleared.
        farewell = provider_sign_out_url() if here is not None else None
        perform(lambda: sessions.end_session(here, EndReason.SIGNED_OUT))
        sign_browser_out()  # a copy of the cookie now opens nothing either
        flash(_("You are signed out."), "info")
        if farewell:
            return redirect(continue_sign_out_at(farewell))
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the address exists or not."""
    form = EmailOnlyForm()
    if form.validate_on_submit() and perform(
        lambda: services.request_password_reset(form.email.data)
    ):
        flash(str(SAME_ANSWER), "info")
        return redirect(url_for("accounts.signin"))
    return render_template(
        "careerlink/accounts/email_only.html",
        form=form,
        title=_("Forgot your password?"),
        intro=_("Enter your email address and we will send you a link to choose a new password."),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    services.user_for_reset(token)  # a used or bad link: the app's bad-link page (400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        here = current_session()

        def work():
            user = services.reset_password(token, form.password.data)
            sessions.end_session(here, EndReason.SIGNED_OUT)  # whoever was signed in here
            return user

        done = perform(
            work,
            _("Your password has been changed. Sign in with the new one."),
            form=form,
            propagate=(InvalidToken,),
        )
        if done:
            sign_browser_out()
            return redirect(url_for("accounts.signin", email=done.value.email))
    return render_template("careerlink/accounts/reset.html", form=form)


@bp.route("/account")
@login_required
def account():
    """The signed-in user's own page, with the devices where they are signed in."""
    user = current_user._get_current_object()  # read only: no ORM record
    here = current_session_id()
    # Each device's name and times made here, the zone and locale looked up once for the list.
    # The end-session buttons post EndSessionForm; their token is written as a plain field (no
    # form built for a page that only shows them).
    at = datetime_formatter(zone=True)
    devices = [
        _Device(
            id=row.id,
            name=describe_device(row.user_agent),
            ip_address=row.ip_address,
            seen=at(row.last_seen_at),
            since=at(row.created_at),
            here=row.id == here,
        )
        for row in sessions.active_sessions(user)
    ]
    return render_template("careerlink/accounts/account.html", user=user, sessions=devices)


@dataclass(frozen=True, slots=True)
class _Device:
    """One device signed in to the account, as the account page shows it."""

    id: int
    name: str
    ip_address: str | None
    seen: str  # last seen, in the reader's zone with its name
    since: str  # signed in at
    here: bool  # this browser


@bp.route("/account/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """The person's own language and time zone."""
    form = PreferencesForm(
        data=None
        if request.method == "POST"
        else {
            "language": current_user.locale or "",
            "time_zone": current_user.time_zone or "",
        }
    )
    if form.validate_on_submit():
        done = perform(
            lambda: services.set_preferences(
                signed_in_user(), language=form.language.data, time_zone=form.time_zone.data
            ),
            form=form,
        )
        if done:
            refresh()  # the confirmation already in the newly chosen language
            session.pop(LANGUAGE_KEY, None)
            flash(_("Your language and time zone are saved."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("careerlink/accounts/preferences.html", form=form)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one of your sessions; ending this device's signs this browser out."""
    form = EndSessionForm()
    if form.validate_on_submit():
        user = signed_in_user()
        here = current_session_id()
        done = perform(
            lambda: sessions.end_session_of(user, session_id),
            _("That session has ended; the device is signed out."),
            quiet=(InvalidTransition,),
            propagate=(NotFound,),
        )
        if done and done.value.id == here:
            sign_browser_out()
            return redirect(url_for("accounts.signin"))
    return redirect(url_for("accounts.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """Sign out every other device; this one stays signed in."""
    form = EndSessionForm()
    if form.validate_on_submit():
        user = signed_in_user()
        here = current_session()
        done = perform(lambda: sessions.end_sessions(user, EndReason.ENDED_BY_USER, keep=here))
        if done:
            flash(other_sessions_ended(done.value), "success")
    return redirect(url_for("accounts.account"))


def other_sessions_ended(count: int) -> str:
    """The message after ending every other session."""
    if count == 0:
        return _("You were not signed in anywhere else.")
    if count == 1:
        return _("Your other session has ended; that device is signed out.")
    return ngettext(
        "Your %(num)d other session has ended; that device is signed out.",
        "Your %(num)d other sessions have ended; those devices are signed out.",
        count,
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions are ended, this one stays."""
    form = ChangePasswordForm()
    if form.validate_on_submit() and perform(
        lambda: services.change_password(
            signed_in_user(),
            form.current_password.data,
            form.new_password.data,
            keep=current_session(),
        ),
        _("Your password has been changed."),
        form=form,
    ):
        return redirect(url_for("accounts.account"))
    return render_template("careerlink/accounts/change_password.html", form=form)
