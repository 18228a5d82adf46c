"""Handing a sign-in made in a popup (top level) over to the portal's frame.

Identity providers refuse to be framed, so the frame opens the provider in a popup. The
popup is a first-party window with its own cookies; the frame (a partitioned, third-party
context) cannot see them. So the popup, once signed in, mints a code that is:

- short-lived (CODE_SECONDS) and signed for this one purpose;
- bound to the hand-off id the frame's own session holds (only its SHA-256 is in the code),
  so only the frame that started the sign-in can redeem it, and only once (the frame's
  session gives up the id when it redeems);

and posts it to its opener, our own origin only. The frame posts it back to us (a form with
a CSRF token) and gets a session of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask_babel import lazy_gettext as _l

from careerlink.accounts import sessions
from careerlink.accounts.models import User
from careerlink.accounts.services import SignedIn
from careerlink.errors import InvalidToken
from careerlink.extensions import db
from careerlink.tokens import make_token, read_token

PURPOSE = "embed-handoff"
CODE_SECONDS = 120
HANDOFF_SECONDS = 900
_HANDOFF_ID = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_USER_ID = 2**31 - 1
REFUSED = _l("This sign-in could not be handed over to the portal page. Please sign in again.")


def new_handoff_id() -> str:
    """A random hand-off id (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def is_handoff_id(value: object) -> bool:
    """Whether value looks like a hand-off id (before it goes in a URL or a code)."""
    return isinstance(value, str) and bool(_HANDOFF_ID.fullmatch(value))


def _digest(handoff_id: str) -> str:
    return hashlib.sha256(handoff_id.encode("ascii")).hexdigest()


def mint_code(user: User, handoff_id: str) -> str:
    """A code for `user`, redeemable only with `handoff_id`, for CODE_SECONDS."""
    return make_token(PURPOSE, {"u": user.id, "h": _digest(handoff_id)})


def redeem(code: str, handoff_id: str | None, user_agent: str | None, ip_address: str | None):
    """Check a code against the frame's hand-off id and start the frame's own session."""
    try:
        data = read_token(PURPOSE, code or "", CODE_SECONDS)
    except InvalidToken:
        raise InvalidToken(str(REFUSED), link=PURPOSE) from None
    user_id = data.get("u")
    if (
        not is_handoff_id(handoff_id)
        or not isinstance(data.get("h"), str)
        or not hmac.compare_digest(data["h"], _digest(handoff_id))
        or not isinstance(user_id, int)
        or not 0 < user_id <= MAX_USER_ID
    ):
        raise InvalidToken(str(REFUSED), link=PURPOSE)
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidToken(str(REFUSED), link=PURPOSE)
    return SignedIn(user, sessions.start_session(user, user_agent, ip_address))
