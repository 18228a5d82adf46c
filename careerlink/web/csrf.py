"""Why a form was refused by the CSRF check, in words a user and an administrator can act on.

Flask-WTF gives the reason in English meant for developers ("The CSRF session token is
missing."); one reason can have several causes (the cookie was never sent, or the session
ended). Here each refusal becomes a `CsrfRefusal`: a short code for the logs, what the person
can do, and what an administrator should look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

# The person's message is in their language; the administrator's hint stays English (it
# names settings and headers, and is what the logs and the documentation say).


@dataclass(frozen=True)
class CsrfRefusal:
    """One CSRF refusal explained."""

    code: str
    message: str
    admin_hint: str


def _cookie_sent() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def _session_token_missing() -> CsrfRefusal:
    """The session holds no token: the cookie did not come, or the session has ended."""
    if not _cookie_sent():
        if current_app.config.get("SESSION_COOKIE_SECURE") and not request.is_secure:
            return CsrfRefusal(
                "cookie_not_sent_over_http",
                _(
                    "This page was opened over plain HTTP, so your browser kept back the site's "
                    "cookie (it travels over HTTPS only). Open the site's https:// address and "
                    "send the form again."
                ),
                "The request arrived over http://. Redirect HTTP to HTTPS; behind a proxy that "
                "ends HTTPS, have it send X-Forwarded-Proto and set CAREERLINK_PROXY_COUNT.",
            )
        return CsrfRefusal(
            "cookie_not_sent",
            _(
                "Your browser did not send the site's cookie, which the form needs. Allow "
                "cookies for this site (a blocker or private mode may refuse them), then: Go "
                "back, reload the page and send the form again."
            ),
            "No session cookie came with the form. Check that the cookie's name and path "
            "(the mount prefix) match the address users open.",
        )
    return CsrfRefusal(
        "session_ended",
        _(
            "Your session changed since this page was loaded (you signed in or out, perhaps in "
            "another tab, or it timed out). Go back, reload the page and send the form again."
        ),
        "The session cookie came without the form's token: the session ended, or SECRET_KEY "
        "changed since the page was served.",
    )


def explain(err: CSRFError) -> CsrfRefusal:
    """The refusal behind Flask-WTF's reason (its CSRFError description)."""
    reason = err.description or ""
    if reason == "The CSRF session token is missing.":
        return _session_token_missing()
    if reason == "The CSRF token is missing.":
        return CsrfRefusal(
            "token_missing",
            _(
                "The form was sent without its security token. Go back, reload the page and "
                "send the form again."
            ),
            "The POST carried no csrf_token field (or X-CSRFToken header): a script must "
            "first load the form and send its token back.",
        )
    if reason == "The CSRF token has expired.":
        return CsrfRefusal(
            "token_expired",
            _(
                "The form was open too long and its security token expired. Go back, reload "
                "the page and send the form again."
            ),
            "The form's token outlived WTF_CSRF_TIME_LIMIT.",
        )
    if reason in ("The CSRF token is invalid.", "The CSRF tokens do not match."):
        return CsrfRefusal(
            "token_mismatch",
            _(
                "The form's security token belongs to another session (you signed in or out "
                "since this page was loaded, perhaps in another tab). Go back, reload the page "
                "and send the form again."
            ),
            "The form's token does not match the session's: a page from before a sign-in, "
            "or from another browser.",
        )
    if reason == "The referrer header is missing.":
        return CsrfRefusal(
            "referrer_missing",
            _(
                "Your browser did not say which page the form came from (the Referer header), "
                "which this site needs over HTTPS to tell its own forms from forged ones. Allow "
                "your browser or extension to send it to this site, then: Go back, reload the "
                "page and send the form again."
            ),
            "An HTTPS POST came without a Referer header (a no-referrer policy, a privacy "
            "extension, or a script): a script must send Referer: https://<host>/...",
        )
    if reason == "The referrer does not match the host.":
        came_from = urlsplit(request.referrer or "").netloc or "another site"
        return CsrfRefusal(
            "referrer_mismatch",
            _(
                "The form was sent from %(site)s, not from this site. Open the form on this "
                "site and send it from there.",
                site=urlsplit(request.referrer or "").netloc or _("another site"),
            ),
            f"The Referer ({came_from}) is not the host the app sees ({request.host}): behind "
            "a proxy, pass the Host header (proxy_set_header Host $host) or X-Forwarded-Host "
            "with CAREERLINK_PROXY_COUNT.",
        )
    return CsrfRefusal(
        "other",
        _("The form could not be checked. Go back, reload the page and send the form again."),
        reason,
    )
