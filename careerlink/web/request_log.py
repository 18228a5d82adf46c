"""One log line per request, with a request id that error pages show so users can quote it."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

log = logging.getLogger("careerlink.request")
# An id from a trusted proxy is kept if it is short and plain; anything else gets a new one.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id() -> str:
    """The current request's id (from X-Request-ID when it is plain, else a new one)."""
    rid = getattr(g, "request_id", None)
    if rid is None:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def configure_logging(app: Flask) -> None:
    """Send CareerLink's logs to stderr, as JSON when CAREERLINK_LOG_FORMAT=json."""
    logger = logging.getLogger("careerlink")
    if getattr(logger, "_careerlink_configured", False):
        return
    handler = logging.StreamHandler()
    if app.config.get("CAREERLINK_LOG_FORMAT") == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(app.config.get("CAREERLINK_LOG_LEVEL", "INFO"))
    logger.propagate = False
    logger._careerlink_configured = True


def register_request_log(app: Flask) -> None:
    """Give every request an id and log it once it is answered."""
    if not app.testing:
        configure_logging(app)

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def log_request(response):
        rid = request_id()
        response.headers["X-Request-ID"] = rid
        started = getattr(g, "request_started", None)
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        user_id = current_user.get_id() if current_user.is_authenticated else None
        uid = user_id or None
        log.info(
            "%s %s %s %sms request_id=%s user_id=%s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            rid,
            uid or "-",
            extra={
                "request_id": rid,
                "user_id": uid,
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response

    @app.context_processor
    def inject_request_id():
        return {"request_id": request_id}
