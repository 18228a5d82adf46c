"""Values and helpers every template can use."""

from __future__ import annotations

from flask import Flask, request, url_for
from jinja2 import pass_context

from careerlink.__about__ import __version__


def register_template_helpers(app: Flask) -> None:
    """Template globals shared by every page."""
    from careerlink.accounts.privacy import DELETED_LABEL, DELETED_NAME

    # A deleted person's name is stored in English (a value, like a state's); every page and
    # email shows it in its reader's language, printed alone or inside a translated sentence.
    def shown(value):
        return str(DELETED_LABEL) if value == DELETED_NAME else value

    def with_values_shown(gettext_function):
        @pass_context
        def call(context, *args, **variables):
            return gettext_function(context, *args, **{k: shown(v) for k, v in variables.items()})

        return call

    app.jinja_env.finalize = shown
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        app.jinja_env.globals[name] = with_values_shown(app.jinja_env.globals[name])
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]

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
            "here": _here,
            "site_name": app.config["CAREERLINK_SITE_NAME"],
            "careerlink_version": __version__,
            "endpoints": app.view_functions,
        }
