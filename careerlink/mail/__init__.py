"""The email outbox: rows first (enqueue), delivered later by the worker (mail.worker)."""

from careerlink.mail.services import enqueue

__all__ = ["enqueue"]
