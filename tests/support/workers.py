"""Background workers in tests: a worker's `--loop` in a thread, and waiting for what it does."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

# What /healthz/worker and /healthz/webhooks answer for a worker that never ran, with nothing
# waiting (the default threshold).
IDLE_WORKER_HEALTH = {
    "status": "ok",
    "waiting": 0,
    "due": 0,
    "failed": 0,
    "oldest_due_at": None,
    "oldest_due_age_seconds": None,
    "last_pass_at": None,
    "last_pass_age_seconds": None,
    "late_after_seconds": 600,
}


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll until predicate() is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@contextmanager
def running_in_thread(application, run, **kwargs):
    """run(stop=..., **kwargs) in a thread, in an app context; yields the thread.

    On the way out the loop is told to stop; it must have stopped within ten seconds and raised
    nothing.
    """
    stop = threading.Event()
    errors: list[BaseException] = []

    def target():
        with application.app_context():
            try:
                run(stop=stop, **kwargs)
            except BaseException as exc:  # the test reports it
                errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive(), "the loop did not stop"
    assert errors == []
