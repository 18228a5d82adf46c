"""Campus sign-in: OpenID Connect (Authlib) and SAML through the web server, role mapping,
identities linked to accounts, the local-password policy and the `sso` commands.

- `settings`: the providers and rules from configuration (config.py validates them).
- `assertion`: what a provider said about a person, and the refusal every bad input becomes.
- `oidc` / `environ`: the web side of each protocol; they produce an Assertion or refuse.
- `roles`: role rules evaluated at each sign-in; roles granted by a provider are recorded.
- `services`: sign in, create just in time, link after proof, unlink (no request here).
- `policy`: which roles may use a local password, and sign up with one.
- `views`, `forms`, `links`, `notifications`, `cli`: as in every domain.
"""
