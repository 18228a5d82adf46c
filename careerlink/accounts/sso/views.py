"""Campus sign-in pages: provider round trips, SAML via the SP, linking, identities, staff."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.models import User, find_user_by_email
from careerlink.accounts.signin import client_details, sign_browser_in, signed_in_user
from careerlink.accounts.sso import environ, oidc, policy, services
from careerlink.accounts.sso.assertion import Assertion, SignInRefused
from careerlink.accounts.sso.forms import LinkPasswordForm
from careerlink.accounts.sso.roles import relevant_to
from careerlink.accounts.sso.settings import (
    Source,
    contact,
    label_for,
    oidc_provider,
    oidc_providers,
    saml,
    source,
)
from careerlink.accounts.sso.signout import remember, take_farewell
from careerlink.accounts.views import home_for, is_safe_next
from careerlink.database import rollback
from careerlink.errors import DomainError, NotFound
from careerlink.extensions import db, limiter
from careerlink.i18n import current_language
from careerlink.permissions import STAFF_ROLES, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("sso", __name__)

NEXT = "_clsso_next"
PENDING = "_clsso_link"
PENDING_SECONDS = 3600
MAX_USER_ID = 2**31 - 1


@bp.app_errorhandler(SignInRefused)
def refused(err: SignInRefused):
    """A refused campus sign-in: the unit of work rolled back, a log line, and a clear page."""
    rollback()
    err.log()
    return render_template("careerlink/accounts/sso/problem.html", error=err), err.status_code


@bp.app_context_processor
def sign_in_options():
    """What the sign-in, account and staff pages offer: buttons, policy, identities."""
    return {
        "sso_buttons": _buttons,
        "local_password_enabled": policy.local_signin_enabled,
        "sso_ways_in": services.ways_in,
        "sso_link_buttons": _link_buttons,
        "may_use_password": policy.may_use_password,
    }


def _buttons(next_path: str | None = None) -> list[tuple[str, str]]:
    """(label, url) of every way to sign in through a provider, keeping a local `next`."""
    keep = {"next": next_path} if next_path and is_safe_next(next_path) else {}
    found_buttons = [
        (p.label, url_for("sso.oidc_start", name=p.name, **keep)) for p in oidc_providers().values()
    ]
    settings = saml()
    if settings.enabled:
        found_buttons.append((settings.label, url_for("sso.saml_sign_in", **keep)))
    return found_buttons


def _link_buttons(user: User, ways: list | None = None) -> list[tuple[str, str]]:
    """(label, url) of the providers this user could link but has not, that allow their roles.

    `ways` is the user's `services.ways_in` when the page has read it already.
    """
    providers = oidc_providers()
    if not providers:  # nothing to link: no need to read the identities
        return []
    if ways is None:
        ways = services.ways_in(user)
    linked = {w.identity.provider for w in ways if w.identity is not None}
    return [
        (p.label, url_for("sso.oidc_start", name=p.name))
        for p in providers.values()
        if p.name not in linked and p.may_hold(user.roles)
    ]


def _keep_next() -> None:
    target = request.args.get("next") or ""
    if target and not is_safe_next(target):
        raise SignInRefused(
            _(
                "The link that brought you here wanted to send you on to another site after "
                "signing in. We do not follow such links: start again from the sign-in page."
            ),
            reason="unsafe_next",
            detail=f"next={target[:200]!r}",
        )
    session[NEXT] = target


def _provider(name: str):
    return found(oidc_provider(name))


@bp.route("/sso/oidc/<name>/start")
def oidc_start(name: str):
    """Send the browser to the provider (with state, nonce and a PKCE challenge)."""
    provider = _provider(name)
    _keep_next()
    return oidc.start(provider)


@bp.route("/sso/oidc/<name>/callback")
def oidc_callback(name: str):
    """The provider sends the browser back here with a code; check everything, then sign in."""
    provider = _provider(name)
    finished = oidc.finish(provider)
    return _complete(finished.assertion, provider, finished.id_token)


@bp.route("/sso/shibboleth")
def saml_sign_in():
    """The path the SP protects: the attributes are in the WSGI environ (never the headers)."""
    settings = saml()
    if not settings.enabled:
        raise NotFound()
    _keep_next()
    return _complete(environ.read(settings, request.environ), settings)


def _complete(assertion: Assertion, via: Source, id_token: str | None = None):
    if current_user.is_authenticated:
        return _link_signed_in(assertion, via)
    agent, address = client_details()
    done = perform(
        lambda: services.sign_in(assertion, via, agent, address, current_language()),
        propagate=(DomainError,),
    )
    result = done.value
    if isinstance(result, services.NeedsProof):
        session[PENDING] = {
            # Only the values some rule asks about: the session is a cookie of at most 4 KB.
            "assertion": relevant_to(assertion, via.rules).to_dict(),
            "nonce": secrets.token_urlsafe(16),
            "until": time.time() + PENDING_SECONDS,
            "id_token": id_token if id_token and len(id_token) <= 1800 else None,
        }
        return redirect(url_for("sso.link"))
    return _finish(result, via, id_token)


def _finish(result, via: Source, id_token: str | None):
    if isinstance(result, services.NoRole):
        return render_template(
            "careerlink/accounts/sso/no_role.html", via=via, contact=contact()
        ), 403
    target = session.get(NEXT) or ""
    sign_browser_in(result.user, result.key)
    remember(via.name, id_token)
    return redirect(target if is_safe_next(target) else home_for(result.user))


def _link_signed_in(assertion: Assertion, via: Source):
    user = signed_in_user()
    perform(
        lambda: services.link_signed_in(user, assertion, via),
        _("You can now sign in with %(provider)s.", provider=via.label),
        propagate=(SignInRefused,),
    )
    return redirect(url_for("accounts.account"))


def _pending() -> tuple[Assertion, Source, dict]:
    data = session.get(PENDING)
    via = source(data["assertion"]["provider"]) if isinstance(data, dict) else None
    if via is None or data.get("until", 0) < time.time():
        session.pop(PENDING, None)
        raise SignInRefused(
            _("This sign-in has expired. Start again from the sign-in page."),
            reason="link_expired",
        )
    return Assertion.from_dict(data["assertion"]), via, data


@bp.route("/sso/signed-out")
def signed_out():
    """Signed out here; on to the provider's own sign-out (a page: the form may not leave)."""
    url = take_farewell()
    if url is None:
        return redirect(url_for("main.index"))
    return render_template("careerlink/accounts/sso/signed_out.html", url=url)


@bp.route("/sso/link")
def link():
    """An account with this address exists: prove it is yours once (password or email)."""
    assertion, via, _ = _pending()
    user = find_user_by_email(assertion.email)
    return render_template(
        "careerlink/accounts/sso/link.html",
        assertion=assertion,
        via=via,
        has_password=bool(user is not None and user.password_hash),
        form=LinkPasswordForm(),
        email_form=ConfirmForm(),
    )


@bp.route("/sso/link/password", methods=["POST"])
@limiter.limit("10 per 10 minutes")
def link_password():
    """Link after the account's password proved it, then sign in."""
    assertion, via, data = _pending()
    form = LinkPasswordForm()
    if form.validate_on_submit():
        agent, address = client_details()
        done = perform(
            lambda: services.link_with_password(assertion, via, form.password.data, agent, address),
            form=form,
            propagate=(SignInRefused,),
        )
        if done:
            session.pop(PENDING, None)
            flash(
                _(
                    "%(provider)s is now linked to your account: next time, one click signs "
                    "you in.",
                    provider=via.label,
                ),
                "success",
            )
            return _finish(done.value, via, data.get("id_token"))
    user = find_user_by_email(assertion.email)
    return render_template(
        "careerlink/accounts/sso/link.html",
        assertion=assertion,
        via=via,
        has_password=bool(user is not None and user.password_hash),
        form=form,
        email_form=ConfirmForm(),
    ), 422


@bp.route("/sso/link/email", methods=["POST"])
@limiter.limit("5 per hour")
def link_email():
    """Email the account a link that confirms the linking (in this browser)."""
    assertion, via, data = _pending()
    if ConfirmForm().validate_on_submit() and perform(
        lambda: services.send_link_confirmation(assertion, via, data["nonce"]),
        propagate=(SignInRefused,),
    ):
        return render_template(
            "careerlink/accounts/sso/link_sent.html", assertion=assertion, via=via
        )
    return redirect(url_for("sso.link"))


@bp.route("/sso/link/confirm/<token>", methods=["GET", "POST"])
def confirm_link(token: str):
    """A page with a button (mail scanners open links); the POST links and signs in."""
    form = ConfirmForm()
    data = session.get(PENDING)
    if form.validate_on_submit():
        assertion = via = nonce = None
        if isinstance(data, dict) and data.get("until", 0) >= time.time():
            assertion = Assertion.from_dict(data["assertion"])
            via = source(assertion.provider)
            nonce = data.get("nonce")
        agent, address = client_details()
        done = perform(
            lambda: services.link_with_token(token, assertion, via, nonce, agent, address),
            propagate=(DomainError,),
        )
        session.pop(PENDING, None)
        flash(
            _(
                "%(provider)s is now linked to your account: next time, one click signs you in.",
                provider=via.label,
            ),
            "success",
        )
        return _finish(done.value, via, data.get("id_token"))
    label = None
    if isinstance(data, dict):
        label = label_for(str(data.get("assertion", {}).get("provider", "")))
    return render_template("careerlink/accounts/sso/confirm_link.html", form=form, label=label)


@bp.route("/account/identities/<int:identity_id>/unlink", methods=["POST"])
@login_required
def unlink(identity_id: int):
    """Unlink one provider from your account (never the last way in)."""
    if ConfirmForm().validate_on_submit():
        user = signed_in_user()
        done = perform(lambda: services.unlink(user, identity_id), propagate=(NotFound,))
        if done:
            flash(
                _(
                    "%(provider)s is no longer linked to your account.",
                    provider=label_for(done.value.provider),
                ),
                "success",
            )
    return redirect(url_for("accounts.account"))


@bp.route("/account/password/link", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def password_link():
    """Email yourself a link to set a password: a way in that does not need a campus account."""
    if ConfirmForm().validate_on_submit():
        user = signed_in_user()
        perform(
            lambda: services.send_password_link(user),
            _("We have emailed %(email)s a link to set your password.", email=user.email),
        )
    return redirect(url_for("accounts.account"))


@bp.route("/staff/people/sign-in")
@role_required(*STAFF_ROLES)
def staff_lookup():
    """Staff look a person up by email address to see how they sign in."""
    email = (request.args.get("email") or "").strip()[:254]
    if email:
        person = find_user_by_email(email)
        if person is not None:
            return redirect(url_for("sso.staff_person", user_id=person.id))
        flash(_("No account uses %(email)s.", email=email), "info")
    return render_template("careerlink/accounts/sso/staff_lookup.html", email=email)


@bp.route("/staff/people/<int:user_id>/sign-in")
@role_required(*STAFF_ROLES)
def staff_person(user_id: int):
    """How one person signs in: password, identities, and where each role came from."""
    person = found(db.session.get(User, user_id) if 0 < user_id <= MAX_USER_ID else None)
    return render_template(
        "careerlink/accounts/sso/staff_person.html",
        person=person,
        ways=services.ways_in(person),
        role_rows=sorted(person.role_rows, key=lambda r: r.role),
        label_for=label_for,
    )
