"""Privacy pages: download your data, delete your account; staff do both on a person's behalf
and record a FERPA directory hold."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField

from careerlink.accounts import privacy
from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.signin import sign_browser_out, signed_in_user
from careerlink.extensions import db
from careerlink.permissions import STAFF_ROLES, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("privacy", __name__)

CONFIRM_WORD = "delete"
# The word in the page's language is accepted too (the English one always is).
CONFIRM_WORD_SHOWN = _l("delete")


class DeleteAccountForm(FlaskForm):
    """Type the word to confirm: deleting cannot be undone."""

    confirm = StringField(_l("Type “%(word)s” to confirm", word=CONFIRM_WORD_SHOWN))
    submit = SubmitField(_l("Delete the account"))


class HoldForm(FlaskForm):
    """Record or lift a FERPA directory hold."""

    hold = HiddenField()
    submit = SubmitField(_l("Confirm"))


def _me() -> User:
    return signed_in_user()


def _download(user: User, actor: User):
    done = perform(lambda: privacy.export_data(actor, user))
    if not done:
        return None
    body = json.dumps(done.value, indent=2, ensure_ascii=False, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="careerlink-data-{user.id}.json"',
            "Cache-Control": "no-store",
        },
    )


def _confirmed(form: DeleteAccountForm) -> bool:
    if (form.confirm.data or "").strip().lower() in {CONFIRM_WORD, str(CONFIRM_WORD_SHOWN)}:
        return True
    form.confirm.errors = [_("Type “%(word)s” to confirm.", word=CONFIRM_WORD_SHOWN)]
    return False


@bp.route("/account/privacy")
@login_required
def mine():
    """Your data: what we hold, the download, and deleting your account."""
    return render_template("careerlink/accounts/privacy.html", user=_me(), form=DeleteAccountForm())


@bp.route("/account/data.json")
@login_required
def my_data():
    """Everything about you as JSON, the emails sent to you included."""
    return _download(_me(), _me()) or redirect(url_for("privacy.mine"))


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete_mine():
    """Delete your own account (open requests are ended and the other side told)."""
    form = DeleteAccountForm()
    me = _me()
    if form.validate_on_submit() and _confirmed(form):
        done = perform(lambda: privacy.delete_account(me, me))
        if done:
            sign_browser_out()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("main.index"))
    return render_template("careerlink/accounts/privacy.html", user=me, form=form), 422


# --- on a person's behalf (staff) ---------------------------------------------------------------


@bp.route("/staff/privacy")
@role_required(*STAFF_ROLES)
def find():
    """Find a person by address, to act on their data."""
    email = (request.args.get("email") or "").strip()[:254]
    if email:
        user = find_user_by_email(email)
        if user is not None:
            return redirect(url_for("privacy.person", user_id=user.id))
        flash(_("No account has the address %(email)s.", email=email), "error")
    return render_template("careerlink/accounts/privacy_find.html", email=email)


def _person(user_id: int) -> User:
    return found(db.session.get(User, user_id))


@bp.route("/staff/privacy/<int:user_id>")
@role_required(*STAFF_ROLES)
def person(user_id: int):
    """A person's data, for the career office: download, directory hold, deletion."""
    return render_template(
        "careerlink/accounts/privacy_person.html",
        person=_person(user_id),
        form=DeleteAccountForm(formdata=None),
        hold_form=HoldForm(formdata=None),
    )


@bp.route("/staff/privacy/<int:user_id>/data.json")
@role_required(*STAFF_ROLES)
def person_data(user_id: int):
    """The person's data as JSON, downloaded by staff on their behalf (audited)."""
    user = _person(user_id)
    return _download(user, _me()) or redirect(url_for("privacy.person", user_id=user_id))


@bp.route("/staff/privacy/<int:user_id>/delete", methods=["POST"])
@role_required(*STAFF_ROLES)
def person_delete(user_id: int):
    """Delete the person's account on their behalf (audited)."""
    user = _person(user_id)
    form = DeleteAccountForm()
    if form.validate_on_submit() and _confirmed(form):
        done = perform(lambda: privacy.delete_account(_me(), user), _("The account is deleted."))
        if done:
            return redirect(url_for("privacy.person", user_id=user_id))
    return render_template(
        "careerlink/accounts/privacy_person.html",
        person=user,
        form=form,
        hold_form=HoldForm(formdata=None),
    ), 422


@bp.route("/staff/privacy/<int:user_id>/hold", methods=["POST"])
@role_required(*STAFF_ROLES)
def person_hold(user_id: int):
    """Record or lift the person's FERPA directory hold."""
    user = _person(user_id)
    form = HoldForm()
    hold = {"1": True, "0": False}.get(form.hold.data or "")
    if form.validate_on_submit() and hold is not None:
        perform(
            lambda: privacy.set_directory_hold(_me(), user, hold),
            _("The directory hold is recorded.") if hold else _("The directory hold is lifted."),
        )
    return redirect(url_for("privacy.person", user_id=user_id))
