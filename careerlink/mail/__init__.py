"""The email outbox: rows first (enqueue), delivered later by the worker (mail.worker)."""

from careerlink.mail.private import Secret
from careerlink.mail.services import enqueue, enqueue_deferred, register_deferred

__all__ = ["Secret", "enqueue", "enqueue_deferred", "register_deferred"]
