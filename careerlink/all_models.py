"""Imports every model module so that metadata (and Alembic) sees every table."""

from careerlink.accounts.models import User, UserRole
from careerlink.mail.models import OutboxAttachment, OutboxMessage

__all__ = ["User", "UserRole", "OutboxMessage", "OutboxAttachment"]
