"""Writing, reading and purging the audit log; services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, or_, select, update

from careerlink.accounts.models import User
from careerlink.audit.models import ERASURE_OPTION, AuditAction, AuditEntry
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.i18n import office_zone
from careerlink.models import utcnow


def current_address() -> str | None:
    """The client's address (after the trusted proxies), or None outside a web request.

    The one place outside the views that reads the request: every service that records an
    event would otherwise have to carry the address through its arguments.
    """
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def record(
    action: AuditAction | str,
    *,
    actor: User | None = None,
    obj: object | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    detail: str = "",
) -> AuditEntry:
    """Add one entry to the caller's unit of work (written with it or not at all).

    `obj` is any model with an `id`: its type is the table's name without the prefix.
    """
    action = AuditAction(action)
    if obj is not None:
        object_type = object_type or obj.__tablename__.removeprefix("careerlink_")
        object_id = obj.id
    entry = AuditEntry(
        action=action.value,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        detail=(detail or "")[:500],
        ip_address=current_address(),
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def record_role_changes(
    user: User, changes, *, actor: User | None = None, detail: str = ""
) -> None:
    """One entry per role granted or revoked (`changes` has `added` and `removed` roles)."""
    for role in changes.added:
        record(AuditAction.ROLE_GRANTED, actor=actor, obj=user, detail=f"{role}; {detail}")
    for role in changes.removed:
        record(AuditAction.ROLE_REVOKED, actor=actor, obj=user, detail=f"{role}; {detail}")


ERASED = "(erased)"


def erase_person(user_id: int, words: list[str]) -> int:
    """Blank the addresses of a deleted person's entries and their name and email in any
    entry's detail; how many rows the updates touched. The one change the log allows.

    The person's entries are those they made, and those made by no one about their account
    (failed sign-ins against it: the address may be theirs). Entries by staff about them keep
    the staff member's address: that is the staff member's, not the person's.
    """
    words = sorted({w for w in words if w}, key=len, reverse=True)
    about = and_(
        AuditEntry.actor_id.is_(None),
        AuditEntry.object_type == "users",
        AuditEntry.object_id == str(user_id),
    )
    theirs = or_(AuditEntry.actor_id == user_id, about)
    changed = db.session.execute(
        update(AuditEntry)
        .where(theirs, AuditEntry.ip_address.is_not(None))
        .values(ip_address=None)
        .execution_options(synchronize_session=False, **{ERASURE_OPTION: True})
    ).rowcount
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        changed += db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.detail.like(pattern, escape="\\"))
            .values(detail=func.replace(AuditEntry.detail, word, ERASED))
            .execution_options(synchronize_session=False, **{ERASURE_OPTION: True})
        ).rowcount
    return changed


MAX_RANGE_DAYS = 3660
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page shows: an action, an actor's address, a date range (inclusive)."""

    action: str = ""
    actor: str = ""
    start: date | None = None
    end: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links and the CSV download)."""
        args = {"action": self.action, "actor": self.actor}
        args["start"] = self.start.isoformat() if self.start else ""
        args["end"] = self.end.isoformat() if self.end else ""
        return {k: v for k, v in args.items() if v}


def parse_date(raw: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date from user input; DomainError naming the field when it is not one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw[:10]) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None or not EARLIEST <= value <= date(2100, 12, 31):
        if field == "end":
            raise DomainError(_("Give the end date as YYYY-MM-DD (2000 to 2100)."), field=field)
        raise DomainError(_("Give the start date as YYYY-MM-DD (2000 to 2100)."), field=field)
    return value


def parse_filters(args) -> AuditFilters:
    """Check the audit page's query arguments; DomainError for an unknown or reversed value."""
    action = (args.get("action") or "").strip()
    if action and action not in {a.value for a in AuditAction}:
        raise DomainError(_("Choose an action from the list."), field="action")
    actor = (args.get("actor") or "").strip().lower()
    if len(actor) > 254:
        raise DomainError(_("An email address has at most 254 characters."), field="actor")
    start = parse_date(args.get("start"), "start")
    end = parse_date(args.get("end"), "end")
    if start and end and start > end:
        raise DomainError(_("The start date is after the end date."), field="start")
    if start and end and (end - start).days > MAX_RANGE_DAYS:
        raise DomainError(_("Choose a range of at most ten years."), field="start")
    return AuditFilters(action=action, actor=actor, start=start, end=end)


def _midnight(day: date) -> datetime:
    """When `day` starts in the office's time zone, in UTC: the filters count the office's days
    (CAREERLINK_TIME_ZONE), not UTC's."""
    return datetime.combine(day, time(0), tzinfo=office_zone()).astimezone(UTC)


def entries_query(filters: AuditFilters) -> Select:
    """The entries matching the filters, newest first, with their actor (or None)."""
    stmt = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.actor:
        stmt = stmt.where(User.email == filters.actor)
    if filters.start:
        stmt = stmt.where(AuditEntry.created_at >= _midnight(filters.start))
    if filters.end:
        stmt = stmt.where(AuditEntry.created_at < _midnight(filters.end + timedelta(days=1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


CSV_HEADER = (
    "id",
    "time (UTC)",
    "actor",
    "action",
    "object type",
    "object id",
    "detail",
    "address",
)
CSV_LIMIT = 100_000


def csv_rows(filters: AuditFilters):
    """The rows of the CSV download (at most CSV_LIMIT), read in batches."""
    stmt = entries_query(filters).limit(CSV_LIMIT).execution_options(yield_per=1000)
    for entry, actor in db.session.execute(stmt):
        yield (
            entry.id,
            entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            actor.email if actor is not None else "",
            entry.action,
            entry.object_type or "",
            entry.object_id or "",
            entry.detail,
            entry.ip_address or "",
        )


def retention_days() -> int:
    """How many days entries are kept (CAREERLINK_AUDIT_RETENTION_DAYS; 0 keeps them all)."""
    return current_app.config["CAREERLINK_AUDIT_RETENTION_DAYS"]


def purge(now: datetime | None = None, days: int | None = None) -> int:
    """Delete the entries older than the retention period; record how many went. 0 keeps all."""
    days = retention_days() if days is None else days
    if days < 0:
        raise DomainError(_("The retention period cannot be negative."))
    if days == 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        delete(AuditEntry)
        .where(AuditEntry.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    removed = result.rowcount or 0
    record(AuditAction.AUDIT_PURGED, detail=f"{removed} entries older than {days} days")
    return removed
