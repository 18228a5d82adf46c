"""Feedback from each side once the alumnus has accepted, and the outcomes the student records."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from careerlink.accounts.models import User
from careerlink.connections.links import SIDES
from careerlink.connections.models import (
    FEEDBACK_STATES,
    ConnectionRequest,
    Outcome,
    RequestFeedback,
    RequestOutcome,
    student_outcomes,
)
from careerlink.errors import Conflict, DomainError
from careerlink.extensions import db
from careerlink.permissions import require

ALREADY_GIVEN = _l("Thank you, we already have your feedback on this request.")


def give_feedback(
    req: ConnectionRequest,
    side: str,
    *,
    met: bool,
    usefulness: int,
    comment: str | None = None,
    author: User | None = None,
) -> RequestFeedback:
    """Record one side's feedback (once per side)."""
    if side not in SIDES:
        raise DomainError(_("Feedback comes from the student or the alumnus."))
    if req.state not in FEEDBACK_STATES:
        raise DomainError(_("Feedback opens once the alumnus has accepted."))
    if not 1 <= int(usefulness) <= 5:
        raise DomainError(_("Choose a number from 1 to 5."), field="usefulness")
    if req.feedback_from(side) is not None:
        raise Conflict(str(ALREADY_GIVEN))
    row = RequestFeedback(
        request_id=req.id,
        side=side,
        author_id=author.id if author else None,
        met=bool(met),
        usefulness=int(usefulness),
        comment=(comment or "").strip() or None,
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(str(ALREADY_GIVEN)) from None
    db.session.expire(req, ["feedback"])
    return row


def record_outcome(
    req: ConnectionRequest, student: User, *, kind: Outcome | str, note: str | None = None
) -> RequestOutcome:
    """The student records something that came of the request (an outcome of its kind)."""
    require(student.id == req.student_id, _("Only the student who asked can record outcomes."))
    if req.state not in FEEDBACK_STATES:
        raise DomainError(_("Outcomes can be recorded once the alumnus has accepted."))
    try:
        kind = Outcome(kind)
    except ValueError:
        raise DomainError(_("Choose an outcome from the list."), field="kind") from None
    if kind is Outcome.REFERRED:
        raise DomainError(
            _("“Referred” is recorded when the alumnus confirms that they passed your résumé on."),
            field="kind",
        )
    if kind not in student_outcomes(req.kind):
        raise DomainError(
            _(
                "This request is for %(kind)s; choose what came of it.",
                kind=req.kind_enum.label,
            ),
            field="kind",
        )
    if kind.value in req.outcome_kinds():
        raise Conflict(_("%(outcome)s is already recorded.", outcome=kind.label))
    row = RequestOutcome(request_id=req.id, kind=kind.value, note=(note or "").strip() or None)
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("%(outcome)s is already recorded.", outcome=kind.label)) from None
    db.session.expire(req, ["outcomes"])
    return row
