"""Staff pages: the home page, the outbox, alumni awaiting verification."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from careerlink.accounts import services as accounts
from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.models import User
from careerlink.accounts.signin import signed_in_user
from careerlink.errors import InvalidTransition
from careerlink.extensions import db
from careerlink.mail import services as mail
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.pagination import paginate
from careerlink.permissions import STAFF_ROLES, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("staff", __name__)

PAGE_SIZE = 50


@bp.route("/")
@role_required(*STAFF_ROLES)
def home():
    """The staff home page: what needs attention."""
    return render_template(
        "careerlink/staff/home.html",
        outbox=mail.outbox_counts(),
        waiting_alumni=accounts.count_unverified_alumni(),
    )


@bp.route("/outbox")
@role_required(*STAFF_ROLES)
def outbox():
    """Every outbox row, newest first, filterable by status."""
    status = request.args.get("status", "")
    if status and status not in {s.value for s in OutboxStatus}:
        flash(_("Unknown status “%(status)s”; showing all messages.", status=status[:40]), "error")
        status = ""
    pagination = paginate(mail.outbox_query(status), request.args.get("page"), PAGE_SIZE)
    return render_template(
        "careerlink/staff/outbox.html",
        pagination=pagination,
        status=status,
        counts=mail.outbox_counts(),
        statuses=[s.value for s in OutboxStatus],
        retry_form=ConfirmForm(),
    )


@bp.route("/outbox/<int:message_id>")
@role_required(*STAFF_ROLES)
def outbox_message(message_id: int):
    """One message as it was (or will be) sent."""
    message = found(db.session.get(OutboxMessage, message_id))
    return render_template(
        "careerlink/staff/outbox_message.html", message=message, retry_form=ConfirmForm()
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@role_required(*STAFF_ROLES)
def outbox_retry(message_id: int):
    """Queue a failed message again."""
    message = found(db.session.get(OutboxMessage, message_id))
    if ConfirmForm().validate_on_submit():
        # A message already sent is not an error worth alarming anyone: say so quietly.
        perform(
            lambda: mail.retry(message, by=signed_in_user()),
            _("Message #%(id)s is queued again.", id=message.id),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("staff.outbox_message", message_id=message_id))


@bp.route("/alumni/unverified")
@role_required(*STAFF_ROLES)
def unverified_alumni():
    """Alumni accounts waiting for staff to confirm they graduated."""
    return render_template(
        "careerlink/staff/unverified_alumni.html",
        users=accounts.unverified_alumni(limit=200),
        form=ConfirmForm(),
    )


@bp.route("/alumni/<int:user_id>/verify", methods=["POST"])
@role_required(*STAFF_ROLES)
def verify_alumnus(user_id: int):
    """Mark an alumnus account as a verified graduate."""
    user = found(db.session.get(User, user_id))
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: accounts.set_alumnus_verified(user, True, by=signed_in_user()),
            _("%(name)s is now a verified alumnus.", name=user.display_name),
        )
    return redirect(url_for("staff.unverified_alumni"))
