"""API test helpers: tokens made through the services, and a client that sends them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from careerlink.api import scopes as scope_names
from careerlink.database import transaction

ALL_PERSONAL = list(scope_names.PERSONAL_SCOPES)


@dataclass
class Api:
    """A test client that sends one token (or none) with every call."""

    client: object
    token: str | None = None

    def headers(self, extra=None) -> dict:
        """The Authorization header for this token, and any others."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path, **kw):
        """GET with the token."""
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        """POST JSON with the token."""
        headers = self.headers(kw.pop("headers", None))
        return self.client.post(path, json=json if json is not None else {}, headers=headers, **kw)

    def patch(self, path, json=None, **kw):
        """PATCH JSON with the token."""
        return self.client.patch(
            path, json=json, headers=self.headers(kw.pop("headers", None)), **kw
        )

    def put(self, path, json=None, **kw):
        """PUT JSON with the token."""
        return self.client.put(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def make_token(db):
    """make_token(user, scopes=every personal scope, days=30) -> the raw token."""
    from careerlink.api import tokens

    def factory(user, scopes=None, days=30):
        wanted = list(scopes) if scopes is not None else list(ALL_PERSONAL)
        if not user.is_staff and scope_names.STAFF in wanted and scopes is None:
            wanted.remove(scope_names.STAFF)
        with transaction():
            _token, raw = tokens.create_personal_token(user, "test", wanted, days)
        return raw

    return factory


@pytest.fixture
def make_service_token(db, make_user):
    """make_service_token(scopes, days=None) -> the raw service token (made by an admin)."""
    from careerlink.api import tokens
    from careerlink.permissions import Role

    made = {}

    def factory(scopes, days=None):
        if "admin" not in made:
            made["admin"] = make_user(Role.ADMIN, name="Token Admin")
        with transaction():
            _token, raw = tokens.create_service_token(made["admin"], "portal", list(scopes), days)
        return raw

    return factory


@pytest.fixture
def api(client):
    """api(token=None) -> an Api client sending that token."""

    def make(token=None):
        return Api(client, token)

    return make
