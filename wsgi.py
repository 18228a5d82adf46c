"""WSGI entry point in a checkout: `gunicorn wsgi:app` (the same as `careerlink.wsgi:app`)."""

from careerlink.wsgi import app

__all__ = ["app"]
