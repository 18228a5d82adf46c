"""Imports every model module so that metadata (and Alembic) sees every table."""

from careerlink.accounts.models import User, UserRole
from careerlink.connections.models import (
    ConnectionRequest,
    RequestEvent,
    RequestFeedback,
    RequestOutcome,
)
from careerlink.mail.models import OutboxAttachment, OutboxMessage
from careerlink.mentors.models import Industry, MentorProfile, StudentProfile

__all__ = [
    "User",
    "UserRole",
    "OutboxMessage",
    "OutboxAttachment",
    "ConnectionRequest",
    "RequestEvent",
    "RequestFeedback",
    "RequestOutcome",
    "Industry",
    "MentorProfile",
    "StudentProfile",
]
