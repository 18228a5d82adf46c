"""WSGI entry point for servers: `gunicorn careerlink.wsgi:app`.

A bad setting stops the server with one line naming it, not a traceback: the message goes to
stderr and the process exits with status 4, which gunicorn reads as "App failed to load" and
stops (with status 1 it would start a new worker, fail again, and loop for ever). A setting
that is valid but will not hold in production (in-memory rate limits) is logged as a warning.
"""

from __future__ import annotations

import gc
import logging
import sys

from flask import Flask

from careerlink import create_app
from careerlink.paths import load_config_module

APP_LOAD_ERROR = 4  # gunicorn's Arbiter.APP_LOAD_ERROR


def warn_about_settings(app: Flask) -> None:
    """Log, loudly, what is valid but will not hold in a real deployment (rate limits)."""
    from careerlink.checks import rate_limit_warning

    warning = rate_limit_warning(app.config)
    if warning:
        logging.getLogger("careerlink.limits").warning("WARNING: %s", warning)


def load() -> Flask:
    """The application, or exit with one line on stderr when a setting is wrong."""
    try:
        app = create_app()
    except load_config_module().ConfigError as err:
        print(f"careerlink: {err.message}", file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR) from None
    warn_about_settings(app)
    return app


app = load()
# Everything loaded so far (the modules, the app, its routes and templates' machinery) lives as
# long as the process: moved out of the collector's reach, a full collection no longer walks
# those ~190,000 objects in the middle of some request (over 100 ms of CPU when measured on a
# busy 2-core machine; bench/README.md).
gc.freeze()
