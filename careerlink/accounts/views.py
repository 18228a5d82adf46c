"""Account pages: sign up, verify, sign in and out, passwords, the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from careerlink.accounts import services
from careerlink.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
    SignUpForm,
)
from careerlink.errors import InvalidToken
from careerlink.extensions import limiter
from careerlink.permissions import Role
from careerlink.web.actions import perform

bp = Blueprint("accounts", __name__)

SAME_ANSWER = (
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
    if request.method == "GET" and request.args.get("role") in ("student", "alumnus"):
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        done = perform(
            lambda: services.sign_up(
                form.email.data, form.display_name.data, form.password.data, Role(form.role.data)
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
            "Thank you, your email address is verified.",
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
        flash(SAME_ANSWER, "info")
        return redirect(url_for("accounts.signin"))
    return render_template(
        "careerlink/accounts/email_only.html",
        form=form,
        title="Resend the verification email",
        intro="Enter the address you signed up with and we will send a new link.",
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
        # The sign-in time is the unit of work; a deactivated account is flashed by perform.
        done = perform(lambda: services.authenticate(form.email.data, form.password.data))
        user = done.value
        if done and user is None:
            form.password.errors = ["That email and password do not match an account."]
        if user is not None:
            login_user(user)
            if not user.email_verified:
                flash(
                    "Please verify your email address; we sent you a link when you signed up.",
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
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the address exists or not."""
    form = EmailOnlyForm()
    if form.validate_on_submit() and perform(
        lambda: services.request_password_reset(form.email.data)
    ):
        flash(SAME_ANSWER, "info")
        return redirect(url_for("accounts.signin"))
    return render_template(
        "careerlink/accounts/email_only.html",
        form=form,
        title="Forgot your password?",
        intro="Enter your email address and we will send you a link to choose a new password.",
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    services.user_for_reset(token)  # a used or bad link: the app's bad-link page (400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = perform(
            lambda: services.reset_password(token, form.password.data),
            "Your password has been changed. Sign in with the new one.",
            form=form,
            propagate=(InvalidToken,),
        )
        if done:
            logout_user()
            return redirect(url_for("accounts.signin", email=done.value.email))
    return render_template("careerlink/accounts/reset.html", form=form)


@bp.route("/account")
@login_required
def account():
    """The signed-in user's own page."""
    return render_template("careerlink/accounts/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions are signed out."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and perform(
        lambda: services.change_password(user, form.current_password.data, form.new_password.data),
        "Your password has been changed.",
        form=form,
    ):
        login_user(user)  # refresh the session's version
        return redirect(url_for("accounts.account"))
    return render_template("careerlink/accounts/change_password.html", form=form)
