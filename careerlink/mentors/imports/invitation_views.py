"""The alumnus's side of an invitation: accept it (correct the profile, opt in), unsubscribe."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.signin import client_details, sign_browser_in, signed_in_user
from careerlink.errors import InvalidToken
from careerlink.extensions import csrf
from careerlink.i18n import current_language
from careerlink.mentors.imports import invitations
from careerlink.mentors.imports.forms import AcceptInvitationForm, AcceptSignedInForm
from careerlink.mentors.industries import active_industries
from careerlink.mentors.services import consent_text
from careerlink.web.actions import perform

bp = Blueprint("invitations", __name__)


@bp.route("/alumni/invitation/<token>", methods=["GET", "POST"])
def accept(token: str):
    """The invitation page, pre-filled from the import; only the POST creates anything.

    Signed in (with a password or campus sign-in) to the invited address, the person accepts
    with that account; otherwise the page creates the account with a password.
    """
    record = invitations.record_for_invitation(token)
    signed_in = current_user.is_authenticated
    form_class = AcceptSignedInForm if signed_in else AcceptInvitationForm
    form = form_class(data=invitations.prefill(record) if request.method == "GET" else None)
    form.industries.choices = [(i.slug, i.label) for i in active_industries()]
    if form.validate_on_submit():
        if signed_in:
            me = signed_in_user()
            work = lambda: invitations.accept_signed_in(  # noqa: E731
                me, token, form.profile_data(), bool(form.agree.data)
            )
        else:
            user_agent, ip = client_details()
            work = lambda: invitations.accept(  # noqa: E731
                token,
                form.profile_data(),
                form.password.data,
                bool(form.agree.data),
                user_agent,
                ip,
                language=current_language(),
            )
        outcome = perform(
            work,
            _("Welcome! You are in the mentor directory. Add what you offer to students below."),
            form=form,
            propagate=(InvalidToken,),
        )
        if outcome.ok:
            if signed_in:
                user = signed_in_user()
            else:
                user = outcome.value.user
                sign_browser_in(user, outcome.value.key)
            return redirect(url_for("mentors.edit", profile_id=user.mentor_profile.id))
    return render_template(
        "careerlink/imports/accept.html",
        form=form,
        record=record,
        consent=consent_text(),
        signed_in=signed_in,
        token=token,
    )


@bp.route("/alumni/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop invitations: a page with a button, and the one-click POST of RFC 8058."""
    record = invitations.record_for_unsubscribe(token)
    if request.method == "POST":
        perform(lambda: invitations.unsubscribe(token), None, propagate=(InvalidToken,))
        return render_template("careerlink/imports/unsubscribed.html")
    if record.unsubscribed_at is not None:
        return render_template("careerlink/imports/unsubscribed.html")
    return render_template("careerlink/imports/unsubscribe.html", form=ConfirmForm())
