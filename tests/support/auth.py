"""How a test signs in: the one session helper for the test client, and the password to use.

Most tests sign in through the session (`sign_in_session`, or the `sign_in` fixture, which is
the same function bound to the test's `client`). Tests of the sign-in page itself post the real
form with DEFAULT_PASSWORD; browser tests use `browser.browser_helpers.sign_in_with_form`.
"""

from __future__ import annotations

import pytest

# Every user the factories make has this password.
DEFAULT_PASSWORD = "correct horse battery"


def sign_in_session(client, user) -> None:
    """Sign a user in through the session, without posting the form."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


@pytest.fixture
def sign_in(client):
    """sign_in(user) -> client: `sign_in_session` on the test's client."""

    def do(user):
        sign_in_session(client, user)
        return client

    return do
