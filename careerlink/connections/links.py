"""Signed answer and feedback links, and the absolute links emails carry.

Kept apart from the services (which send emails through notifications.py) so that
notifications can import it without importing the services back.
"""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.routing import BuildError

from careerlink.connections.models import ConnectionRequest
from careerlink.connections.settings import MAX_DAYS_AHEAD, complete_after_days, response_days
from careerlink.errors import InvalidToken
from careerlink.extensions import db
from careerlink.tokens import make_token, read_token
from careerlink.urls import absolute_url, base_url

ANSWER = "request-answer"
FEEDBACK = "request-feedback"
SIDES = ("student", "alumnus")
FEEDBACK_LINK_DAYS = 120


# --- tokens -----------------------------------------------------------------------------------


def answer_token(req: ConnectionRequest) -> str:
    """A signed token that lets this request's alumnus answer it without signing in."""
    return make_token(ANSWER, {"rid": req.id, "uid": req.alumnus_id})


def answer_token_max_age() -> int:
    """Seconds an answer link is valid: past the window, the request's state decides."""
    # The link must outlive a scheduled day (for cancelling), so the age limit is generous.
    return (response_days() + complete_after_days() + MAX_DAYS_AHEAD) * 86400


def request_for_answer_token(token: str) -> ConnectionRequest:
    """The request an answer link is for; raise InvalidToken when it is not valid."""
    data = read_token(ANSWER, token, max_age_seconds=answer_token_max_age())
    req = _request(data.get("rid"))
    if req is None or req.alumnus_id != data.get("uid") or req.relayed_at is None:
        raise InvalidToken(_("This link is not valid."), link=ANSWER)
    return req


def feedback_token(req: ConnectionRequest, side: str) -> str:
    """A signed token for one side's feedback form."""
    uid = req.student_id if side == "student" else req.alumnus_id
    return make_token(FEEDBACK, {"rid": req.id, "uid": uid, "side": side})


def request_for_feedback_token(token: str) -> tuple[ConnectionRequest, str]:
    """The request and side a feedback link is for; raise InvalidToken when it is not valid."""
    data = read_token(FEEDBACK, token, max_age_seconds=FEEDBACK_LINK_DAYS * 86400)
    req = _request(data.get("rid"))
    side = data.get("side")
    if req is None or side not in SIDES:
        raise InvalidToken(_("This link is not valid."), link=FEEDBACK)
    expected = req.student_id if side == "student" else req.alumnus_id
    if data.get("uid") != expected:
        raise InvalidToken(_("This link is not valid."), link=FEEDBACK)
    return req, side


def _request(rid) -> ConnectionRequest | None:
    # The payload was signed by us, but stay strict: an id is a positive int or nothing.
    if not isinstance(rid, int) or isinstance(rid, bool) or rid <= 0:
        return None
    return db.session.get(ConnectionRequest, rid)


# --- absolute links ---------------------------------------------------------------------------


def answer_link(req: ConnectionRequest) -> str:
    """The signed page where the alumnus accepts or declines without signing in."""
    return absolute_url("connections.answer", token=answer_token(req))


def feedback_link(req: ConnectionRequest, side: str) -> str:
    """The signed feedback form for one side."""
    return absolute_url("connections.feedback_by_link", token=feedback_token(req, side))


def request_link(req: ConnectionRequest) -> str:
    """The request's page for a signed-in student or alumnus."""
    return absolute_url("connections.detail", request_id=req.id)


def staff_link(req: ConnectionRequest) -> str:
    """The request's page in the staff queue."""
    return absolute_url("connections.staff_request", request_id=req.id)


def directory_link(industry_slug: str | None = None) -> str:
    """The directory, filtered to an industry when one is known."""
    try:
        if industry_slug:
            return absolute_url("mentors.directory", industry=industry_slug)
        return absolute_url("mentors.directory")
    except BuildError:  # the directory is not mounted (a host may leave it out)
        return base_url() + "/"


def account_link() -> str:
    """The signed-in user's account page."""
    return absolute_url("accounts.account")
