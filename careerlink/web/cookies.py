"""The session cookie: CareerLink's own name (config.py), and a path that follows the mount.

Flask's cookie path is APPLICATION_ROOT ("/") whatever the prefix the app is served under, so
an app mounted at /careers beside a portal would send its cookie to every page of the portal
and receive the portal's. Here the path is the request's script root: /careers when a host
mounts the app there (DispatcherMiddleware), when gunicorn is given SCRIPT_NAME, or when a
trusted proxy sends X-Forwarded-Prefix.
"""

from __future__ import annotations

from flask import Flask, has_request_context
from flask.sessions import SecureCookieSessionInterface


class MountedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session whose cookie lives under the app's mount prefix."""

    def get_cookie_path(self, app: Flask) -> str:
        """SESSION_COOKIE_PATH when set; else the request's script root; else "/"."""
        configured = app.config.get("SESSION_COOKIE_PATH")
        if configured:
            return configured
        if has_request_context():
            from careerlink.embed import site_root

            # The same cookie for the site and its /embed/ pages (which move /embed into the
            # script root): the path is the site's own mount, never /embed.
            root = site_root()
            if root:
                return root
        return super().get_cookie_path(app)
