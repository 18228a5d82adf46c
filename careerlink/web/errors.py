"""Error pages in the site's style, and the one handler that turns a DomainError into one."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest

from careerlink.database import rollback
from careerlink.errors import DomainError, InvalidToken
from careerlink.web.csrf import explain as explain_csrf

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """The caller is the API or asks for JSON rather than a page."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def error_page(code: int, title: str, message: str, hint: str | None = None):
    """An error as a page (or as problem+json for the API); `hint` is for administrators."""
    if wants_json():
        body = {"type": "about:blank", "title": title, "status": code, "detail": message}
        return body, code, {"Content-Type": "application/problem+json"}
    return render_template(
        "careerlink/errors/error.html", code=code, title=title, message=message, hint=hint
    ), code


def domain_error_response(err: DomainError):
    """A refusal that no view handled: the unit of work is rolled back and the reason shown."""
    rollback()
    if isinstance(err, InvalidToken) and not wants_json():
        return render_template(
            "careerlink/errors/link_problem.html", message=err.message, link=err.link
        ), err.status_code
    return error_page(err.status_code, err.title, err.message)


def _own_description(err) -> str | None:
    """The reason an `abort(400, description=...)` of ours gave (not Werkzeug's default)."""
    description = getattr(err, "description", None)
    return description if description and description != BadRequest.description else None


def register_error_pages(app: Flask) -> None:
    """Friendly error pages; never a stack trace."""
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(400)
    def bad_request(err):
        return error_page(
            400, _("Bad request"), _own_description(err) or _("The request was not valid.")
        )

    @app.errorhandler(403)
    def forbidden(_err):
        return error_page(
            403, _("Not allowed"), _("Your account does not have access to this page.")
        )

    @app.errorhandler(404)
    def not_found(_err):
        return error_page(
            404, _("Page not found"), _("We could not find that page. Check the address.")
        )

    @app.errorhandler(405)
    def method_not_allowed(_err):
        return error_page(405, _("Not allowed"), _("That action cannot be done this way."))

    @app.errorhandler(413)
    def too_large(_err):
        return error_page(
            413, _("Too large"), _("What was sent is too large. Send a smaller file or text.")
        )

    @app.errorhandler(429)
    def too_many(_err):
        return error_page(
            429, _("Too many attempts"), _("Please wait a few minutes before you try again.")
        )

    @app.errorhandler(500)
    def server_error(_err):
        rollback()
        return error_page(
            500,
            _("Something went wrong"),
            _("The error has been logged. Please try again in a moment."),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        from careerlink.embed import is_embedded

        refusal = explain_csrf(err)
        log.warning(
            "csrf refused: %s (%s) %s %s",
            refusal.code,
            err.description,
            request.method,
            request.path,
            extra={"csrf_reason": refusal.code, "path": request.path},
        )
        message = refusal.message
        if is_embedded():
            # The usual cause inside a portal's frame: the browser keeps no cookie there.
            message += " " + _(
                "If it happens again, your browser is not keeping CareerLink's cookie inside "
                "this page: use the link “Open in a new tab” above."
            )
        return error_page(400, _("The form could not be sent"), message, refusal.admin_hint)
