"""Values and helpers every template can use."""

from __future__ import annotations

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user

from careerlink.__about__ import __version__


def register_template_helpers(app: Flask) -> None:
    """Template globals shared by every page."""
    from careerlink.accounts.forms import SignOutForm

    @app.template_global()
    def page_url(page: int) -> str:
        """The current page's URL with the same query and another page number."""
        args = request.args.to_dict(flat=False)
        args["page"] = [str(page)]
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def _here() -> str:
        # The footer's language menu comes back here; a plain field, not a WTForms form,
        # because building a form on every page loads WTForms' own catalogue each time.
        query = request.query_string.decode("ascii", "replace")
        return request.script_root + request.path + (f"?{query}" if query else "")

    @app.context_processor
    def inject():
        return {
            "signout_form": (
                SignOutForm() if has_request_context() and current_user.is_authenticated else None
            ),
            "here": _here,
            "site_name": app.config["CAREERLINK_SITE_NAME"],
            "careerlink_version": __version__,
            "endpoints": app.view_functions,
        }
