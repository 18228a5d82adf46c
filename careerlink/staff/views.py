"""Staff pages: the home page, the outbox, alumni awaiting verification."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.models import User, UserRole
from careerlink.accounts.services import set_alumnus_verified
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.mail.services import retry
from careerlink.permissions import STAFF_ROLES, Role, role_required

bp = Blueprint("staff", __name__)

PAGE_SIZE = 50


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {s.value: 0 for s in OutboxStatus}
    counts.update({status: n for status, n in rows})
    return counts


def unverified_alumni_query():
    """Alumni accounts that staff have not yet confirmed as graduates."""
    return (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ALUMNUS.value, User.alumnus_verified_at.is_(None))
        .order_by(User.created_at)
    )


@bp.route("/")
@role_required(*STAFF_ROLES)
def home():
    """The staff home page: what needs attention."""
    waiting_alumni = db.session.scalar(
        select(func.count()).select_from(unverified_alumni_query().subquery())
    )
    return render_template(
        "careerlink/staff/home.html", outbox=outbox_counts(), waiting_alumni=waiting_alumni
    )


@bp.route("/outbox")
@role_required(*STAFF_ROLES)
def outbox():
    """Every outbox row, newest first, filterable by status."""
    status = request.args.get("status", "")
    if status and status not in {s.value for s in OutboxStatus}:
        flash(f"Unknown status {status!r}; showing all messages.", "error")
        status = ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    pagination = db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "careerlink/staff/outbox.html",
        pagination=pagination,
        status=status,
        counts=outbox_counts(),
        statuses=[s.value for s in OutboxStatus],
        retry_form=ConfirmForm(),
    )


@bp.route("/outbox/<int:message_id>")
@role_required(*STAFF_ROLES)
def outbox_message(message_id: int):
    """One message as it was (or will be) sent."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template(
        "careerlink/staff/outbox_message.html", message=message, retry_form=ConfirmForm()
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@role_required(*STAFF_ROLES)
def outbox_retry(message_id: int):
    """Queue a failed message again."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        if message.status == OutboxStatus.SENT.value:
            flash("This message was already sent.", "info")
        else:
            retry(message)
            db.session.commit()
            flash(f"Message #{message.id} is queued again.", "success")
    return redirect(url_for("staff.outbox_message", message_id=message.id))


@bp.route("/alumni/unverified")
@role_required(*STAFF_ROLES)
def unverified_alumni():
    """Alumni accounts waiting for staff to confirm they graduated."""
    users = db.session.scalars(unverified_alumni_query().limit(200)).all()
    return render_template(
        "careerlink/staff/unverified_alumni.html", users=users, form=ConfirmForm()
    )


@bp.route("/alumni/<int:user_id>/verify", methods=["POST"])
@role_required(*STAFF_ROLES)
def verify_alumnus(user_id: int):
    """Mark an alumnus account as a verified graduate."""
    user = db.session.get(User, user_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            set_alumnus_verified(user, True, by=current_user._get_current_object())
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(f"{user.display_name} is now a verified alumnus.", "success")
    return redirect(url_for("staff.unverified_alumni"))
