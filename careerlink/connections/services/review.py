"""Staff review: approve and relay, ask the student for more detail, decline, or all at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from careerlink.accounts.models import User
from careerlink.audit import AuditAction, record
from careerlink.connections import notifications
from careerlink.connections.models import ConnectionRequest
from careerlink.connections.services.queries import get_request
from careerlink.connections.settings import response_days
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.permissions import is_staff, require

BULK_ACTIONS = ("approve", "decline")


def _require_staff(actor: User) -> None:
    require(is_staff(actor), _("Only the career office can review requests."))


def approve_request(
    req: ConnectionRequest,
    staff: User,
    *,
    note: str | None = None,
    message: str | None = None,
    now: datetime | None = None,
) -> ConnectionRequest:
    """Relay the request to the alumnus; email the alumnus and tell the student."""
    _require_staff(staff)
    req.approve(by=staff, note=note, message=message, response_days=response_days(), now=now)
    record(AuditAction.REQUEST_APPROVED, actor=staff, obj=req)
    notifications.request_relayed(req)
    return req


def ask_student_for_info(
    req: ConnectionRequest, staff: User, *, question: str, now: datetime | None = None
) -> ConnectionRequest:
    """Send the request back to the student with a question."""
    _require_staff(staff)
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Write the question for the student."), field="question")
    req.ask_for_info(by=staff, question=question, now=now)
    record(AuditAction.REQUEST_INFO_ASKED, actor=staff, obj=req)
    notifications.request_needs_info(req)
    return req


def decline_by_staff(
    req: ConnectionRequest, staff: User, *, reason: str, now: datetime | None = None
) -> ConnectionRequest:
    """Decline with a reason for the student, who is pointed to similar alumni."""
    _require_staff(staff)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write a reason for the student."), field="reason")
    req.decline_by_staff(by=staff, reason=reason, now=now)
    record(AuditAction.REQUEST_DECLINED, actor=staff, obj=req)
    notifications.request_declined_by_staff(req)
    return req


@dataclass
class BulkResult:
    """What a bulk review did."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def bulk_review(
    request_ids: list[int],
    staff: User,
    *,
    action: str,
    reason: str | None = None,
) -> BulkResult:
    """Approve or decline several requests; one that is refused is skipped, not the rest.

    Each request is reviewed inside its own savepoint: a refused one is rolled back alone
    (its emails too) and listed as skipped; the caller's one commit keeps the others.
    """
    _require_staff(staff)
    if action not in BULK_ACTIONS:
        raise DomainError(_("Choose approve or decline."))
    if action == "decline" and not (reason or "").strip():
        raise DomainError(_("Write a reason for the students to decline them."), field="reason")
    result = BulkResult()
    # The row locks are held until the caller's commit: taking them in one order (by id) means
    # two staff reviewing overlapping selections at once wait for each other, never deadlock.
    for request_id in sorted(set(request_ids)):
        req = get_request(request_id)
        if req is None:
            result.skipped.append((request_id, "not found"))
            continue
        try:
            with db.session.begin_nested():
                if action == "approve":
                    approve_request(req, staff)
                else:
                    decline_by_staff(req, staff, reason=reason or "")
        except DomainError as err:
            result.skipped.append((request_id, err.message))
        else:
            result.done.append(request_id)
    return result
