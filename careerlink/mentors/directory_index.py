"""The directory index: what the search reads instead of the profiles' own fields.

Derived columns on every profile (the folded search document, the listed flag, the first day a
request may be sent again, the industry key, the data version of its last change), the
full-text objects (`search_ddl`: FTS5 on SQLite, a tsvector on PostgreSQL) and one data version
(and structure) that cached counts and snapshots are keyed by. Flush listeners keep all of it
current. They are registered on CareerLink's own session class only, never on SQLAlchemy's
global `Session`, so that a portal mounting CareerLink in its own Python application never runs
them on its sessions.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import BigInteger, Date, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from careerlink.accounts.models import User
from careerlink.extensions import db
from careerlink.mentors import search_ddl
from careerlink.mentors import text as textfold
from careerlink.models import CareerLinkSession

# The owner's fields that the search document or the listed flag depend on.
OWNER_FIELDS = ("display_name", "active")


class IndexedProfile:
    """Mixin for the mentor profile: the derived columns the directory reads.

    They are rewritten from the profile's own fields before every flush, so that the directory
    snapshot reads one row per profile and never joins users or industries. The class mixing
    this in provides `display_name`, `headline`, `employer`, `job_title`, `bio`, `tags`,
    `industries`, `is_visible` and `compute_unavailable_until()`.
    """

    # Folded words of the searchable fields; FTS5 and the tsvector are derived from it.
    search_document: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Shown in the directory (is_visible, and the owner's account is active).
    directory_listed: Mapped[bool] = mapped_column(default=False, nullable=False)
    # The first day a request may be sent again (None: now; 9999-12-31: not accepting).
    unavailable_until: Mapped[date | None] = mapped_column(Date)
    # The industry ids, sorted, as "|3|7|12|" ("" for none).
    industry_key: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    # The directory's data version when this profile last changed what the directory shows:
    # a process's snapshot catches up by reading the profiles changed since its own version.
    directory_version: Mapped[int] = mapped_column(
        BigInteger, default=0, nullable=False, index=True
    )

    def build_search_document(self, name: str | None = None) -> str:
        """The folded text the full-text index holds for this profile."""
        return textfold.document(
            [
                self.display_name if name is None else name,
                self.headline,
                self.employer,
                self.job_title,
                self.bio,
                " ".join(self.tags or []),
                " ".join(i.name for i in self.industries),
            ]
        )

    def compute_industry_key(self) -> str | None:
        """The sorted industry ids as "|3|7|", or None while an industry has no id yet."""
        ids = [i.id for i in self.industries]
        if any(i is None for i in ids):
            return None
        return "".join(f"|{i}" for i in sorted(set(ids))) + "|" if ids else ""

    def refresh_directory_columns(self) -> None:
        """Rewrite the denormalised directory columns from the fields they summarise."""
        values = {
            "directory_listed": bool(self.is_visible),
            "unavailable_until": self.compute_unavailable_until(),
        }
        key = self.compute_industry_key()
        if key is not None:
            values["industry_key"] = key
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)


class CountedInDirectory:
    """Marker mixin: adding, changing or deleting one of these rows changes directory counts."""


def attach(table) -> None:
    """Create the full-text objects with the profiles table (and drop them with it)."""
    search_ddl.attach(table)


# --- the data version ---------------------------------------------------------------------------


class DirectoryState(db.Model):
    """One row whose version is bumped in every transaction that changes what the directory
    counts (profiles, their owners' names and active flags, industries); cached facet counts
    are keyed by it. `structure` changes when a change is not one profile's own (a deletion,
    an industry): snapshots are then read again whole."""

    __tablename__ = "careerlink_directory_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    structure: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


def _first_version() -> int:
    # A random start, so that a database emptied and refilled (tests, a restored backup) never
    # repeats a version that a running process may have cached counts for.
    return secrets.randbits(52)


def _insert_state_row(target, connection, **_kw) -> None:
    connection.execute(
        target.insert().values(id=1, version=_first_version(), structure=_first_version())
    )


event.listen(DirectoryState.__table__, "after_create", _insert_state_row)


def bump_directory_version(connection, structural: bool = False) -> int:
    """Invalidate every cached directory count (all processes): the new data version.

    `structural` also changes the structure, for a change that is not one profile's own.
    """
    table = DirectoryState.__table__
    values = {"version": table.c.version + 1}
    if structural:
        values["structure"] = table.c.structure + 1
    version = connection.execute(
        table.update().values(**values).returning(table.c.version)
    ).scalar()
    if version is None:  # the row was deleted (tables emptied): start a new series
        version = _first_version()
        connection.execute(table.insert().values(id=1, version=version, structure=_first_version()))
    return version


def directory_version() -> int | None:
    """The directory's current data version (None if its row is missing)."""
    return db.session.scalar(select(DirectoryState.version).where(DirectoryState.id == 1))


# --- keeping it current on every flush ----------------------------------------------------------

_PENDING_KEYS = "careerlink_pending_industry_keys"


def _profile_changed_by_owner(obj) -> IndexedProfile | None:
    if not isinstance(obj, User):
        return None
    attrs = db.inspect(obj).attrs
    if any(getattr(attrs, name).history.has_changes() for name in OWNER_FIELDS):
        return obj.mentor_profile
    return None


def _refresh_profile(session, profile: IndexedProfile) -> None:
    name = None
    owner = profile.user
    if owner is None and profile.user_id is not None:
        # A profile made with user_id only: its user is not loaded while pending.
        owner = session.get(User, profile.user_id)
        name = owner.display_name if owner is not None else ""
    doc = profile.build_search_document(name)
    if doc != profile.search_document:
        profile.search_document = doc
    profile.refresh_directory_columns()
    if owner is not None and owner.active is False and profile.directory_listed:
        profile.directory_listed = False
    if profile.compute_industry_key() is None:
        session.info.setdefault(_PENDING_KEYS, set()).add(profile)


_UNCOMMITTED = "careerlink_directory_uncommitted"


def index_changes(session) -> None:
    """Rebuild the derived columns of every profile this flush may change, bump the data
    version when anything the directory shows changed, and stamp the profiles with it."""
    structural = any(
        isinstance(obj, IndexedProfile | CountedInDirectory | User) for obj in session.deleted
    )
    profiles = []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, CountedInDirectory):
            structural = True
            continue
        profile = obj if isinstance(obj, IndexedProfile) else _profile_changed_by_owner(obj)
        if profile is not None:
            profiles.append(profile)
            _refresh_profile(session, profile)
    if structural or profiles:
        version = bump_directory_version(session.connection(), structural)
        for profile in profiles:
            profile.directory_version = version
        session.info[_UNCOMMITTED] = True


def has_uncommitted_changes(session) -> bool:
    """True while this session's transaction has changed the directory and not committed."""
    return bool(session.info.get(_UNCOMMITTED))


def _transaction_ended(session, *_args) -> None:
    session.info.pop(_UNCOMMITTED, None)


def fill_pending_industry_keys(session) -> None:
    """Write the industry keys that could not be computed before the flush gave ids."""
    pending = session.info.pop(_PENDING_KEYS, None)
    if not pending:
        return
    for profile in pending:
        key = profile.compute_industry_key()
        if profile.id is None or key is None:
            continue
        table = type(profile).__table__
        session.connection().execute(
            table.update().where(table.c.id == profile.id).values(industry_key=key)
        )
        set_committed_value(profile, "industry_key", key)


def _refresh_search_documents(session, _flush_context, _instances) -> None:
    """before_flush: bring the directory index up to date with this flush."""
    index_changes(session)


def _fill_pending_industry_keys(session, _flush_context) -> None:
    """after_flush: industries created in the same flush as the profile have ids only now."""
    fill_pending_industry_keys(session)


# CareerLink's session class only: a host application's sessions never run these.
event.listen(CareerLinkSession, "before_flush", _refresh_search_documents)
event.listen(CareerLinkSession, "after_flush", _fill_pending_industry_keys)
event.listen(CareerLinkSession, "after_commit", _transaction_ended)
event.listen(CareerLinkSession, "after_rollback", _transaction_ended)
