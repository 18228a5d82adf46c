"""The table of programme settings an administrator changed from their environment defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from careerlink.extensions import db
from careerlink.models import UTCDateTime, utcnow


class ProgrammeSetting(db.Model):
    """One setting's value in force instead of the environment's; no row: the default."""

    __tablename__ = "careerlink_programme_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
