"""The one rule for what an email address must look like, for every form and every service."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

INVALID = _l("Enter a valid email address.")
MAX_LENGTH = 254


def email_problem(address: str) -> str | None:
    """Say what is wrong with an address, or None when CareerLink accepts it.

    The syntax is checked (email-validator), never the domain's DNS: a web request must not
    wait on DNS, and a campus may use addresses on hosts it alone resolves. `test_environment`
    lets `.test` addresses through (RFC 6761 reserves the name for testing; the demo accounts
    are `…@demo.careerlink.test`); `.local`, `.localhost`, `.invalid` and `.onion` stay refused.
    """
    address = (address or "").strip()
    if not address or len(address) > MAX_LENGTH:
        return str(INVALID)
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return str(INVALID)
    return None
