"""A real OpenID Connect provider for the tests: oidc-provider-mock on a loopback port.

- `oidc_provider` (session) -> MockProvider: the provider on 127.0.0.1:<free port>, with
  client registration required (so a wrong client secret is refused) and nonces required.
  `.register_client(redirect_uris)` -> (client_id, secret); `.set_user(sub, claims)` says what
  the ID token will carry for that subject; `.authorize(authorize_url, sub)` plays the person
  on the provider's form and returns where the provider sends the browser back.
  `.tamper` re-signs the next ID tokens ("audience", "unknown_key", "expired", "skewed") and
  `.token_requests` records what the app sent to the token endpoint.
- `campus_sso(**overrides)` (function) -> configures the app with OpenID Connect providers
  pointing at the mock (a provider "campus" by default), from environment-style settings read by
  config.py, and restores the app's settings afterwards.
- `sso_log` (function) -> the lines logged by careerlink.accounts.sso during the test.
- `sso_sign_in(client, provider, sub, name="campus", next=None)` -> the app's response to the
  callback, after the whole round trip through the test client and the provider.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import warnings
from urllib.parse import quote, urlsplit

import pytest

from careerlink.paths import load_config_module

CAMPUS_RULES = (
    "affiliation:student=student;affiliation:alum=alumnus;"
    "entitlement:urn:mace:example.edu:careers-staff=staff"
)


class MockProvider:
    """oidc-provider-mock served by werkzeug on 127.0.0.1 in a daemon thread."""

    def __init__(self):
        import flask
        from werkzeug.serving import make_server

        with warnings.catch_warnings():
            # The mock imports Authlib's deprecated modules: its business, not ours.
            warnings.simplefilter("ignore", DeprecationWarning)
            import oidc_provider_mock

        self.tamper: str | None = None
        self.token_requests: list[dict] = []
        self.app = oidc_provider_mock.app(require_client_registration=True, require_nonce=True)
        self.app.before_request(self._record)
        self.app.after_request(self._rewrite)
        self._flask = flask
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.discovery_url = f"{self.url}/.well-known/openid-configuration"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> MockProvider:
        """Start serving."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def register_client(self, redirect_uris: list[str]) -> tuple[str, str]:
        """Register a client (dynamic registration); its id and secret."""
        import requests

        response = requests.post(
            f"{self.url}/oauth2/clients", json={"redirect_uris": redirect_uris}, timeout=10
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["client_id"], body["client_secret"]

    def set_user(self, sub: str, claims: dict) -> None:
        """What the provider says about `sub` (its ID token's claims besides sub)."""
        import requests

        response = requests.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign in as `sub` on the provider's form; the URL it sends the browser back to."""
        import requests

        assert authorize_url.startswith(self.url + "/"), authorize_url
        response = requests.post(
            authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]

    # --- hooks inside the provider ------------------------------------------------------------

    def _record(self):
        request = self._flask.request
        if request.path == "/oauth2/token":
            self.token_requests.append(request.form.to_dict())

    def _rewrite(self, response):
        request = self._flask.request
        if self.tamper is None or request.path != "/oauth2/token" or response.status_code != 200:
            return response
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        body = json.loads(response.get_data())
        storage = self._flask.g.oidc_provider_mock_storage
        key = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
        token = jwt.decode(body["id_token"], key)
        header, claims = dict(token.header), dict(token.claims)
        now = int(time.time())
        signing = key
        if self.tamper == "audience":
            claims["aud"] = "another-application"
        elif self.tamper == "unknown_key":
            signing = RSAKey.generate_key(2048, parameters={"kid": "not-published"})
            header["kid"] = "not-published"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.tamper == "skewed":
            # The provider's clock is 30 seconds ahead: within the leeway.
            claims["iat"], claims["exp"] = now + 30, now + 3630
        else:
            raise ValueError(self.tamper)
        body["id_token"] = jwt.encode(header, claims, signing)
        response.set_data(json.dumps(body))
        return response


@pytest.fixture(scope="session")
def oidc_provider():
    """The mock OpenID Connect provider for the whole run."""
    provider = MockProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def sso_log():
    """The campus sign-in log lines of this test (a handler on its own logger)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("careerlink.accounts.sso")
    handler = Collect(level=logging.INFO)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def provider_env(
    name: str,
    provider: MockProvider,
    client_id: str,
    secret: str,
    **settings: str,
) -> dict[str, str]:
    """Environment-style settings for one provider called `name` at the mock."""
    prefix = f"CAREERLINK_OIDC_{name.upper()}_"
    env = {
        prefix + "DISCOVERY_URL": provider.discovery_url,
        prefix + "CLIENT_ID": client_id,
        prefix + "CLIENT_SECRET": secret,
        prefix + "LABEL": name.title() + " account",
    }
    env.update({prefix + key.upper(): value for key, value in settings.items()})
    return env


def apply_sso_env(app, env: dict[str, str]) -> None:
    """Put the campus sign-in settings config.py reads from `env` into the app's config."""
    cfg = load_config_module()
    app.config.update(cfg.sso_settings(env))


@pytest.fixture
def campus_sso(app, oidc_provider):
    """campus_sso(env=None, names=("campus",), base=None) -> {name: (client_id, secret)}.

    Registers a client per provider name at the mock (redirect URI under `base`, by default
    the app's CAREERLINK_BASE_URL), and configures the app with them plus the campus role
    rules and anything in `env`. The app's settings come back after the test.
    """
    keys = list(load_config_module().sso_settings({}).keys())
    saved = {key: app.config[key] for key in keys}

    def configure(env: dict[str, str] | None = None, names=("campus",), base: str | None = None):
        root = (base or app.config["CAREERLINK_BASE_URL"]).rstrip("/")
        clients = {}
        full = {
            "CAREERLINK_OIDC_PROVIDERS": ",".join(names),
            "CAREERLINK_SSO_ROLE_RULES": CAMPUS_RULES,
        }
        for name in names:
            client_id, secret = oidc_provider.register_client([f"{root}/sso/oidc/{name}/callback"])
            clients[name] = (client_id, secret)
            full.update(provider_env(name, oidc_provider, client_id, secret))
        full.update(env or {})
        apply_sso_env(app, full)
        return clients

    yield configure
    app.config.update(saved)
    oidc_provider.tamper = None


def path_of(url: str) -> str:
    """The path and query of an absolute URL (the test client needs no host)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_sign_in(client, name: str = "campus", next: str | None = None):
    """GET the start URL; the app's response (a redirect to the provider, or a refusal)."""
    return client.get(f"/sso/oidc/{name}/start", query_string={"next": next} if next else None)


def sso_sign_in(client, provider: MockProvider, sub: str, name: str = "campus", next=None):
    """The whole round trip as `sub`; the app's response to the provider's callback."""
    response = start_sign_in(client, name, next)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    callback = provider.authorize(response.location, sub)
    return client.get(path_of(callback))
