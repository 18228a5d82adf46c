"""Embedding pages: embed.js, the theme stylesheet, request lists, the popup sign-in hand-off."""

from __future__ import annotations

import json
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from careerlink.accounts.signin import client_details, sign_browser_in, signed_in_user
from careerlink.accounts.sso.settings import SAML, oidc_providers, saml, source
from careerlink.accounts.views import home_for, is_safe_next
from careerlink.connections import services as connections
from careerlink.connections.models import RequestState
from careerlink.embed import THEME_KEY, handoff, is_embedded, site_path, site_root
from careerlink.embed.forms import ExchangeForm
from careerlink.embed.theme import theme_css as render_theme_css
from careerlink.errors import InvalidToken, NotFound
from careerlink.i18n import SOURCE_LANGUAGE, offered_languages, speaking
from careerlink.web.actions import found, perform

bp = Blueprint("embed", __name__)

# In the frame's session while it offers campus sign-in: {"id", "next", "until"}.
HANDOFF = "_clembed_handoff"


def site_url_for(endpoint: str, **values) -> str:
    """url_for, but for the full site even while answering an embedded request."""
    return site_path(url_for(endpoint, **values))


def open_in_new_tab_url() -> str:
    """This page of the full site (what "Open in a new tab" opens)."""
    query = request.query_string.decode("ascii", "replace")
    return site_root() + request.path + (f"?{query}" if query else "")


def here() -> str:
    """This page's path and query, under the script root (a `next` for the sign-in page)."""
    query = request.query_string.decode("ascii", "replace")
    return request.script_root + request.path + (f"?{query}" if query else "")


def _pending_handoff(next_path: str | None) -> dict:
    """The frame's hand-off id (a new one when there is none or it is old), keeping `next`."""
    pending = session.get(HANDOFF)
    if (
        not isinstance(pending, dict)
        or not handoff.is_handoff_id(pending.get("id"))
        or pending.get("until", 0) < time.time()
    ):
        pending = {"id": handoff.new_handoff_id(), "until": time.time() + handoff.HANDOFF_SECONDS}
    pending["next"] = next_path if next_path and is_safe_next(next_path) else ""
    session[HANDOFF] = pending
    return pending


def popup_buttons(next_path: str | None = None) -> list[tuple[str, str]]:
    """(label, url) of each campus sign-in, as a top-level window the frame hands over from."""
    if not is_embedded():
        return []
    names = list(oidc_providers())
    if saml().enabled:
        names.append(SAML)
    if not names:
        return []
    handoff_id = _pending_handoff(next_path)["id"]
    return [
        (source(name).label, site_url_for("embed.popup_start", via=name, handoff=handoff_id))
        for name in names
    ]


@bp.app_context_processor
def embed_context():
    """`embedded` on every page; in embedded pages, what the chromeless layout needs."""
    if not is_embedded():
        return {"embedded": False, "site_url_for": url_for}
    return {
        "embedded": True,
        "site_url_for": site_url_for,
        "embed_portals": current_app.config["CAREERLINK_EMBED_ORIGINS"],
        "embed_theme": request.environ.get(THEME_KEY),
        "embed_open_url": open_in_new_tab_url,
        "embed_here": here,
        "embed_sso_buttons": popup_buttons,
        "embed_exchange_form": ExchangeForm,
    }


# --- for the portal's page ------------------------------------------------------------------


# The iframe's title per embedded page (its accessible name on the portal's page), in each
# offered language but English, which embed.js carries itself.
FRAME_TITLES = {
    "directory": _l("CareerLink: Mentor directory"),
    "mentor": _l("CareerLink: Mentor"),
    "ask": _l("CareerLink: Ask a mentor"),
    "my-requests": _l("CareerLink: Your requests"),
    "waiting-requests": _l("CareerLink: Requests waiting for your answer"),
    "staff-queue": _l("CareerLink: Request queue"),
}
TITLES_MARK = "{} /* careerlink:titles */"


@bp.route("/embed.js")
def loader():
    """The drop-in script a portal page includes (no dependencies), with the frame titles in
    each offered language, so that a portal's `data-lang` names the frame in its language."""
    titles = {}
    for code in offered_languages():
        if code != SOURCE_LANGUAGE:
            with speaking(code):
                titles[code] = {page: str(title) for page, title in FRAME_TITLES.items()}
    script = Path(current_app.static_folder, "embed.js").read_text(encoding="utf-8")
    script = script.replace(TITLES_MARK, json.dumps(titles, ensure_ascii=False), 1)
    return Response(
        script,
        mimetype="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@bp.route("/theme.css")
def theme_css():
    """The theme of an embedded URL (`/embed/theme=.../theme.css`) as custom properties."""
    theme = found(request.environ.get(THEME_KEY))
    return Response(
        render_theme_css(theme),
        mimetype="text/css",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# --- pages made for the frame (also served in the full site) --------------------------------


@bp.route("/my/requests")
@login_required
def my_requests():
    """The requests the signed-in person asked for, newest first."""
    return render_template(
        "careerlink/embed/my_requests.html",
        asked=connections.requests_of_student(current_user),
    )


@bp.route("/my/waiting")
@login_required
def waiting():
    """The requests relayed to the signed-in alumnus that wait for their answer."""
    received = connections.requests_for_alumnus(current_user)
    return render_template(
        "careerlink/embed/waiting.html",
        waiting=[r for r in received if r.state == RequestState.RELAYED.value],
    )


# --- campus sign-in through a popup ---------------------------------------------------------


def _handoff_id_from_args() -> str:
    value = request.args.get("handoff")
    if not handoff.is_handoff_id(value):
        raise InvalidToken(str(handoff.REFUSED), link=handoff.PURPOSE)
    return value


@bp.route("/portal/sign-in/<via>")
def popup_start(via: str):
    """In the popup (top level): sign in with the provider, then hand over to the frame."""
    provider = source(via)
    if provider is None or (via == SAML and not saml().enabled):
        raise NotFound()
    done = url_for("embed.popup_done", handoff=_handoff_id_from_args())
    if current_user.is_authenticated:
        return redirect(done)
    if via == SAML:
        return redirect(url_for("sso.saml_sign_in", next=done))
    return redirect(url_for("sso.oidc_start", name=via, next=done))


@bp.route("/portal/signed-in")
@login_required
def popup_done():
    """In the popup, signed in: post a one-time code to the frame that opened us, and close."""
    code = handoff.mint_code(signed_in_user(), _handoff_id_from_args())
    response = Response(render_template("careerlink/embed/handoff.html", code=code))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/portal/exchange", methods=["POST"])
def exchange():
    """In the frame: redeem the popup's code for a session of the frame's own."""
    form = ExchangeForm()
    pending = session.pop(HANDOFF, None)
    pending = pending if isinstance(pending, dict) else {}
    if form.validate_on_submit():
        agent, address = client_details()
        done = perform(lambda: handoff.redeem(form.code.data, pending.get("id"), agent, address))
        if done:
            user, key = done.value
            sign_browser_in(user, key)
            target = pending.get("next") or ""
            return redirect(target if is_safe_next(target) else home_for(user))
    else:
        flash(str(handoff.REFUSED), "error")
    return redirect(url_for("accounts.signin"))
