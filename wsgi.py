"""WSGI entry point: `gunicorn wsgi:app`."""

from careerlink import create_app

app = create_app()
