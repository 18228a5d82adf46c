"""The append-only audit log: who did what, when, to which object, from which address."""

from careerlink.audit.models import AuditAction, AuditEntry
from careerlink.audit.services import erase_person, record, record_role_changes

__all__ = ["AuditAction", "AuditEntry", "erase_person", "record", "record_role_changes"]
