"""The landing page, error pages and template helpers shared by every domain."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, has_request_context, render_template, request, url_for
from flask_login import current_user

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
def index():
    """The landing page."""
    return render_template("careerlink/index.html")


@bp.route("/healthz")
def healthz():
    """A liveness probe for load balancers: checks the database answers."""
    from sqlalchemy import text

    from careerlink.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def register_error_pages(app: Flask) -> None:
    """Friendly error pages; never a stack trace."""

    def page(code: int, title: str, message: str):
        if _wants_json():
            return {"error": title, "message": message}, code
        return render_template(
            "careerlink/errors/error.html", code=code, title=title, message=message
        ), code

    @app.errorhandler(400)
    def bad_request(err):
        return page(
            400, "Bad request", getattr(err, "description", "") or "The request was not valid."
        )

    @app.errorhandler(403)
    def forbidden(_err):
        return page(403, "Not allowed", "Your account does not have access to this page.")

    @app.errorhandler(404)
    def not_found(_err):
        return page(404, "Page not found", "We could not find that page. Check the address.")

    @app.errorhandler(405)
    def method_not_allowed(_err):
        return page(405, "Not allowed", "That action cannot be done this way.")

    @app.errorhandler(429)
    def too_many(_err):
        return page(429, "Too many attempts", "Please wait a few minutes before you try again.")

    @app.errorhandler(500)
    def server_error(_err):
        from careerlink.extensions import db

        db.session.rollback()
        return page(
            500,
            "Something went wrong",
            "The error has been logged. Please try again in a moment.",
        )

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return page(
            400,
            "The form expired",
            "Your session timed out or the form was sent twice. Go back, reload the page and "
            "try again.",
        )


def register_template_helpers(app: Flask) -> None:
    """Values every template can use."""
    from careerlink.accounts.forms import SignOutForm

    @app.template_global()
    def page_url(page: int) -> str:
        """The current page's URL with the same query and another page number."""
        args = request.args.to_dict(flat=False)
        args["page"] = [str(page)]
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @app.context_processor
    def inject():
        return {
            "signout_form": (
                SignOutForm() if has_request_context() and current_user.is_authenticated else None
            ),
            "site_name": app.config.get("CAREERLINK_SITE_NAME", "CareerLink"),
            "endpoints": app.view_functions,
        }
