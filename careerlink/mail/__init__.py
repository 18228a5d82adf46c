"""The email outbox: rows first, delivered later by a worker."""

from careerlink.mail.services import enqueue

__all__ = ["enqueue"]
