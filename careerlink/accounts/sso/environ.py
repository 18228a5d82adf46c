"""SAML through the web server: a Shibboleth SP (or mod_auth_mellon) in front of the app.

The SP protects one path (/sso/shibboleth) and passes the person's attributes to the app as
WSGI environ variables (Apache with mod_wsgi, or nginx with uWSGI's uwsgi_param). Only the
environ is read, and never its HTTP_* entries: those are request headers, which any browser
can send. Multi-valued attributes arrive joined with `;`; scoped values (eppn, scoped
affiliation) must carry one of CAREERLINK_SAML_ALLOWED_SCOPES.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from careerlink.accounts.sso import assertion as assertions
from careerlink.accounts.sso.assertion import Assertion, SignInRefused
from careerlink.accounts.sso.settings import SamlSettings


def _raw(environ: Mapping, name: str) -> str:
    if name.upper().startswith("HTTP_"):
        return ""  # a request header, never an attribute (config.py refuses such names too)
    value = environ.get(name)
    return value.strip() if isinstance(value, str) else ""


def _split(raw: str) -> list[str]:
    # The SP joins values with ';' and escapes a ';' inside a value as '\\;'.
    parts, current, escaped = [], [], False
    for char in raw:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def read(settings: SamlSettings, environ: Mapping) -> Assertion:
    """The person the SP vouched for, from the environ; SignInRefused when it did not."""
    subject_values = _split(_raw(environ, settings.attribute("subject")))
    if not subject_values:
        raise SignInRefused(
            _(
                "The campus sign-in did not tell us who you are. Try again; if it keeps "
                "happening, contact the career office."
            ),
            reason="no_subject",
            provider=settings.name,
            detail=f"environ has no {settings.attribute('subject')!r}",
            status=502,
        )
    if len(subject_values) > 1:
        raise SignInRefused(
            _("The campus sign-in sent more than one identity for you. Contact the career office."),
            reason="subject_ambiguous",
            provider=settings.name,
            detail=f"{len(subject_values)} values",
            status=502,
        )
    emails = _split(_raw(environ, settings.attribute("email")))
    names = _split(_raw(environ, settings.attribute("name")))
    return assertions.build(
        settings.name,
        subject=subject_values[0],
        email=emails[0] if emails else None,
        # The campus directory issues and owns these addresses.
        email_verified=True,
        name=names[0] if names else None,
        affiliations=_split(_raw(environ, settings.attribute("affiliation"))),
        entitlements=_split(_raw(environ, settings.attribute("entitlement"))),
        groups=_split(_raw(environ, settings.attribute("groups"))),
        allowed_domains=settings.allowed_domains,
    )
