"""The audit log table: one row per staff or admin action and per security event."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.models import CareerLinkSession, UTCDateTime, utcnow


class AuditAction(enum.StrEnum):
    """Every kind of event the log records; the value is what the table stores."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name, not a secret)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    TOKEN_CREATED = "token_created"  # noqa: S105
    TOKEN_REVOKED = "token_revoked"  # noqa: S105
    DATA_EXPORTED = "data_exported"
    REQUEST_APPROVED = "request_approved"
    REQUEST_INFO_ASKED = "request_info_asked"
    REQUEST_DECLINED = "request_declined"
    REQUEST_CANCELLED = "request_cancelled"
    ALUMNUS_VERIFIED = "alumnus_verified"
    PROFILE_APPROVED = "profile_approved"
    PROFILE_REJECTED = "profile_rejected"
    MESSAGE_RETRIED = "message_retried"
    WEBHOOK_CHANGED = "webhook_changed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    INDUSTRY_ADDED = "industry_added"
    INDUSTRY_RENAMED = "industry_renamed"
    INDUSTRY_MERGED = "industry_merged"
    INDUSTRY_RETIRED = "industry_retired"
    INDUSTRY_REACTIVATED = "industry_reactivated"
    INDUSTRY_MAPPED = "industry_mapped"
    SETTING_CHANGED = "setting_changed"
    ACCOUNT_DELETED = "account_deleted"
    DIRECTORY_HOLD_SET = "directory_hold_set"
    DIRECTORY_HOLD_LIFTED = "directory_hold_lifted"
    MESSAGES_PURGED = "messages_purged"
    AUDIT_PURGED = "audit_purged"
    OPENING_APPROVED = "opening_approved"
    OPENING_REJECTED = "opening_rejected"
    OPENING_WITHDRAWN = "opening_withdrawn"
    INDUSTRY_TRANSLATED = "industry_translated"

    @property
    def label(self) -> str:
        """The action as staff read it, in the current language."""
        return str(ACTION_LABELS[self])


ACTION_LABELS = {
    # "Sign in" is also a button; as a logged event it is a noun ("Connexion" in French).
    AuditAction.SIGN_IN: lazy_pgettext("audit action", "Sign in"),
    AuditAction.SIGN_IN_FAILED: _l("Sign in failed"),
    AuditAction.PASSWORD_CHANGED: _l("Password changed"),
    AuditAction.PASSWORD_RESET: _l("Password reset"),
    AuditAction.ROLE_GRANTED: _l("Role granted"),
    AuditAction.ROLE_REVOKED: _l("Role revoked"),
    AuditAction.TOKEN_CREATED: _l("Token created"),
    AuditAction.TOKEN_REVOKED: _l("Token revoked"),
    AuditAction.DATA_EXPORTED: _l("Data exported"),
    AuditAction.REQUEST_APPROVED: _l("Request approved"),
    AuditAction.REQUEST_INFO_ASKED: _l("Request info asked"),
    AuditAction.REQUEST_DECLINED: _l("Request declined"),
    AuditAction.REQUEST_CANCELLED: _l("Request cancelled"),
    AuditAction.ALUMNUS_VERIFIED: _l("Alumnus verified"),
    AuditAction.PROFILE_APPROVED: _l("Profile approved"),
    AuditAction.PROFILE_REJECTED: _l("Profile rejected"),
    AuditAction.MESSAGE_RETRIED: _l("Message retried"),
    AuditAction.WEBHOOK_CHANGED: _l("Webhook changed"),
    AuditAction.ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    AuditAction.ACCOUNT_REACTIVATED: _l("Account reactivated"),
    AuditAction.INDUSTRY_ADDED: _l("Industry added"),
    AuditAction.INDUSTRY_RENAMED: _l("Industry renamed"),
    AuditAction.INDUSTRY_MERGED: _l("Industry merged"),
    AuditAction.INDUSTRY_RETIRED: _l("Industry retired"),
    AuditAction.INDUSTRY_REACTIVATED: _l("Industry reactivated"),
    AuditAction.INDUSTRY_MAPPED: _l("Industry mapped"),
    AuditAction.SETTING_CHANGED: _l("Setting changed"),
    AuditAction.ACCOUNT_DELETED: _l("Account deleted"),
    AuditAction.DIRECTORY_HOLD_SET: _l("Directory hold set"),
    AuditAction.DIRECTORY_HOLD_LIFTED: _l("Directory hold lifted"),
    AuditAction.MESSAGES_PURGED: _l("Messages purged"),
    AuditAction.AUDIT_PURGED: _l("Audit purged"),
    AuditAction.OPENING_APPROVED: _l("Opening approved"),
    AuditAction.OPENING_REJECTED: _l("Opening rejected"),
    AuditAction.OPENING_WITHDRAWN: _l("Opening withdrawn"),
    AuditAction.INDUSTRY_TRANSLATED: _l("Industry translated"),
}


# What an entry's object_type (a table's name without the prefix, or a word of its own) names,
# lazy: read in the reader's language.
OBJECT_LABELS = {
    "users": _l("Person"),
    "requests": _l("Request"),
    "mentor_profiles": _l("Mentor profile"),
    "openings": _l("Opening"),
    "industries": _l("Industry"),
    "api_tokens": _l("API token"),
    "webhook_endpoints": _l("Webhook"),
    "webhook_deliveries": _l("Webhook delivery"),
    "outbox": _l("Email"),
    "audit_log": _l("Audit log"),
    "setting": _l("Setting"),
    "report": _l("Report"),
}


class AuditEntry(db.Model):
    """One audited event. Rows are only ever added (and removed by the retention purge)."""

    __tablename__ = "careerlink_audit_log"
    __table_args__ = (Index("ix_careerlink_audit_log_action_created_at", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    # Who acted; NULL for the system, a stranger (a failed sign-in) or a deleted account.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    @property
    def object_label(self) -> str:
        """What kind of object the entry is about, as staff read it (an unknown one as stored)."""
        label = OBJECT_LABELS.get(self.object_type or "")
        return str(label) if label is not None else (self.object_type or "")

    @property
    def action_label(self) -> str:
        """The action as staff read it (an unknown stored value as it is)."""
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


APPEND_ONLY = _l("The audit log is append-only: its entries cannot be changed or deleted.")
# The one exception: erasing a deleted person's address and name from their entries
# (audit.services.erase_person), a bulk UPDATE carrying this execution option and touching
# only these columns.
ERASURE_OPTION = "careerlink_audit_erasure"
ERASABLE_COLUMNS = frozenset({"ip_address", "detail"})


@event.listens_for(CareerLinkSession, "before_flush")
def _refuse_changes(session, _context, _instances) -> None:
    # The retention purge deletes with one bulk statement; nothing else may touch a row.
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise DomainError(str(APPEND_ONLY))


@event.listens_for(CareerLinkSession, "do_orm_execute")
def _refuse_bulk_updates(state) -> None:
    # A bulk UPDATE skips the flush (and the guard above): refuse any but the erasure's.
    if not state.is_update or state.statement.table.name != AuditEntry.__tablename__:
        return
    allowed = state.execution_options.get(ERASURE_OPTION) is True
    columns = _set_columns(state.statement)
    if not allowed or not columns or not columns <= ERASABLE_COLUMNS:
        raise DomainError(str(APPEND_ONLY))


def _set_columns(statement) -> set[str]:
    """The names of the columns an UPDATE statement sets (from `.values()`)."""
    # SQLAlchemy has no public accessor for an UPDATE's SET clause; `_values` maps each
    # column (or its name) to its value.
    return {getattr(column, "key", column) for column in statement._values or {}}
