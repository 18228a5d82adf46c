"""The landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from careerlink.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """The landing page."""
    return render_template("careerlink/site/index.html")


@bp.route("/healthz")
def healthz():
    """A liveness probe for load balancers: checks the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
