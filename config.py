"""Configuration classes for CareerLink, read from environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


class ConfigError(click.ClickException, RuntimeError):
    """A configuration value is missing or invalid; the message names the variable.

    A ClickException, so that the `flask` command (which builds the app before running any
    command) prints it as one line, "Error: <message>", and exits with status 1.
    """


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Read a boolean variable, refusing anything that is not clearly yes or no."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    """Read an integer variable with a lower bound."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read a variable that must be one of a fixed set of words."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def env_time_zone(env: Mapping[str, str], name: str, default: str) -> str:
    """An IANA time zone name (Europe/Paris) that zoneinfo knows."""
    raw = (env.get(name) or "").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone name such as Europe/Paris, got {raw!r}"
        ) from None
    return raw


def env_url(env: Mapping[str, str], name: str) -> str | None:
    """Read an absolute http(s) URL, without a trailing slash."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.startswith("http://") or raw.startswith("https://")) or raw[-3:] == "://":
        raise ConfigError(f"{name} must be an absolute http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def env_redis_url(env: Mapping[str, str], name: str) -> str | None:
    """Read an optional Redis URL (redis:// or rediss://)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme.lower() not in ("redis", "rediss") or not rest:
        raise ConfigError(
            f"{name} must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0, "
            f"got {scheme}://..."
        )
    return raw


def env_cache_prefix(env: Mapping[str, str], name: str, default: str) -> str:
    """Read a cache key prefix: not empty (a shared Redis is cleared by prefix), no spaces."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if not value or len(value) > 100 or any(c.isspace() for c in value):
        raise ConfigError(f"{name} must be 1 to 100 characters without spaces, got {raw!r}")
    return value


_COOKIE_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
_SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def env_cookie_name(env: Mapping[str, str], name: str, default: str) -> str:
    """Read a cookie name: a plain token (letters, digits, _ and a few marks), at most 64."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not _COOKIE_NAME.match(value):
        raise ConfigError(
            f"{name} must be a cookie name of letters, digits, - and _ (at most 64), got {raw!r}"
        )
    return value


def env_sql_name(env: Mapping[str, str], name: str, default: str) -> str:
    """Read a table name: lower-case letters, digits and _, starting with a letter or _."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not _SQL_NAME.match(value):
        raise ConfigError(
            f"{name} must be a table name of lower-case letters, digits and _ (at most 63), "
            f"got {raw!r}"
        )
    return value


def instance_path_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """CAREERLINK_INSTANCE_PATH: the instance folder (an absolute path), or None for Flask's."""
    env = os.environ if env is None else env
    raw = (env.get("CAREERLINK_INSTANCE_PATH") or "").strip()
    if not raw:
        return None
    if not os.path.isabs(raw):
        raise ConfigError(f"CAREERLINK_INSTANCE_PATH must be an absolute path, got {raw!r}")
    return raw


def env_database_url(env: Mapping[str, str], name: str = "DATABASE_URL") -> str | None:
    """Read a SQLAlchemy database URL, normalising the postgres:// scheme that hosts hand out."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if raw.startswith("postgres://"):
        raw = "postgresql+psycopg://" + raw[len("postgres://") :]
    elif raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    if not (raw.startswith("sqlite") or raw.startswith("postgresql")):
        raise ConfigError(
            f"{name} must be a sqlite:// or postgresql:// URL, got {raw.split(':')[0]}://..."
        )
    return raw


# --- campus sign-in (careerlink.accounts.sso) -------------------------------------------------

ROLE_NAMES = ("student", "alumnus", "staff", "admin")
SIGNUP_ROLE_NAMES = ("student", "alumnus")
RULE_KINDS = ("affiliation", "entitlement", "group", "any")
DEFAULT_ROLE_RULES = "affiliation:student=student;affiliation:alum=alumnus"
DEFAULT_OIDC_SCOPES = "openid email profile"
# Claim names per provider, and their defaults (eduPerson names as the Shibboleth OP sends them).
OIDC_CLAIMS = {
    "subject": "sub",
    "email": "email",
    "email_verified": "email_verified",
    "name": "name",
    "affiliation": "eduperson_scoped_affiliation",
    "entitlement": "eduperson_entitlement",
    "groups": "groups",
}
# WSGI environ names of the SAML attributes (a Shibboleth SP's attribute-map.xml ids).
SAML_ATTRIBUTES = {
    "subject": "eppn",
    "email": "mail",
    "name": "displayName",
    "affiliation": "affiliation",
    "entitlement": "entitlement",
    "groups": "isMemberOf",
}
_PROVIDER_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}")


def env_list(env: Mapping[str, str], name: str, default: str = "", sep: str = ",") -> list[str]:
    """Read a separated list of words (empty items dropped)."""
    raw = env.get(name)
    raw = default if raw is None else raw
    return [item.strip() for item in raw.split(sep) if item.strip()]


def env_roles(
    env: Mapping[str, str], name: str, default: tuple[str, ...], allowed=ROLE_NAMES
) -> tuple[str, ...]:
    """Read a comma-separated list of role names, each one of `allowed`."""
    raw = env.get(name)
    if raw is None:
        return tuple(default)
    roles = [r.lower() for r in env_list(env, name)]
    unknown = [r for r in roles if r not in allowed]
    if unknown:
        raise ConfigError(
            f"{name} lists {', '.join(unknown)}; the roles it may name are {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(roles))


def env_role_rules(env: Mapping[str, str], name: str, default: str) -> tuple[tuple, ...]:
    """Read role rules `kind:value=role;...` into (kind, value, role) triples.

    Kinds: affiliation, entitlement, group, and `any=role` (everyone who signs in through that
    provider). Staff and admin come only from a rule naming a value, never from `any`.
    """
    raw = env.get(name)
    raw = default if raw is None else raw
    rules = []
    for item in (part.strip() for part in raw.split(";")):
        if not item:
            continue
        left, sep, role = item.rpartition("=")
        role = role.strip().lower()
        if not sep or not left.strip():
            raise ConfigError(
                f"{name}: {item!r} is not a rule; write kind:value=role, e.g. "
                "affiliation:student=student"
            )
        if role not in ROLE_NAMES:
            raise ConfigError(
                f"{name}: {item!r} grants {role!r}; roles are {', '.join(ROLE_NAMES)}"
            )
        kind, _, value = left.strip().partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if kind not in RULE_KINDS:
            raise ConfigError(
                f"{name}: {item!r} has kind {kind!r}; kinds are {', '.join(RULE_KINDS)}"
            )
        if kind == "any":
            if value:
                raise ConfigError(f"{name}: write `any=role` without a value, got {item!r}")
            if role in ("staff", "admin"):
                raise ConfigError(
                    f"{name}: {item!r} would make everyone {role}; staff and admin come only "
                    "from a rule naming an affiliation, entitlement or group"
                )
        elif not value:
            raise ConfigError(f"{name}: {item!r} names no value after {kind}:")
        rules.append((kind, value, role))
    return tuple(rules)


def _oidc_provider(env: Mapping[str, str], name: str, global_rules: tuple) -> dict:
    prefix = f"CAREERLINK_OIDC_{name.upper()}_"

    def required(key: str) -> str:
        value = (env.get(prefix + key) or "").strip()
        if not value:
            raise ConfigError(f"{prefix}{key} must be set (provider {name!r} is listed)")
        return value

    discovery = env_url(env, prefix + "DISCOVERY_URL")
    if not discovery:
        raise ConfigError(f"{prefix}DISCOVERY_URL must be set (provider {name!r} is listed)")
    scopes = env_list(env, prefix + "SCOPES", DEFAULT_OIDC_SCOPES, sep=" ")
    if "openid" not in scopes:
        raise ConfigError(f"{prefix}SCOPES must include openid, got {' '.join(scopes)!r}")
    claims = {}
    for key, default in OIDC_CLAIMS.items():
        value = (env.get(prefix + "CLAIM_" + key.upper()) or "").strip()
        claims[key] = value or default
    rules_name = prefix + "ROLE_RULES"
    return {
        "name": name,
        "discovery_url": discovery,
        "client_id": required("CLIENT_ID"),
        "client_secret": required("CLIENT_SECRET"),
        "token_auth_method": env_choice(
            env,
            prefix + "TOKEN_AUTH_METHOD",
            "client_secret_basic",
            ("client_secret_basic", "client_secret_post"),
        ),
        "scopes": " ".join(scopes),
        "label": (env.get(prefix + "LABEL") or "").strip() or name.replace("_", " ").title(),
        "roles": env_roles(env, prefix + "ROLES", ROLE_NAMES),
        "role_rules": (env_role_rules(env, rules_name, "") if rules_name in env else global_rules),
        "claims": claims,
        "assume_email_verified": env_bool(env, prefix + "ASSUME_EMAIL_VERIFIED", False),
        "allowed_domains": tuple(d.lower() for d in env_list(env, prefix + "ALLOWED_DOMAINS")),
        "userinfo": env_bool(env, prefix + "USERINFO", False),
        "provider_sign_out": env_bool(env, prefix + "PROVIDER_SIGN_OUT", True),
    }


def _saml_settings(env: Mapping[str, str], global_rules: tuple) -> dict:
    enabled = env_bool(env, "CAREERLINK_SAML_ENABLED", False)
    attributes = {}
    for key, default in SAML_ATTRIBUTES.items():
        name = f"CAREERLINK_SAML_ATTR_{key.upper()}"
        value = (env.get(name) or "").strip() or default
        # Request headers reach the environ as HTTP_*: a browser could forge them.
        if value.upper().startswith("HTTP_"):
            raise ConfigError(
                f"{name} must name a variable the web server sets, not a request header "
                f"(HTTP_...), got {value!r}"
            )
        attributes[key] = value
    scopes = tuple(s.lower() for s in env_list(env, "CAREERLINK_SAML_ALLOWED_SCOPES"))
    if enabled and not scopes:
        raise ConfigError(
            "CAREERLINK_SAML_ALLOWED_SCOPES must list your campus domains (e.g. example.edu) "
            "when CAREERLINK_SAML_ENABLED is true"
        )
    logout = (env.get("CAREERLINK_SAML_LOGOUT_URL") or "").strip() or None
    if logout and not (logout.startswith("/") or logout.startswith("https://")):
        raise ConfigError(
            "CAREERLINK_SAML_LOGOUT_URL must be a path on this server (e.g. "
            f"/Shibboleth.sso/Logout) or an https:// URL, got {logout!r}"
        )
    rules_name = "CAREERLINK_SAML_ROLE_RULES"
    return {
        "enabled": enabled,
        "label": (env.get("CAREERLINK_SAML_LABEL") or "").strip() or "Campus sign-in",
        "roles": env_roles(env, "CAREERLINK_SAML_ROLES", ROLE_NAMES),
        "role_rules": env_role_rules(env, rules_name, "") if rules_name in env else global_rules,
        "attributes": attributes,
        "allowed_scopes": scopes,
        "logout_url": logout,
    }


def sso_settings(env: Mapping[str, str]) -> dict:
    """Every campus sign-in setting, validated; each error names its variable."""
    rules = env_role_rules(env, "CAREERLINK_SSO_ROLE_RULES", DEFAULT_ROLE_RULES)
    names = [n.lower() for n in env_list(env, "CAREERLINK_OIDC_PROVIDERS")]
    for name in names:
        if not _PROVIDER_NAME.fullmatch(name) or name == "saml":
            raise ConfigError(
                f"CAREERLINK_OIDC_PROVIDERS: {name!r} is not a provider name (a lower-case "
                "letter, then letters, digits or _, at most 30; not 'saml')"
            )
    if len(set(names)) != len(names):
        raise ConfigError("CAREERLINK_OIDC_PROVIDERS names a provider twice")
    return {
        "CAREERLINK_OIDC_PROVIDERS": {name: _oidc_provider(env, name, rules) for name in names},
        "CAREERLINK_OIDC_LEEWAY_SECONDS": env_int(env, "CAREERLINK_OIDC_LEEWAY_SECONDS", 60),
        "CAREERLINK_OIDC_TIMEOUT_SECONDS": env_int(env, "CAREERLINK_OIDC_TIMEOUT_SECONDS", 10, 1),
        "CAREERLINK_SAML": _saml_settings(env, rules),
        "CAREERLINK_SSO_ROLE_RULES": rules,
        "CAREERLINK_SSO_CONTACT": (env.get("CAREERLINK_SSO_CONTACT") or "").strip()
        or "the career office",
        "CAREERLINK_LOCAL_SIGNIN_ROLES": env_roles(
            env, "CAREERLINK_LOCAL_SIGNIN_ROLES", ROLE_NAMES
        ),
        "CAREERLINK_LOCAL_SIGNUP_ROLES": env_roles(
            env, "CAREERLINK_LOCAL_SIGNUP_ROLES", SIGNUP_ROLE_NAMES, allowed=SIGNUP_ROLE_NAMES
        ),
    }


_RATE_LIMIT_RE = re.compile(
    r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$", re.IGNORECASE
)


def env_rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """Read a rate limit such as "300 per minute" or "10/second"."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not _RATE_LIMIT_RE.match(raw):
        raise ConfigError(f"{name} must look like '300 per minute' or '10/second', got {raw!r}")
    return raw


def env_origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Read comma-separated web origins (scheme://host[:port], no path), e.g. a campus portal."""
    origins = []
    for raw in (env.get(name) or "").split(","):
        origin = raw.strip().rstrip("/")
        if not origin:
            continue
        scheme, sep, rest = origin.partition("://")
        if (
            scheme.lower() not in ("http", "https")
            or not sep
            or not rest
            or "/" in rest
            or "*" in rest
        ):
            raise ConfigError(
                f"{name} must list origins like https://portal.example.edu (no path, no "
                f"wildcard), separated by commas; got {raw.strip()!r}"
            )
        origins.append(f"{scheme.lower()}://{rest.lower()}")
    return tuple(origins)


# --- embedding in a campus portal (careerlink.embed) --------------------------------------------

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
_ORIGIN = re.compile(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:]+\])(?::([0-9]{1,5}))?/?")
_IPV4 = re.compile(r"[0-9]+(\.[0-9]+){3}")


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.1 or ::1 (and names under .localhost)."""
    host = host.lower()
    return host in _LOOPBACK_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def parse_origin(raw: str, name: str) -> str:
    """One origin, `https://host[:port]`, normalised (lower case, default port dropped).

    http:// is accepted for a loopback host only (a portal on a developer's machine).
    """
    match = _ORIGIN.fullmatch(raw.strip().lower())
    if not match:
        raise ConfigError(
            f"{name}: {raw!r} is not an origin; write scheme://host[:port] with nothing after "
            "it, e.g. https://portal.example.edu"
        )
    scheme, host, port = match.groups()
    if scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            f"{name}: {raw!r} must be an https:// origin (http:// only for localhost)"
        )
    if port is not None and not 0 < int(port) < 65536:
        raise ConfigError(f"{name}: {raw!r} has no valid port")
    if port is not None and int(port) == (443 if scheme == "https" else 80):
        port = None
    return f"{scheme}://{host}" + (f":{int(port)}" if port else "")


def site_of(host: str) -> str:
    """The registrable part of a host as browsers group cookies into sites, conservatively.

    The last two labels (example.edu, mit.edu), or three under a country code whose
    second-level label is a short one that registries hand out under (ox.ac.uk,
    unimelb.edu.au). Without the public suffix list it errs towards "another site": that costs
    only SameSite=None cookies where Lax would have done. (Hosts under a shared hosting domain,
    like two apps on one PaaS's default domain, are cross-site for browsers but one site here.)
    """
    host = host.lower().strip("[]")
    if ":" in host or _IPV4.fullmatch(host) or "." not in host:
        return host
    labels = host.split(".")
    country_registry = len(labels[-1]) == 2 and len(labels[-2]) <= 3
    take = 3 if len(labels) >= 3 and country_registry else 2
    return ".".join(labels[-take:])


def same_site(origin: str, other: str) -> bool:
    """Whether two origins are one site for the browser (same scheme, same registrable part)."""
    a, b = urlsplit(origin), urlsplit(other)
    return a.scheme == b.scheme and site_of(a.hostname or "") == site_of(b.hostname or "")


def embed_settings(
    env: Mapping[str, str], base_url: str, secure_cookies: bool, production: bool
) -> dict:
    """The portals that may frame CareerLink, and the cookie attributes their frames need.

    CAREERLINK_EMBED_ORIGINS lists origins (space- or comma-separated). A portal on another
    site than CAREERLINK_BASE_URL only gets a signed-in frame with cookies marked
    SameSite=None; Secure; Partitioned (CHIPS), which browsers keep only over HTTPS: so
    cross-site embedding needs CAREERLINK_SECURE_COOKIES=true, except for development on
    loopback (browsers treat http://localhost as secure). A same-site portal keeps Lax.
    """
    name = "CAREERLINK_EMBED_ORIGINS"
    raw = [part for part in re.split(r"[\s,]+", env.get(name) or "") if part]
    origins = tuple(dict.fromkeys(parse_origin(part, name) for part in raw))
    parts = urlsplit(base_url or "")
    app_origin = f"{parts.scheme}://{(parts.hostname or '').lower()}"
    cross_site = tuple(o for o in origins if not same_site(o, app_origin))
    settings: dict = {
        name: origins,
        "CAREERLINK_EMBED_CROSS_SITE": cross_site,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PARTITIONED": False,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
    }
    if cross_site:
        if not secure_cookies and (production or not is_loopback_host(parts.hostname or "")):
            raise ConfigError(
                f"{name} lists a portal on another site ({cross_site[0]}): its frames need "
                "cookies marked SameSite=None; Secure; Partitioned, which browsers keep only "
                "over HTTPS. Serve CareerLink over https and set CAREERLINK_SECURE_COOKIES=true "
                "(only a development app on localhost may do without)"
            )
        # The CSRF token lives in the session (Flask-WTF), so this one cookie is all a
        # signed-in frame needs; Flask-Login's remember cookie is never set (no "remember me").
        settings.update(
            SESSION_COOKIE_SAMESITE="None",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_PARTITIONED=True,
            REMEMBER_COOKIE_SAMESITE="None",
            REMEMBER_COOKIE_SECURE=True,
        )
    return settings


DEFAULT_CONDUCT_POLICY = (
    "Alumni volunteer their time. Be courteous and punctual, keep what you learn about their "
    "workplace confidential, do not ask for a job directly, and tell the career office if "
    "anything goes wrong."
)
DEFAULT_CONSENT_TEXT = (
    "I agree to be listed in the alumni mentor directory and to be contacted by students and "
    "graduates through the career office. The career office reviews every request before it "
    "reaches me, never shows my email address or phone number in the directory, and I can "
    "pause or opt out at any time."
)


DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class Config:
    """Settings shared by every environment; values come from the environment."""

    TESTING = False
    DEBUG = False
    ENV_NAME = "development"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; a long form is not lost
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Never set (no "remember me"), but Flask-Login reads and clears a cookie of this name:
    # not the default "remember_token", which a portal's Flask-Login on the host may own.
    REMEMBER_COOKIE_NAME = "careerlink_remember"
    RATELIMIT_HEADERS_ENABLED = True

    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        self.SECRET_KEY = env.get("SECRET_KEY") or None
        # Former keys, comma-separated (Flask's setting): private links queued in the outbox
        # under one of them can still be read and sent after SECRET_KEY is changed.
        self.SECRET_KEY_FALLBACKS = [
            key.strip() for key in env.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
        ]
        self.SQLALCHEMY_DATABASE_URI = env_database_url(env)
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = env_int(env, "MAIL_PORT", 25, minimum=1)
        self.MAIL_USE_TLS = env_bool(env, "MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool(env, "MAIL_USE_SSL", False)
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL:
            raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL cannot both be true; pick one")
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "CareerLink <careers@localhost>")
        self.CAREERLINK_MAIL_TRANSPORT = env_choice(
            env, "CAREERLINK_MAIL_TRANSPORT", "catcher", ("smtp", "catcher")
        )
        # Links in emails never take their host from a request (a forged Host header would
        # send reset links to an attacker): production must say where it lives.
        self.CAREERLINK_BASE_URL = env_url(env, "CAREERLINK_BASE_URL") or DEFAULT_BASE_URL
        self.CAREERLINK_MAIL_DIR = env.get("CAREERLINK_MAIL_DIR") or None
        self.CAREERLINK_SITE_NAME = env.get("CAREERLINK_SITE_NAME", "CareerLink")
        self.CAREERLINK_MAIL_MAX_ATTEMPTS = env_int(env, "CAREERLINK_MAIL_MAX_ATTEMPTS", 8, 1)
        self.CAREERLINK_MAIL_BACKOFF_SECONDS = env_int(
            env, "CAREERLINK_MAIL_BACKOFF_SECONDS", 60, 1
        )
        self.CAREERLINK_MAIL_LEASE_SECONDS = env_int(env, "CAREERLINK_MAIL_LEASE_SECONDS", 300, 10)
        # Every SMTP step (connect, each command, each reply) gives up after this long, so a
        # server that accepts and never answers cannot stall the worker: the message is retried.
        self.CAREERLINK_SMTP_TIMEOUT_SECONDS = env_int(
            env, "CAREERLINK_SMTP_TIMEOUT_SECONDS", 30, 1
        )
        # The connection pool of a server database (PostgreSQL; SQLite has no server to pool).
        # Its connections are always checked before use (pool_pre_ping), so a database restart
        # costs no failed request.
        self.CAREERLINK_DB_POOL_SIZE = env_int(env, "CAREERLINK_DB_POOL_SIZE", 5, 1)
        self.CAREERLINK_DB_MAX_OVERFLOW = env_int(env, "CAREERLINK_DB_MAX_OVERFLOW", 10, 0)
        self.CAREERLINK_DB_POOL_RECYCLE_SECONDS = env_int(
            env, "CAREERLINK_DB_POOL_RECYCLE_SECONDS", 1800, 0
        )
        self.CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS = env_int(
            env, "CAREERLINK_DB_CONNECT_TIMEOUT_SECONDS", 10, 1
        )
        self.CAREERLINK_TOKEN_MAX_AGE_HOURS = env_int(env, "CAREERLINK_TOKEN_MAX_AGE_HOURS", 48, 1)
        self.CAREERLINK_PROXY_COUNT = env_int(env, "CAREERLINK_PROXY_COUNT", 0)
        self.CAREERLINK_MAX_OPEN_REQUESTS = env_int(env, "CAREERLINK_MAX_OPEN_REQUESTS", 3, 1)
        self.CAREERLINK_RESPONSE_DAYS = env_int(env, "CAREERLINK_RESPONSE_DAYS", 7, 2)
        self.CAREERLINK_COMPLETE_AFTER_DAYS = env_int(env, "CAREERLINK_COMPLETE_AFTER_DAYS", 14, 1)
        # The office's time zone: interview slots are entered, shown and checked (no meeting
        # at night) in it, and stored in UTC.
        self.CAREERLINK_TIME_ZONE = env_time_zone(env, "CAREERLINK_TIME_ZONE", "UTC")
        # Languages: the office default (its region sets date and number formats) and which
        # installed languages are offered (empty: every installed one). Checked at start-up.
        self.CAREERLINK_DEFAULT_LOCALE = (env.get("CAREERLINK_DEFAULT_LOCALE") or "en_GB").strip()
        self.CAREERLINK_LANGUAGES = [
            code.strip().lower() for code in env_list(env, "CAREERLINK_LANGUAGES")
        ]
        # Résumés for reviews and referrals: checked by content, kept outside anything served.
        self.CAREERLINK_UPLOAD_MAX_BYTES = env_int(env, "CAREERLINK_UPLOAD_MAX_BYTES", 5_000_000, 1)
        self.CAREERLINK_UPLOAD_DIR = env.get("CAREERLINK_UPLOAD_DIR") or None
        self.CAREERLINK_PAUSE_AFTER_EXPIRIES = env_int(env, "CAREERLINK_PAUSE_AFTER_EXPIRIES", 3)
        self.CAREERLINK_AUDIT_RETENTION_DAYS = env_int(env, "CAREERLINK_AUDIT_RETENTION_DAYS", 730)
        self.CAREERLINK_MESSAGE_RETENTION_MONTHS = env_int(
            env, "CAREERLINK_MESSAGE_RETENTION_MONTHS", 24
        )
        # Rows of sessions over (signed out, lapsed) hold an address and a browser: kept this
        # many days for "how do they sign in", then purged (0: kept).
        self.CAREERLINK_SESSION_RETENTION_DAYS = env_int(
            env, "CAREERLINK_SESSION_RETENTION_DAYS", 90
        )
        # Empty: the name in MAIL_DEFAULT_SENDER. Administrators may set another (programme).
        self.CAREERLINK_SENDER_NAME = " ".join((env.get("CAREERLINK_SENDER_NAME") or "").split())
        self.CAREERLINK_CONDUCT_POLICY = (
            env.get("CAREERLINK_CONDUCT_POLICY") or ""
        ).strip() or DEFAULT_CONDUCT_POLICY
        self.CAREERLINK_DIRECTORY_CACHE_SIZE = env_int(env, "CAREERLINK_DIRECTORY_CACHE_SIZE", 512)
        # Redis shared by every worker and machine; unset: each process caches for itself.
        self.CAREERLINK_CACHE_URL = env_redis_url(env, "CAREERLINK_CACHE_URL")
        self.CAREERLINK_CACHE_PREFIX = env_cache_prefix(
            env, "CAREERLINK_CACHE_PREFIX", "careerlink:"
        )
        # 100 MB: a 100,000-alumnus export with every column is about 20 MB.
        self.CAREERLINK_IMPORT_MAX_BYTES = env_int(
            env, "CAREERLINK_IMPORT_MAX_BYTES", 100_000_000, 1
        )
        # Uploaded import files, their progress and reports; shared by the web and the worker.
        self.CAREERLINK_IMPORT_DIR = env.get("CAREERLINK_IMPORT_DIR") or None
        self.CAREERLINK_INVITATION_BATCH_SIZE = env_int(
            env, "CAREERLINK_INVITATION_BATCH_SIZE", 100, 1
        )
        self.CAREERLINK_INVITATION_BATCH_MINUTES = env_int(
            env, "CAREERLINK_INVITATION_BATCH_MINUTES", 10, 0
        )
        self.CAREERLINK_INVITATION_MAX_AGE_DAYS = env_int(
            env, "CAREERLINK_INVITATION_MAX_AGE_DAYS", 60, 1
        )
        self.CAREERLINK_INVITATION_REMIND_AFTER_DAYS = env_int(
            env, "CAREERLINK_INVITATION_REMIND_AFTER_DAYS", 10, 1
        )
        self.CAREERLINK_IMPORT_VERIFIES_GRADUATES = env_bool(
            env, "CAREERLINK_IMPORT_VERIFIES_GRADUATES", True
        )
        self.CAREERLINK_MENTOR_CONSENT_TEXT = (
            env.get("CAREERLINK_MENTOR_CONSENT_TEXT") or ""
        ).strip() or DEFAULT_CONSENT_TEXT
        self.CAREERLINK_PROFILE_REMIND_AFTER_DAYS = env_int(
            env, "CAREERLINK_PROFILE_REMIND_AFTER_DAYS", 335, 1
        )
        self.CAREERLINK_PROFILE_UNLIST_AFTER_DAYS = env_int(
            env, "CAREERLINK_PROFILE_UNLIST_AFTER_DAYS", 365, 2
        )
        if self.CAREERLINK_PROFILE_UNLIST_AFTER_DAYS <= self.CAREERLINK_PROFILE_REMIND_AFTER_DAYS:
            raise ConfigError(
                "CAREERLINK_PROFILE_UNLIST_AFTER_DAYS must be more than "
                "CAREERLINK_PROFILE_REMIND_AFTER_DAYS, so alumni are reminded before unlisting"
            )
        self.CAREERLINK_LOG_FORMAT = env_choice(
            env, "CAREERLINK_LOG_FORMAT", "text", ("text", "json")
        )
        self.CAREERLINK_LOG_LEVEL = env_choice(
            env, "CAREERLINK_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
        ).upper()
        self.RATELIMIT_STORAGE_URI = env.get("CAREERLINK_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = env_bool(env, "CAREERLINK_RATELIMIT_ENABLED", True)
        # Every counter's key starts with this, so CareerLink can share a Redis with a portal
        # that uses Flask-Limiter too.
        self.RATELIMIT_KEY_PREFIX = env_cache_prefix(
            env, "CAREERLINK_RATELIMIT_KEY_PREFIX", "careerlink"
        )
        # Server-side sessions (careerlink_sessions): a browser is signed out after this long
        # without a request, and after this long whatever it does. Activity is recorded at
        # most once a minute, so the idle limit is counted in minutes and starts at 5.
        self.CAREERLINK_SESSION_IDLE_MINUTES = env_int(
            env, "CAREERLINK_SESSION_IDLE_MINUTES", 480, minimum=5
        )
        self.CAREERLINK_SESSION_MAX_HOURS = env_int(env, "CAREERLINK_SESSION_MAX_HOURS", 168, 1)
        # Campus sign-in (careerlink.accounts.sso): providers, role rules, local-account policy.
        for name, value in sso_settings(env).items():
            setattr(self, name, value)
        self.SESSION_COOKIE_SECURE = env_bool(env, "CAREERLINK_SECURE_COOKIES", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Our own name (not Flask's "session"), so a portal's Flask app on the same host keeps
        # its own cookie; the cookie's path follows the mount prefix (careerlink.web.cookies).
        self.SESSION_COOKIE_NAME = env_cookie_name(
            env, "CAREERLINK_SESSION_COOKIE_NAME", "careerlink_session"
        )
        # Alembic's bookkeeping table, named like every other CareerLink table, so a portal's
        # own Alembic table (alembic_version) in the same schema is never touched.
        self.CAREERLINK_ALEMBIC_VERSION_TABLE = env_sql_name(
            env, "CAREERLINK_ALEMBIC_VERSION_TABLE", "careerlink_alembic_version"
        )
        # /healthz/worker answers 503 when mail is due and the worker's last pass is older.
        self.CAREERLINK_WORKER_LATE_SECONDS = env_int(
            env, "CAREERLINK_WORKER_LATE_SECONDS", 600, minimum=10
        )
        # Production refuses these two unless they are allowed explicitly (a trial install).
        self.CAREERLINK_ALLOW_SQLITE = env_bool(env, "CAREERLINK_ALLOW_SQLITE", False)
        self.CAREERLINK_ALLOW_MAIL_CATCHER = env_bool(env, "CAREERLINK_ALLOW_MAIL_CATCHER", False)
        # The JSON API (careerlink/api): requests per token (or per address when anonymous),
        # the portals whose pages may call it from the browser, the longest token lifetime.
        self.CAREERLINK_API_RATE_LIMIT = env_rate_limit(
            env, "CAREERLINK_API_RATE_LIMIT", "300 per minute"
        )
        self.CAREERLINK_API_CORS_ORIGINS = env_origins(env, "CAREERLINK_API_CORS_ORIGINS")
        self.CAREERLINK_API_TOKEN_MAX_DAYS = env_int(env, "CAREERLINK_API_TOKEN_MAX_DAYS", 365, 1)
        # Webhooks: endpoints on loopback or private addresses are refused unless allowed
        # (a test receiver, an intranet CRM); each delivery attempt gives up after the timeout.
        self.CAREERLINK_WEBHOOKS_ALLOW_PRIVATE = env_bool(
            env, "CAREERLINK_WEBHOOKS_ALLOW_PRIVATE", False
        )
        self.CAREERLINK_WEBHOOKS_TIMEOUT_SECONDS = env_int(
            env, "CAREERLINK_WEBHOOKS_TIMEOUT_SECONDS", 10, 1
        )
        self.CAREERLINK_WEBHOOKS_MAX_ATTEMPTS = env_int(
            env, "CAREERLINK_WEBHOOKS_MAX_ATTEMPTS", 8, 1
        )
        self.CAREERLINK_WEBHOOKS_BACKOFF_SECONDS = env_int(
            env, "CAREERLINK_WEBHOOKS_BACKOFF_SECONDS", 30, 1
        )

        # Portals that may frame the app, and the cookie attributes their frames need.
        embed = embed_settings(
            env, self.CAREERLINK_BASE_URL, self.SESSION_COOKIE_SECURE, self.ENV_NAME == "production"
        )
        for name, value in embed.items():
            setattr(self, name, value)

    def validate(self) -> None:
        """Refuse to start with settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    """Embedded defaults: SQLite in the instance folder, mail caught to files."""

    DEBUG = False

    def __init__(self, env: Mapping[str, str] | None = None):
        super().__init__(env)
        if not self.SECRET_KEY:
            # Development only: a fixed key keeps sessions across restarts of `make run`.
            self.SECRET_KEY = "careerlink-development-key-not-for-production"  # noqa: S105


class ProductionConfig(Config):
    """A real deployment: refuses to start with settings that are unsafe to leave running."""

    ENV_NAME = "production"

    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        super().__init__(env)
        self._base_url_set = bool((env.get("CAREERLINK_BASE_URL") or "").strip())

    def validate(self) -> None:
        """Refuse to start with a setting that is unsafe to leave running (one line each).

        Checked in this order, so the first line names the first thing to fix: the secret key,
        the public address, the database (set, and PostgreSQL unless SQLite is allowed), the
        mail transport (SMTP unless the catcher is allowed), HTTPS-only cookies.
        """
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 16:
            raise ConfigError(
                "SECRET_KEY must be set to a long random value in production "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))")'
            )
        if not self._base_url_set:
            raise ConfigError(
                "CAREERLINK_BASE_URL must be set in production to the public address of the app, "
                "including any mount prefix (for example https://careers.example.edu), so that "
                "links in emails never follow a request's Host header"
            )
        if not self.SQLALCHEMY_DATABASE_URI:
            # Never the implicit SQLite file: a cron job run without the service's environment
            # would create an empty one and fail inside it.
            raise ConfigError(
                "DATABASE_URL must be set in production (postgresql://user:password@host/db); "
                "commands run from cron or a timer need the service's environment file too"
            )
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite") and not self.CAREERLINK_ALLOW_SQLITE:
            raise ConfigError(
                "DATABASE_URL is a SQLite file in production: use PostgreSQL, or set "
                "CAREERLINK_ALLOW_SQLITE=true for a small single-machine install"
            )
        if self.CAREERLINK_MAIL_TRANSPORT != "smtp" and not self.CAREERLINK_ALLOW_MAIL_CATCHER:
            raise ConfigError(
                "CAREERLINK_MAIL_TRANSPORT is catcher in production, which writes emails to "
                "files and sends none: set CAREERLINK_MAIL_TRANSPORT=smtp and MAIL_SERVER, or "
                "CAREERLINK_ALLOW_MAIL_CATCHER=true for a trial"
            )
        if not self.SESSION_COOKIE_SECURE:
            raise ConfigError(
                "CAREERLINK_SECURE_COOKIES must be true in production, so that sign-in cookies "
                "travel over HTTPS only (serve the app over HTTPS)"
            )
        for name, provider in self.CAREERLINK_OIDC_PROVIDERS.items():
            # The client secret and the tokens travel to these addresses.
            if not provider["discovery_url"].startswith("https://"):
                raise ConfigError(
                    f"CAREERLINK_OIDC_{name.upper()}_DISCOVERY_URL must be an https:// URL "
                    "in production"
                )


class TestingConfig(Config):
    """Settings for the test suite."""

    TESTING = True
    ENV_NAME = "testing"
    WTF_CSRF_ENABLED = False

    def __init__(self, env: Mapping[str, str] | None = None):
        super().__init__(env)
        self.SECRET_KEY = "careerlink-test-key"  # noqa: S105
        self.RATELIMIT_ENABLED = False
        self.PASSWORD_HASH_FAST = True


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_from_env(env: Mapping[str, str] | None = None) -> Config:
    """Build the Config chosen by CAREERLINK_ENV (development by default)."""
    env = os.environ if env is None else env
    name = env_choice(env, "CAREERLINK_ENV", "development", tuple(CONFIGS))
    config = CONFIGS[name](env)
    config.validate()
    return config
