"""Test support, one module per subject, loaded by tests/conftest.py as pytest plugins.

- `database`: the SQLite or PostgreSQL test database, `app`, `db`, `client`, table cleaning,
  `other_app` (a second app on the same database), `broken_cache`.
- `factories`: `make_user`, `make_mentor`, `make_request`, the personas, request helpers,
  and `industries` (the default list).
- `auth`: the one way a test client signs in (`sign_in_session`, the `sign_in` fixture).
- `smtp`: a real SMTP server on loopback (`smtp_server`, `SmtpSink`, `free_port`).
- `outbox`: reading outbox rows (`outbox`), the links in an email (`link_from`), and
  `write_deferred` (the worker's writing of deferred rows, without sending).
- `oidc`: a real OpenID Connect provider (oidc-provider-mock) and the campus sign-in settings.
- `routes`: sweeping the URL map (`routes`, `path_for`) and one signed-in browser per user
  (`Visitor`), for the route fuzz and the French sweep (plain helpers, not a plugin).
"""
