"""The web side of sessions: the cookie's key, Flask-Login, and who "this device" is.

The signed Flask session cookie carries Flask-Login's user id and, under SESSION_KEY, the
random key of a row in careerlink_sessions (accounts.sessions). A user is signed in only
while that row is live, so signing out, ending a session from the account page, a password
change or a lifetime running out signs a browser out even if someone kept a copy of its cookie.
"""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from careerlink.accounts import sessions
from careerlink.accounts.models import User, UserSession

SESSION_KEY = "_clsid"
_FLASHES = "_flashes"
# What Flask-Login and we keep in the cookie for a signed-in browser.
_SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", SESSION_KEY)


def client_details() -> tuple[str, str | None]:
    """This request's User-Agent header and address (after the trusted proxies)."""
    return request.headers.get("User-Agent", ""), request.remote_addr


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of this cookie's live session, or None."""
    row = sessions.find_live_session(user_id, session.get(SESSION_KEY))
    if row is None:
        return None
    g.careerlink_session = row
    return row.user


def current_session() -> UserSession | None:
    """The session row of this browser, when it is signed in."""
    if not current_user.is_authenticated:
        return None
    return g.get("careerlink_session")


def sign_browser_in(user: User, key: str) -> None:
    """Sign this browser in to the session whose key `key` is (after its row is committed).

    Everything the browser carried while anonymous is dropped, the CSRF token first: a token
    an attacker obtained (or planted) before sign-in is worthless after it. Messages to show
    on the next page are kept.
    """
    flashes = session.get(_FLASHES)
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
    session[SESSION_KEY] = key
    if flashes:
        session[_FLASHES] = flashes


def sign_browser_out() -> None:
    """Forget this browser's sign-in entirely (end its row first, in a unit of work).

    Messages to show on the next page are kept; nothing else is.
    """
    flashes = session.get(_FLASHES)
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop("careerlink_session", None)
    logout_user()
    if flashes:
        session[_FLASHES] = flashes


def resolve_user_first() -> None:
    """Load the signed-in user before the view runs, and drop a dead session's cookie keys.

    Loading may write (activity, expiry) on a connection of its own; doing it before any view
    work means such a write never waits on locks the request's own transaction holds.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return
    if not current_user.is_authenticated:
        for name in _SIGNED_IN_KEYS:
            session.pop(name, None)
