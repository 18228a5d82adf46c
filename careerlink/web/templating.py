"""Values and helpers every template can use, and the template environment they run in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, render_template, request, url_for
from flask.templating import Environment
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from careerlink.__about__ import __version__

# The parts of the site's frame that `site_part` keeps rendered, by name.
SITE_PARTS = {
    "header": "careerlink/_site_header.html",
    "footer": "careerlink/_site_footer.html",
}
MAX_SITE_PARTS = 64
# Where a kept part takes its visitor's CSRF token (no escaping changes it: no markup in it).
TOKEN_MARK = "careerlink-csrf-token-0e1f6c2a"  # noqa: S105 (a placeholder, not a secret)


class _EnvironmentGlobals(dict):
    """The environment's globals, telling their environment when they change."""

    def __init__(self, values: dict, changed: Callable[[], None]) -> None:
        super().__init__(values)
        self._changed = changed

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args, **kwargs) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key, default=None):
        value = super().setdefault(key, default)
        self._changed()
        return value

    def pop(self, key, *default):
        value = super().pop(key, *default)
        self._changed()
        return value

    def clear(self) -> None:
        super().clear()
        self._changed()


class CareerLinkEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals in one plain dict.

    Jinja gives a template `ChainMap(its own, the environment's)`, and copies that into a new
    dict for every render, include and import: about 20 µs a copy with forty-odd globals,
    looked up one by one, several times a page. A plain dict copies at C speed. A global set
    after templates were loaded empties the template cache, so the next load sees it (a
    Template object someone kept keeps the globals it was loaded with).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.globals = _EnvironmentGlobals(self.globals, self._globals_changed)

    def _globals_changed(self) -> None:
        if self.cache is not None:
            self.cache.clear()

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


class CareerLinkFlask(Flask):
    """The application class: Flask with `CareerLinkEnvironment` for its templates."""

    jinja_environment = CareerLinkEnvironment


def template_gettext(
    translations: Callable[[], Any], shown: Callable[[Any], Any]
) -> dict[str, Callable[..., str]]:
    """The templates' `gettext`, `ngettext`, `pgettext` and `npgettext` (newstyle).

    They do what Jinja's newstyle callables do (the text marked safe where autoescaping is on,
    then always formatted with the variables, so `%%` reads `%`), with every variable passed
    through `shown` first, in one call instead of Jinja's wrapper calling ours: a page calls
    them a hundred times.
    """

    def finish(eval_ctx, text: str, variables: dict) -> str:
        if eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 (the catalogue's text, as Jinja's gettext marks it)
        if variables:
            return text % {k: shown(v) for k, v in variables.items()}
        # Formatting with nothing changes a text only where it holds a "%".
        return text % {} if "%" in text else text

    @pass_eval_context
    def gettext(eval_ctx, string: str, /, **variables) -> str:
        return finish(eval_ctx, translations().ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
        variables.setdefault("num", num)
        return finish(eval_ctx, translations().ungettext(singular, plural, num), variables)

    @pass_eval_context
    def pgettext(eval_ctx, context: str, string: str, /, **variables) -> str:
        variables.setdefault("context", context)
        return finish(eval_ctx, translations().upgettext(context, string), variables)

    @pass_eval_context
    def npgettext(
        eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables
    ) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        return finish(
            eval_ctx, translations().unpgettext(context, singular, plural, num), variables
        )

    return {
        "gettext": gettext,
        "_": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }


def register_template_helpers(app: Flask) -> None:
    """Template globals shared by every page."""
    from careerlink.accounts.privacy import DELETED_LABEL, DELETED_NAME
    from careerlink.i18n import request_domain

    # A deleted person's name is stored in English (a value, like a state's); every page and
    # email shows it in its reader's language, printed alone or inside a translated sentence.
    # Only a str can be it: a lazy string is not compared (that would translate it).
    def shown(value):
        return str(DELETED_LABEL) if isinstance(value, str) and value == DELETED_NAME else value

    app.jinja_env.finalize = shown
    domain = request_domain(app)
    app.jinja_env.globals.update(template_gettext(domain.get_translations, shown))

    parts: dict[tuple, str] = {}

    @app.template_global()
    def site_part(name: str) -> Markup:
        """The site's header, or the signed-in footer (`SITE_PARTS`): the same on every page for
        every visitor of one kind, so rendered once per kind (signed in or not, staff or not),
        language, site name and URL prefix, and kept in the process (a few dozen entries at
        most); this visitor's own CSRF token is put in where the sign-out button takes it."""
        user = current_user
        signed_in = bool(user.is_authenticated)
        key = (
            name,
            str(get_locale()),
            request.script_root,
            signed_in,
            signed_in and user.is_staff,
            app.config["CAREERLINK_SITE_NAME"],
        )
        html = parts.get(key)
        if html is None:
            html = render_template(SITE_PARTS[name], signout_token=TOKEN_MARK)
            if len(parts) >= MAX_SITE_PARTS:  # a prefix nobody configured: keep it bounded
                parts.clear()
            parts[key] = html
        if TOKEN_MARK in html:
            html = html.replace(TOKEN_MARK, str(escape(generate_csrf())))
        return Markup(html)  # noqa: S704 (our own templates' output, escaped there)

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
