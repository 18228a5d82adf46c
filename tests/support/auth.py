"""How a test signs in: the one session helper for the test client, and the password to use.

Most tests sign in through the session (`sign_in_session`, or the `sign_in` fixture, which is
the same function bound to the test's `client`). Tests of the sign-in page itself post the real
form with DEFAULT_PASSWORD; browser tests use `browser.browser_helpers.sign_in_with_form`.
"""

from __future__ import annotations

import re

import pytest

from careerlink.accounts.sessions import start_session
from careerlink.accounts.signin import SESSION_KEY
from careerlink.database import transaction

# Every user the factories make has this password.
DEFAULT_PASSWORD = "correct horse battery"
# What the sessions made by `sign_in_session` say their browser was.
TEST_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"


def sign_in_session(client, user, user_agent: str = TEST_USER_AGENT) -> None:
    """Sign a user in through the session, without posting the form.

    Like the form, it starts a server-side session (a committed careerlink_sessions row) and
    puts its key in the client's cookie; call it inside the app context of the `db` fixture.
    """
    with transaction():
        key = start_session(user, user_agent, "127.0.0.1")
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess[SESSION_KEY] = key


@pytest.fixture
def sign_in(client):
    """sign_in(user) -> client: `sign_in_session` on the test's client."""

    def do(user):
        sign_in_session(client, user)
        return client

    return do


_SIGNED_CSRF = re.compile(r'(name="csrf_token"[^>]*? value="[^".]+)\.[^"]*"')


def unsigned(html: str) -> str:
    """The page with each CSRF token cut to its secret.

    A token is the session's secret signed with the time in seconds (the sign-out form in the
    header of every signed-in page has one), so the same page served twice differs there when
    the two requests fall either side of a second. Compare pages through this.
    """
    return _SIGNED_CSRF.sub(r'\1"', html)


def tampered(token: str) -> str:
    """The signed token (or a link ending in one) with its signature's first character changed.

    Not its last characters: the last base64 character of a signature carries only some bits,
    so swapping it can leave the same signature (about one token in a thousand).
    """
    head, signature = token.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
