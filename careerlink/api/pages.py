"""The HTML side of the API: your tokens and calendar feed; the admin's service tokens and
webhooks; the calendar feed itself. Secrets (tokens, feed addresses, webhook secrets) are shown
once, in the answer to the POST that made them, and never stored readable."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.signin import signed_in_user
from careerlink.api import feeds, tokens
from careerlink.api.forms import PersonalTokenForm, ServiceTokenForm, WebhookForm
from careerlink.api.models import DeliveryStatus
from careerlink.api.scopes import SCOPES
from careerlink.api.webhooks import endpoints
from careerlink.api.webhooks.events import EVENT_TYPES
from careerlink.errors import InvalidTransition, NotFound
from careerlink.pagination import paginate
from careerlink.permissions import Role, role_required
from careerlink.urls import absolute_url
from careerlink.web.actions import perform

bp = Blueprint("api_pages", __name__)

PAGE_SIZE = 50


def _me():
    return signed_in_user()


@bp.app_template_global()
def api_scope_list(scopes) -> str:
    """A token's scopes, for lists (the names are the API's; "none" is for people)."""
    return ", ".join(s for s in SCOPES if s in (scopes or [])) or _("none")


# --- your tokens and calendar feed ------------------------------------------------------------


def _tokens_page(form=None, new_token=None, new_feed_url=None, status=200):
    me = _me()
    return render_template(
        "careerlink/api/tokens.html",
        form=form or PersonalTokenForm(),
        tokens=tokens.personal_tokens(me),
        new_token=new_token,
        feed=feeds.feed_of(me),
        new_feed_url=new_feed_url,
        button=ConfirmForm(),
        scopes=SCOPES,
    ), status


@bp.route("/account/api", endpoint="tokens")
@login_required
def tokens_page():
    """Your personal access tokens and your calendar feed."""
    return _tokens_page()


@bp.route("/account/api/tokens", methods=["POST"])
@login_required
def create_token():
    """Make a personal access token; its secret is shown on this answer only."""
    form = PersonalTokenForm()
    if form.validate_on_submit():
        done = perform(
            lambda: tokens.create_personal_token(
                _me(), form.name.data, form.scopes.data, form.days.data
            ),
            _("Your token is ready. Copy it now: it will not be shown again."),
            form=form,
        )
        if done:
            return _tokens_page(new_token=done.value[1])
    return _tokens_page(form=form, status=422 if request.method == "POST" else 200)


@bp.route("/account/api/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of your tokens: it stops working at once."""
    token = tokens.own_token(_me(), token_id)
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: tokens.revoke(token, by=_me()),
            _("The token “%(name)s” is revoked.", name=token.name),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("api_pages.tokens"))


def _feed_url(key: str) -> str:
    return absolute_url("api_pages.calendar_feed", key=key)


@bp.route("/account/api/calendar", methods=["POST"])
@login_required
def create_feed():
    """Make (or remake) your calendar feed; its address is shown on this answer only."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("api_pages.tokens"))
    done = perform(
        lambda: feeds.new_feed(_me()),
        _("Your calendar address is ready. Copy it now: it will not be shown again."),
    )
    return _tokens_page(new_feed_url=_feed_url(done.value)) if done else _tokens_page()


@bp.route("/account/api/calendar/revoke", methods=["POST"])
@login_required
def revoke_feed():
    """Turn your calendar feed off."""
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: feeds.revoke_feed(_me()),
            _("Your calendar feed is off; its address no longer works."),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("api_pages.tokens"))


@bp.route("/calendar/<key>.ics")
def calendar_feed(key: str):
    """A person's shadowing days as an iCalendar feed (the key is the only credential)."""
    user = feeds.user_for_key(key)
    if user is None:
        raise NotFound(_("This calendar address does not work (any more)."))
    body = feeds.calendar_for(user, current_app.config["CAREERLINK_SITE_NAME"])
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="careerlink.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the administrator's pages ----------------------------------------------------------------


def _admin_page(token_form=None, webhook_form=None, new_token=None, new_secret=None, status=200):
    return render_template(
        "careerlink/api/admin.html",
        token_form=token_form or ServiceTokenForm(),
        webhook_form=webhook_form or WebhookForm(),
        tokens=tokens.service_tokens(),
        endpoints=endpoints.all_endpoints(),
        new_token=new_token,
        new_secret=new_secret,
        button=ConfirmForm(),
        allow_private=endpoints.allow_private(),
    ), status


@bp.route("/staff/api")
@role_required(Role.ADMIN)
def admin():
    """Service tokens and webhook endpoints."""
    return _admin_page()


@bp.route("/staff/api/tokens", methods=["POST"])
@role_required(Role.ADMIN)
def create_service_token():
    """Make a service token; its secret is shown on this answer only."""
    form = ServiceTokenForm()
    if form.validate_on_submit():
        done = perform(
            lambda: tokens.create_service_token(
                _me(), form.name.data, form.scopes.data, form.days.data or None
            ),
            _("The service token is ready. Copy it now: it will not be shown again."),
            form=form,
        )
        if done:
            return _admin_page(new_token=done.value[1])
    return _admin_page(token_form=form, status=422)


@bp.route("/staff/api/tokens/<int:token_id>")
@role_required(Role.ADMIN)
def service_token(token_id: int):
    """A service token and the people it acted for (the audit trail)."""
    token = tokens.service_token(_me(), token_id)
    return render_template(
        "careerlink/api/service_token.html",
        token=token,
        uses=tokens.recent_uses(token, limit=200),
        button=ConfirmForm(),
    )


@bp.route("/staff/api/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_service_token(token_id: int):
    """Revoke a service token."""
    token = tokens.service_token(_me(), token_id)
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: tokens.revoke(token, by=_me()),
            _("The service token “%(name)s” is revoked.", name=token.name),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("api_pages.admin"))


@bp.route("/staff/api/webhooks", methods=["POST"])
@role_required(Role.ADMIN)
def create_webhook():
    """Register an endpoint; its signing secret is shown on this answer only."""
    form = WebhookForm()
    if form.validate_on_submit():
        done = perform(
            lambda: endpoints.register(
                _me(), form.url.data, form.events.data, form.description.data or ""
            ),
            _(
                "The endpoint is registered. Copy its signing secret now: it will not be "
                "shown again."
            ),
            form=form,
        )
        if done:
            return _admin_page(new_secret=done.value[1])
    return _admin_page(webhook_form=form, status=422)


@bp.route("/staff/api/webhooks/<int:endpoint_id>")
@role_required(Role.ADMIN)
def webhook(endpoint_id: int):
    """An endpoint and its delivery log, newest first."""
    endpoint = endpoints.get(_me(), endpoint_id)
    status = request.args.get("status", "")
    if status not in {"", *(s.value for s in DeliveryStatus)}:
        status = ""
    page = paginate(
        endpoints.deliveries_query(endpoint, status), request.args.get("page"), PAGE_SIZE
    )
    return render_template(
        "careerlink/api/webhook.html",
        endpoint=endpoint,
        pagination=page,
        status=status,
        statuses=[s.value for s in DeliveryStatus],
        counts=endpoints.delivery_counts(endpoint),
        button=ConfirmForm(),
        event_types=EVENT_TYPES,
        new_secret=None,
    )


@bp.route("/staff/api/webhooks/<int:endpoint_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_webhook_active(endpoint_id: int):
    """Switch an endpoint off or on."""
    endpoint = endpoints.get(_me(), endpoint_id)
    active = request.form.get("active") == "1"
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: endpoints.set_active(_me(), endpoint, active),
            "The endpoint is on again." if active else "The endpoint is off; nothing is sent.",
        )
    return redirect(url_for("api_pages.webhook", endpoint_id=endpoint_id))


@bp.route("/staff/api/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
@role_required(Role.ADMIN)
def rotate_webhook_secret(endpoint_id: int):
    """A new signing secret, shown on this answer only; the old one stops at once."""
    endpoint = endpoints.get(_me(), endpoint_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("api_pages.webhook", endpoint_id=endpoint_id))
    done = perform(
        lambda: endpoints.rotate_secret(_me(), endpoint),
        _("A new signing secret is in use. Copy it now: it will not be shown again."),
    )
    page = paginate(endpoints.deliveries_query(endpoint), 1, PAGE_SIZE)
    return render_template(
        "careerlink/api/webhook.html",
        endpoint=endpoint,
        pagination=page,
        status="",
        statuses=[s.value for s in DeliveryStatus],
        counts=endpoints.delivery_counts(endpoint),
        button=ConfirmForm(),
        event_types=EVENT_TYPES,
        new_secret=done.value if done else None,
    )


@bp.route(
    "/staff/api/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry", methods=["POST"]
)
@role_required(Role.ADMIN)
def retry_delivery(endpoint_id: int, delivery_id: int):
    """Queue a delivery again (with a fresh set of attempts)."""
    endpoint = endpoints.get(_me(), endpoint_id)
    delivery = endpoints.get_delivery(_me(), endpoint, delivery_id)
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: endpoints.retry(_me(), delivery),
            _("Delivery #%(id)d is queued again.", id=delivery.id),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("api_pages.webhook", endpoint_id=endpoint_id))
