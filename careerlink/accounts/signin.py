"""The web side of sessions: the cookie's key, Flask-Login, and who "this device" is.

The signed Flask session cookie carries Flask-Login's user id and, under SESSION_KEY, the
random key of a row in careerlink_sessions (accounts.sessions). A user is signed in only
while that row is live, so signing out, ending a session from the account page, a password
change or a lifetime running out signs a browser out even if someone kept a copy of its cookie.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, lazyload
from werkzeug.exceptions import Unauthorized

from careerlink.accounts import sessions
from careerlink.accounts.models import PersonRules, User, UserSession
from careerlink.extensions import db
from careerlink.permissions import Role

SESSION_KEY = "_clsid"
_FLASHES = "_flashes"
# What Flask-Login and we keep in the cookie for a signed-in browser.
_SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", SESSION_KEY)


def client_details() -> tuple[str, str | None]:
    """This request's User-Agent header and address (after the trusted proxies)."""
    return request.headers.get("User-Agent", ""), request.remote_addr


class SignedInUser(PersonRules):
    """The signed-in person as pages read them: Flask-Login's `current_user`.

    The user's columns and roles come from the row that found their session (one Core
    statement, `sessions.find_live_session`): building the ORM user and its roles cost more
    than the statement, on every signed-in request, and most pages only read a name, an id and
    the roles. Once this request's database session holds the ORM `User` (from
    `signed_in_user()`, or any query that loaded this person), every read goes to it, so what a
    service changed shows at once, as it did when `current_user` was that object. Anything
    else asked of it (a relationship, say) loads it.

    Services take `signed_in_user()`, the ORM record, never this: it is not mapped, and the
    ORM refuses it where an entity belongs.
    """

    def __init__(self, user: Any, roles: frozenset[Role]) -> None:
        self.id = user.id
        self._row = user
        self._roles = roles
        self._session: Session = db.session()
        self._key = _USER_MAPPER.identity_key_from_primary_key((user.id,))
        self._record: User | None = None
        self._roles_changed = False

    def _live(self) -> User | None:
        """The request's ORM record of this person, if its database session holds one."""
        record = self._record
        if record is None:
            record = self._session.identity_map.get(self._key)
            self._record = record  # kept: the identity map holds its objects weakly
        return record

    def record(self) -> User:
        """The ORM record of this person, in this request's database session (loaded once)."""
        record = self._live()
        if record is None:
            # Its roles only if a service reads them: the row's serve `roles` until then.
            record = db.session.get(User, self.id, options=_ROLES_WHEN_READ)
            if record is None:  # the account was deleted since this request began
                raise Unauthorized()
            self._record = record
        return record

    @property
    def roles(self) -> AbstractSet[Role]:
        """The roles held: the record's once it read or changed them, else the row's."""
        record = self._live()
        if record is not None and (self._roles_changed or "role_rows" in record.__dict__):
            return record.roles
        return self._roles

    def __getattr__(self, name: str) -> Any:
        # Only what the row does not have (relationships, methods of User) comes here.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.record(), name)

    def __repr__(self) -> str:
        return f"<SignedInUser {self.id}>"


_USER_MAPPER = sa_inspect(User)
_ROLES_WHEN_READ = (lazyload(User.role_rows),)


def _column(name: str) -> property:
    def read(self: SignedInUser) -> Any:
        record = self._live()
        return getattr(self._row if record is None else record, name)

    return property(read, doc=f"The user's `{name}`.")


# Every column of the user (but the id, which never changes), read as `_column` says.
for _attribute in _USER_MAPPER.column_attrs:
    if _attribute.key != "id":
        setattr(SignedInUser, _attribute.key, _column(_attribute.key))


@event.listens_for(User.role_rows, "append", propagate=True)
@event.listens_for(User.role_rows, "remove", propagate=True)
@event.listens_for(User.role_rows, "bulk_replace", propagate=True)
def _roles_changed(target: User, *_args: Any, **_kwargs: Any) -> None:
    """A change to the signed-in person's roles: their roles come from the record after it."""
    if not g:
        return
    signed_in = g.get("_login_user")
    if isinstance(signed_in, SignedInUser) and signed_in.id == target.id:
        signed_in._roles_changed = True


def load_user(user_id: str) -> SignedInUser | None:
    """Flask-Login's user loader: the user of this cookie's live session, or None."""
    found = sessions.find_live_session(user_id, session.get(SESSION_KEY))
    if found is None:
        return None
    g.careerlink_session_id = found.id
    return SignedInUser(found.user, found.roles)


def signed_in_user() -> User:
    """The signed-in person's ORM record, for services (which read relationships and write).

    Only for a signed-in request (behind login_required or a role check).
    """
    user = current_user._get_current_object()
    return user.record() if isinstance(user, SignedInUser) else user


def current_session() -> UserSession | None:
    """The session row of this browser, when it is signed in (loaded when asked for)."""
    session_id = current_session_id()
    return None if session_id is None else db.session.get(UserSession, session_id)


def current_session_id() -> int | None:
    """The id of this browser's session row, when it is signed in."""
    if not current_user.is_authenticated:
        return None
    return g.get("careerlink_session_id")


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
    g.pop("careerlink_session_id", None)
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
