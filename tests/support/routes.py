"""Sweeping the URL map: the routes, their paths with values filled in, one browser per user.

Shared by the route fuzz (hostile values in every argument) and the French sweep (real ids
and tokens in every argument).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import select

from careerlink.accounts.models import UserSession
from careerlink.accounts.sessions import hash_key, start_session
from careerlink.accounts.signin import SESSION_KEY
from careerlink.database import transaction
from careerlink.extensions import db as _db
from support.auth import TEST_USER_AGENT


def routes(app, api: bool = True) -> list[tuple[str, str, list[str]]]:
    """(method, rule, argument names) for every route but static files (and the API's)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or (not api and rule.rule.startswith("/api/")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, sorted(rule.arguments)))
    return found


def path_for(rule: str, values: dict[str, str]) -> str:
    """The rule's path with each `<converter:name>` replaced by values[name], quoted."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)


class Visitor:
    """One user's browser: before each request, a fresh session cookie of a live session.

    Each request starts from the same cookie (an earlier one may have signed out, or left
    messages to flash in the cookie); a new server-side session is started only when the
    last one was ended (POST /signout, a password change, ending sessions). Starting one for
    every request (a committed session row) cost most of the route fuzz's time. A sweep that
    ends no session passes recheck=False and skips the check before each request.
    """

    def __init__(self, client, user, recheck: bool = True):
        self.client, self.user, self.recheck = client, user, recheck
        self.key: str | None = None
        self.cookie = ""

    def _live(self) -> bool:
        with _db.engine.connect() as connection:  # apart from the test's session and objects
            row = connection.execute(
                select(UserSession.ended_at).where(UserSession.key_hash == hash_key(self.key))
            ).first()
        return row is not None and row.ended_at is None

    def prepare(self) -> None:
        """Sign in (again if the session has ended) and put the session cookie back."""
        app = self.client.application
        name = app.config["SESSION_COOKIE_NAME"]
        path = app.config.get("SESSION_COOKIE_PATH") or "/"
        if self.user is None:
            self.client.delete_cookie(name, path=path)
            return
        if self.key is None or (self.recheck and not self._live()):
            with transaction():
                self.key = start_session(self.user, TEST_USER_AGENT, "127.0.0.1")
            data = {"_user_id": self.user.get_id(), "_fresh": True, SESSION_KEY: self.key}
            self.cookie = app.session_interface.get_signing_serializer(app).dumps(data)
        self.client.set_cookie(name, self.cookie, path=path)
