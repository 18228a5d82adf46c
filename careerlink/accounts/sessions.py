"""Server-side sessions: one row per signed-in browser, revocable, with two lifetimes.

The browser's (signed) cookie holds a random key; the table holds only its SHA-256, so a copy
of the table does not let anyone act as anybody. A session is live while it has not been ended,
its last request is less than CAREERLINK_SESSION_IDLE_MINUTES old, and it started less than
CAREERLINK_SESSION_MAX_HOURS ago. No request or current_user here: `accounts.signin` is the
web side (cookie, Flask-Login).

Starting and ending sessions are ordinary service writes in the caller's unit of work. Two
writes are not: recording activity (`last_seen_at`, at most once a minute) and marking a
session found expired happen while a user is being loaded, in the middle of some request, so
they run on a connection of their own and commit only themselves (see `_write_apart`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from careerlink.accounts.models import User, UserRole, UserSession
from careerlink.errors import InvalidTransition, NotFound
from careerlink.extensions import db
from careerlink.models import utcnow
from careerlink.permissions import Role

log = logging.getLogger(__name__)

# last_seen_at is rewritten at most this often: no write on every request.
TOUCH_EVERY = timedelta(minutes=1)
# Session and user ids are INTEGER columns (32 bits on PostgreSQL): a larger one is not a row.
MAX_ROW_ID = 2**31 - 1
USER_AGENT_LENGTH = UserSession.__table__.c.user_agent.type.length
IP_LENGTH = UserSession.__table__.c.ip_address.type.length


class EndReason(StrEnum):
    """Why a session ended (stored in end_reason)."""

    SIGNED_OUT = "signed_out"
    EXPIRED = "expired"
    ENDED_BY_USER = "ended_by_user"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    DEACTIVATED = "deactivated"


def hash_key(key: str) -> str:
    """The SHA-256 (hex) stored for a session key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(user: User, user_agent: str | None, ip_address: str | None) -> str:
    """Add a live session row for user and return its random key (for the cookie only)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=hash_key(key),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
            ip_address=(ip_address or None) and ip_address[:IP_LENGTH],
        )
    )
    db.session.flush()
    return key


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["CAREERLINK_SESSION_IDLE_MINUTES"])


def _age_limit() -> timedelta:
    return timedelta(hours=current_app.config["CAREERLINK_SESSION_MAX_HOURS"])


def is_live(row: UserSession, now: datetime | None = None) -> bool:
    """Not ended, not idle too long, not too old."""
    return row.ended_at is None and _within_lifetimes(row, now or utcnow())


def _within_lifetimes(row: UserSession | LiveSession, now: datetime) -> bool:
    """Not idle too long, not too old."""
    return now - row.last_seen_at < _idle_limit() and now - row.created_at < _age_limit()


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A session not ended, as a request finds it: its times, and its user read as a row."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    user: Any  # a row of every column of careerlink_users
    roles: frozenset[Role]


# The session, its user and their roles in one Core statement (a row per role): every
# signed-in request asks, and building ORM objects for them cost more than the statement.
# Built once.
_SESSION = UserSession.__table__
_USER = User.__table__
_ROLE = UserRole.__table__
_LIVE_SESSION = (
    select(
        _SESSION.c.id.label("session_id"),
        _SESSION.c.user_id.label("session_user_id"),
        _SESSION.c.created_at.label("session_created_at"),
        _SESSION.c.last_seen_at.label("session_last_seen_at"),
        _SESSION.c.ended_at.label("session_ended_at"),
        _ROLE.c.role.label("held_role"),
        *_USER.c,
    )
    .join(_USER, _USER.c.id == _SESSION.c.user_id)
    .outerjoin(_ROLE, _ROLE.c.user_id == _USER.c.id)
    .where(_SESSION.c.key_hash == bindparam("key_hash"))
)


def find_live_session(user_id: str | None, key: str | None) -> LiveSession | None:
    """The live session for this cookie's user id and key, with its user; None signs out.

    A session found past a lifetime, or whose user was deactivated, is marked ended; a live
    one has its activity recorded (at most once a minute). Both writes commit on their own.
    """
    if not key or not isinstance(key, str) or not isinstance(user_id, str):
        return None
    rows = db.session.connection().execute(_LIVE_SESSION, {"key_hash": hash_key(key)}).all()
    if not rows:
        return None
    first = rows[0]
    if str(first.session_user_id) != user_id or first.session_ended_at is not None:
        return None
    found = LiveSession(
        id=first.session_id,
        created_at=first.session_created_at,
        last_seen_at=first.session_last_seen_at,
        user=first,
        roles=frozenset(Role(row.held_role) for row in rows if row.held_role is not None),
    )
    now = utcnow()
    if not first.active:
        _end_apart(found.id, EndReason.DEACTIVATED, now)
        return None
    if not _within_lifetimes(found, now):
        _end_apart(found.id, EndReason.EXPIRED, now)
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        _touch_apart(found.id, now)
    return found


def _write_apart(statement) -> None:
    """Run one UPDATE on a connection of its own and commit it (skipped, or logged, when it
    cannot: the request goes on).

    This runs while a user is loaded, possibly in the middle of a view's unit of work: the
    request's session must neither commit nor roll back here. An in-memory SQLite database
    shares one connection between the engine and the session (StaticPool), so committing
    "apart" would commit the view's work too: there, the bookkeeping is skipped.
    """
    engine = db.engine
    if isinstance(engine.pool, StaticPool | SingletonThreadPool):
        return
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        # Bookkeeping only: a locked or unreachable database must not fail the page.
        log.warning("could not record session activity", exc_info=True)


def _touch_apart(session_id: int, now: datetime) -> None:
    # The WHERE clause lets only one of several simultaneous requests write.
    _write_apart(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at < now - TOUCH_EVERY,
        )
        .values(last_seen_at=now)
    )


def _end_apart(session_id: int, reason: str, now: datetime) -> None:
    _write_apart(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_session(row: UserSession | None, reason: str) -> None:
    """End one session (no-op for None or one already ended)."""
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason
        db.session.flush()


def active_sessions(user: User) -> list[Any]:
    """The user's live sessions, most recently used first, as rows of what the account page
    shows (id, user_agent, ip_address, created_at, last_seen_at): no session objects."""
    now = utcnow()
    found = db.session.connection().execute(
        _ACTIVE_SESSIONS,
        {
            "user_id": user.id,
            "seen_after": now - _idle_limit(),
            "started_after": now - _age_limit(),
        },
    )
    return found.all()


# Built once, like _LIVE_SESSION: the account page asks on every visit.
_ACTIVE_SESSIONS = (
    select(
        UserSession.id,
        UserSession.user_agent,
        UserSession.ip_address,
        UserSession.created_at,
        UserSession.last_seen_at,
    )
    .where(
        UserSession.user_id == bindparam("user_id"),
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at > bindparam("seen_after", type_=UserSession.last_seen_at.type),
        UserSession.created_at > bindparam("started_after", type_=UserSession.created_at.type),
    )
    .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
)


def end_session_of(
    user: User, session_id: int, reason: str = EndReason.ENDED_BY_USER
) -> UserSession:
    """End one of user's own sessions by id (NotFound for anyone else's)."""
    row = db.session.get(UserSession, session_id) if 0 < session_id <= MAX_ROW_ID else None
    if row is None or row.user_id != user.id:
        raise NotFound()
    if not is_live(row):
        raise InvalidTransition(_("That session had already ended."))
    end_session(row, EndReason.ENDED_BY_USER)
    return row


def end_sessions(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every session of user (except `keep`); how many of them were live."""
    stmt = select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None and keep.id is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    rows = list(db.session.scalars(stmt))
    now = utcnow()
    live = sum(is_live(row, now) for row in rows)
    for row in rows:
        row.ended_at = now
        row.end_reason = reason
    db.session.flush()
    return live


def purge_old_sessions(days: int, now: datetime | None = None) -> int:
    """Delete the rows of sessions over for more than `days` days (0 keeps them); how many.

    A session is over when it was ended or, never marked, when it went idle too long: its last
    request plus the idle limit. (One that reached its maximum age while in use is purged a
    few idle hours late, never early: its last request came before its end.)
    """
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    over = or_(
        UserSession.ended_at < cutoff,
        and_(UserSession.ended_at.is_(None), UserSession.last_seen_at < cutoff - _idle_limit()),
    )
    return db.session.execute(delete(UserSession).where(over)).rowcount
