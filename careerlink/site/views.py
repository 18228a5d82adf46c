"""The landing page and the health checks."""

from __future__ import annotations

import contextlib
import logging

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from sqlalchemy import text

from careerlink.__about__ import __version__
from careerlink.database import error_reason
from careerlink.extensions import db
from careerlink.i18n import LANGUAGE_KEY

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
def index():
    """The landing page."""
    return render_template("careerlink/site/index.html")


def _unavailable(exc: Exception, **extra):
    """503 as JSON naming the database's problem; the failed session is dropped."""
    log.warning("health check: database unavailable: %s", error_reason(exc))
    with contextlib.suppress(Exception):  # the connection may be gone: nothing to roll back
        db.session.rollback()
    db.session.remove()
    body = {"status": "unavailable", "version": __version__, "database": error_reason(exc)}
    return {**body, **extra}, 503


@bp.route("/healthz")
def healthz():
    """For load balancers: JSON in every case, 503 when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # whatever stops the database answering, the probe answers JSON
        return _unavailable(exc)
    return {"status": "ok", "version": __version__, "database": "ok"}


@bp.route("/healthz/worker")
def worker_health():
    """For monitoring: the mail queue and the worker's last pass; 503 when the worker is late."""
    from careerlink.mail.health import worker_health as read_health

    return _worker_answer(read_health)


@bp.route("/healthz/webhooks")
def webhooks_health():
    """For monitoring: the webhook deliveries and their worker's last pass; 503 when late."""
    from careerlink.api.webhooks.delivery import health as read_health

    return _worker_answer(read_health)


def _worker_answer(read_health):
    """A worker's health as JSON: 503 when it is late, or when the database does not answer."""
    try:
        health = read_health()
    except Exception as exc:  # as /healthz: JSON whatever happens
        return _unavailable(exc)
    return health.to_dict(), 503 if health.late else 200


@bp.route("/language")
def language():
    """Show the pages in another language in this browser (the footer's menu, for visitors).

    A GET, like any link: it changes only how this browser's pages read, nothing stored.
    Someone signed in keeps their language on the account (the preferences page).
    """
    from careerlink.accounts.views import is_safe_next
    from careerlink.i18n import language_choices

    code = request.args.get("language", "")
    if code not in dict(language_choices()):
        abort(400)
    session[LANGUAGE_KEY] = code
    target = request.args.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.index"))
