"""The import run: plan each row (create, update, skip, error), then apply the plan.

A dry run is the same plan, not applied: both go through `run_import`, so the real run gives
the dry run's outcome. The caller's unit of work (one `transaction()` for the whole file) makes
a file all-or-nothing: a file-level problem or a crash writes nothing. Rows with errors are
reported and left out; the other rows are written. Re-importing is idempotent (unchanged rows
are skipped), so the fixed rows can be imported again later.

The import writes alumni records (the CRM's copy) and never a mentor profile's own fields: what
an alumnus edits lives on their profile, so a later export can never overwrite it. It does set
a profile's `withheld` flag from the CRM's deceased, do-not-contact and confidential flags.
"""

from __future__ import annotations

import gc
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import JSON, Integer, String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from careerlink import audit
from careerlink.accounts.models import User, normalize_email
from careerlink.audit import AuditAction
from careerlink.database import error_reason
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.mentors.imports.fields import row_cleaner
from careerlink.mentors.imports.models import AlumniRecord, IndustryAlias
from careerlink.mentors.imports.presets import FIELDS, Layout
from careerlink.mentors.imports.reading import BadRow, FileProblem, open_table
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.models import utcnow

CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"
ACTIONS = (CREATE, UPDATE, SKIP, ERROR)
BATCH = 2000
# The record columns an import writes (besides source, external id and the account link).
RECORD_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "other_emails",
    "class_year",
    "degree",
    "programme",
    "employer",
    "job_title",
    "industry_value",
    "industry_id",
    "city",
    "country",
    "linkedin_url",
    "deceased",
    "do_not_contact",
    "confidential",
)
REPORT_HEADER = ("row", "outcome", "external id", "column", "detail")
# The columns a created record gets, in the order PostgreSQL's COPY receives them.
CREATE_COLUMNS = (
    "source",
    "external_id",
    "user_id",
    *RECORD_FIELDS,
    "created_at",
    "updated_at",
    "last_imported_at",
)


def on_postgresql() -> bool:
    """True when the session's database is PostgreSQL (COPY and array parameters)."""
    return db.session.get_bind().dialect.name == "postgresql"


def copies() -> bool:
    """True when rows can be written with COPY: PostgreSQL through psycopg (3), the usual driver."""
    dialect = db.session.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def among(column, values):
    """`column IN values`: one array parameter on PostgreSQL, a list of parameters elsewhere.

    A batch looks up 2,000 values at a time: as one array, PostgreSQL gets a short statement to
    parse and plan, and neither SQLAlchemy nor the driver renders 2,000 placeholders each time.
    """
    values = list(values)
    if on_postgresql():
        kind = Integer() if isinstance(column.type, Integer) else String()
        return column == any_(bindparam(None, values, type_=ARRAY(kind)))
    return column.in_(values)


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What the import does (or would do) with one row of the file, and why."""

    row: int
    action: str
    external_id: str = ""
    detail: str = ""
    column: str = ""

    def cells(self) -> tuple:
        """The row of the downloadable report."""
        return (self.row, self.action, self.external_id, self.column, self.detail)


@dataclass
class ImportReport:
    """The per-row outcomes and the totals of one import (or dry run)."""

    layout: str
    source: str
    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    unknown_industries: Counter = field(default_factory=Counter)

    @property
    def counts(self) -> dict[str, int]:
        """How many rows had each outcome."""
        counts = Counter(o.action for o in self.outcomes)
        return {action: counts.get(action, 0) for action in ACTIONS}

    def summary(self) -> str:
        """One line for the CLI and the page."""
        return summary_text(self.counts, self.dry_run)

    def report_rows(self) -> Iterable[tuple]:
        """Every outcome as a row of the report CSV."""
        return (o.cells() for o in self.outcomes)


def summary_text(counts: dict[str, int], dry_run: bool) -> str:
    """An import's totals in one line, in the current language (the page renders it anew)."""
    c = {action: (counts or {}).get(action, 0) for action in ACTIONS}
    if dry_run:
        return _(
            "would create %(create)d, would update %(update)d, skipped %(skip)d, "
            "%(error)d with errors; nothing was written (dry run)",
            create=c[CREATE],
            update=c[UPDATE],
            skip=c[SKIP],
            error=c[ERROR],
        )
    return _(
        "created %(create)d, updated %(update)d, skipped %(skip)d, %(error)d with errors",
        create=c[CREATE],
        update=c[UPDATE],
        skip=c[SKIP],
        error=c[ERROR],
    )


def fold(value: str) -> str:
    """A CRM value compared case- and space-insensitively (the industry mapping's key)."""
    return " ".join((value or "").split()).casefold()[:120]


class IndustryResolver:
    """CRM industry values to CareerLink industries: the mapping table, then slug or name."""

    def __init__(self):
        self.known: dict[str, int] = {}
        for industry in db.session.scalars(select(Industry)):
            self.known[fold(industry.slug)] = industry.id
            self.known[fold(industry.name)] = industry.id
        for alias in db.session.scalars(select(IndustryAlias)):
            self.known[alias.value_key] = alias.industry_id

    def resolve(self, value: str) -> int | None:
        """The industry id for the value, or None when staff have not mapped it yet."""
        return self.known.get(fold(value)) if value else None


class _Texts:
    """A row's report phrases, translated once per import (the worker speaks the language of
    whoever started it) rather than once per row."""

    def __init__(self):
        self.empty = _("(empty)")
        # Without arguments gettext gives the translated pattern, filled in per row below.
        self.quoted = _("“%(value)s”")
        self.change = _("%(field)s: %(old)s → %(new)s")
        self.separator = pgettext("between the notes of one row of an import report", "; ")
        self.mapped = _("Industry: mapped since the last import")
        self.linked = _("linked to the existing account with this address")
        self.unchanged = _("no change since the last import")

    def describe(self, value) -> str:
        """A field's value as the report shows it."""
        if value is None or value == "" or value == []:
            return self.empty
        if isinstance(value, list):
            return ", ".join(value)
        return self.quoted % {"value": value} if isinstance(value, str) else str(value)


class Planner:
    """Plans the rows of one file in batches; `apply` writes a planned batch."""

    def __init__(self, layout: Layout, report: ImportReport):
        self.layout = layout
        self.source = layout.source
        self.report = report
        self.industries = IndustryResolver()
        self.seen_ids: dict[str, tuple[int, str]] = {}
        self.seen_emails: dict[str, tuple[int, str]] = {}
        self.now = utcnow()
        self.created = 0
        self.analyzed = 0
        # External ids of rows whose record has an account: their profile's flag may change.
        self.with_account: set[str] = set()
        self.fields: list[str] | None = None
        self.texts = _Texts()

    # --- one row, before the database ---

    def check(self, number: int, values: dict) -> RowOutcome | None:
        """A skip or an error that the file alone shows (duplicates within it), or None."""
        ext = values["external_id"]
        # Every row of a file has the same fields in the same order: the values alone compare.
        digest = hashlib.blake2b(repr(tuple(values.values())).encode(), digest_size=12).digest()
        earlier = self.seen_ids.get(ext)
        if earlier is not None:
            if earlier[1] == digest:
                return RowOutcome(number, SKIP, ext, _("the same as row %(row)d", row=earlier[0]))
            return RowOutcome(
                number,
                ERROR,
                ext,
                _("the external id is also on row %(row)d", row=earlier[0]),
                "external id",
            )
        email = values.get("email")
        if email:
            other = self.seen_emails.get(email)
            if other is not None:
                return RowOutcome(
                    number,
                    ERROR,
                    ext,
                    _(
                        "the address %(email)s is also on row %(row)d (addresses are compared "
                        "without regard to case)",
                        email=email,
                        row=other[0],
                    ),
                    "email",
                )
            self.seen_emails[email] = (number, ext)
        self.seen_ids[ext] = (number, digest)
        return None

    def record_values(self, values: dict) -> dict:
        """The record's columns from a clean row (industry resolved)."""
        if self.fields is None:  # every row of a file has the same fields: find them once
            self.fields = [name for name in RECORD_FIELDS if name in values]
        row = {name: values[name] for name in self.fields}
        if "industry" in values:
            raw = values["industry"]
            row["industry_value"] = raw
            row["industry_id"] = self.industries.resolve(raw)
        if "other_emails" in row and row["other_emails"] is None:
            row["other_emails"] = []
        return row

    # --- a batch against the database ---

    def plan(self, batch: list[tuple[int, dict]]) -> list[tuple[RowOutcome, dict, int | None]]:
        """Outcomes for a batch of clean rows, with the values to write and the record id."""
        ids = [v["external_id"] for _, v in batch]
        # Core statements on the session's connection: plain rows, no ORM loading per row.
        db.session.flush()
        connection = db.session.connection()
        cols = [
            AlumniRecord.__table__.c[n]
            for n in ("id", "source", "external_id", "user_id", *RECORD_FIELDS)
        ]
        by_id = {
            r.external_id: r
            for r in connection.execute(
                select(*cols).where(
                    AlumniRecord.source == self.source, among(AlumniRecord.external_id, ids)
                )
            ).all()
        }
        # Only the addresses that their own record (found by id) does not already carry.
        emails = {
            v["email"]
            for _, v in batch
            if v.get("email")
            and (v["external_id"] not in by_id or by_id[v["external_id"]].email != v["email"])
        }
        by_email = {}
        if emails:
            query = select(*cols).where(among(AlumniRecord.email, emails))
            by_email = {r.email: r for r in connection.execute(query).all()}
        for record in by_id.values():
            if record.email:
                by_email.setdefault(record.email, record)
        # Accounts only for the records not linked yet.
        all_emails = {
            e
            for _, v in batch
            if by_id.get(v["external_id"]) is None or by_id[v["external_id"]].user_id is None
            for e in (v.get("email"), *(v.get("other_emails") or []))
            if e
        }
        users = {}
        linked = set()
        if all_emails:
            query = select(User.email, User.id).where(among(User.email, all_emails))
            users = {e: i for e, i in connection.execute(query)}
        if users:
            linked = set(
                connection.scalars(
                    select(AlumniRecord.user_id).where(among(AlumniRecord.user_id, users.values()))
                )
            )
        planned = []
        for number, values in batch:
            planned.append(self._plan_row(number, values, by_id, by_email, users, linked))
        return planned

    def _plan_row(self, number, values, by_id, by_email, users, linked):
        ext = values["external_id"]
        email = values.get("email")
        row = self.record_values(values)
        record = by_id.get(ext)
        owner = by_email.get(email) if email else None
        if record is None and owner is not None:
            if owner.source == self.source:
                return (
                    RowOutcome(
                        number,
                        ERROR,
                        ext,
                        _(
                            "the address %(email)s belongs to the record with external id "
                            "%(external_id)s from the same source",
                            email=email,
                            external_id=owner.external_id,
                        ),
                        "email",
                    ),
                    row,
                    None,
                )
            record = owner  # the same person, known from another system
        elif record is not None and owner is not None and owner.id != record.id:
            return (
                RowOutcome(
                    number,
                    ERROR,
                    ext,
                    _(
                        "the address %(email)s belongs to another record (%(source)s "
                        "%(external_id)s)",
                        email=email,
                        source=owner.source,
                        external_id=owner.external_id,
                    ),
                    "email",
                ),
                row,
                None,
            )
        candidates = [email, *(values.get("other_emails") or [])] if email else []
        user_id = next(
            (users[e] for e in candidates if e in users and users[e] not in linked), None
        )
        texts, notes = self.texts, []
        if row.get("industry_value") and row.get("industry_id") is None:
            self.report.unknown_industries[row["industry_value"]] += 1
            notes.append(_("industry “%(value)s” is not mapped yet", value=row["industry_value"]))
        if user_id is not None or (record is not None and record.user_id is not None):
            self.with_account.add(ext)
        if record is None:
            if user_id is not None:
                row["user_id"] = user_id
                linked.add(user_id)
                notes.append(texts.linked)
            return RowOutcome(number, CREATE, ext, texts.separator.join(notes)), row, None
        current = record._mapping  # by key: several times faster than a Row's attributes
        changes = [
            texts.change
            % {
                "field": FIELDS.get(name, name.replace("_", " ")),
                "old": texts.describe(current[name]),
                "new": texts.describe(value),
            }
            for name, value in row.items()
            if name not in ("industry_id", "user_id") and current[name] != value
        ]
        if (
            "industry_value" in row
            and row["industry_value"] == record.industry_value
            and row["industry_id"] != record.industry_id
        ):
            changes.append(texts.mapped)
        if record.user_id is None and user_id is not None:
            row["user_id"] = user_id
            linked.add(user_id)
            changes.append(texts.linked)
        if not changes:
            return RowOutcome(number, SKIP, ext, texts.unchanged), row, record.id
        detail = texts.separator.join(changes + notes)
        return RowOutcome(number, UPDATE, ext, detail[:1000]), row, record.id

    def apply(self, planned) -> None:
        """Write a planned batch: inserts and updates in two statements, then the flags."""
        table = AlumniRecord.__table__
        now = self.now
        creates, updates = [], []
        for outcome, row, record_id in planned:
            if outcome.action == CREATE:
                creates.append(
                    {
                        "source": self.source,
                        "external_id": outcome.external_id,
                        "user_id": row.pop("user_id", None),
                        **_full(row),
                        "created_at": now,
                        "updated_at": now,
                        "last_imported_at": now,
                    }
                )
            elif outcome.action == UPDATE:
                user_id = row.pop("user_id", None)
                updates.append(
                    {"_id": record_id, **row, "updated_at": now, "last_imported_at": now}
                )
                if user_id is not None:
                    db.session.execute(
                        table.update().where(table.c.id == record_id).values(user_id=user_id)
                    )
            else:
                continue
        if creates:
            if copies():
                copy_rows(table, CREATE_COLUMNS, creates)
            else:
                db.session.execute(table.insert(), creates)
            self.created += len(creates)
            if self.created >= 2 * self.analyzed and on_postgresql():
                # The planner's statistics must see the rows this transaction added, or it
                # plans the next batch's look-ups for an empty table (sequential scans): 80 s
                # instead of 10 for 100,000 new rows. Each time the rows double, so ~6 times;
                # only the looked-up columns, whose statistics are all the look-ups use.
                db.session.execute(
                    text("ANALYZE careerlink_alumni_records (source, external_id, email, user_id)")
                )
                self.analyzed = self.created
        if updates:
            by_columns: dict[tuple, list[dict]] = {}
            for u in updates:
                by_columns.setdefault(tuple(sorted(u)), []).append(u)
            for columns, rows in by_columns.items():
                if copies():
                    update_rows(table, [c for c in columns if c != "_id"], rows)
                    continue
                values = {c: bindparam(c) for c in columns if c != "_id"}
                db.session.execute(
                    table.update().where(table.c.id == bindparam("_id")).values(**values), rows
                )
        users = {
            o.external_id
            for o, _row, _id in planned
            if o.action in (CREATE, UPDATE) and o.external_id in self.with_account
        }
        sync_withheld(self.source, users)


@contextmanager
def _driver_cursor(statement: str) -> Iterator:
    """A cursor on the session's own connection, inside its transaction."""
    # The driver's integrity error comes out as SQLAlchemy's, as from the import's other
    # statements, so that `run_import` reports it the same way.
    db.session.flush()
    raw = db.session.connection().connection.driver_connection
    try:
        with raw.cursor() as cursor:
            yield cursor
    except db.session.get_bind().dialect.dbapi.IntegrityError as err:
        raise IntegrityError(statement, None, err) from None


def copy_rows(table, columns: tuple[str, ...], rows: list[dict]) -> None:
    """Insert the rows with PostgreSQL's COPY, in the session's transaction (all or nothing).

    About ten times faster than an INSERT per row, even pipelined; a unique violation raises
    an IntegrityError, which `run_import` turns into the same file problem.
    """
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    name = db.session.get_bind().dialect.identifier_preparer.format_table(table)
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f"COPY {name} ({names}) FROM STDIN"
    with _driver_cursor(statement) as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def update_rows(table, columns: list[str], rows: list[dict]) -> None:
    """Update the rows (each a dict of `_id` and `columns`) with one PostgreSQL statement.

    The new values are copied into a temporary table (COPY), then one UPDATE joins it to the
    records by id: a batch costs four statements instead of one per row.
    """
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    name = db.session.get_bind().dialect.identifier_preparer.format_table(table)
    names = ", ".join(f'"{c}"' for c in columns)
    changes = "pg_temp.careerlink_import_changes"
    statement = (
        f"UPDATE {name} AS t SET "
        + ", ".join(f'"{c}" = v."{c}"' for c in columns)
        + f" FROM {changes} AS v WHERE t.id = v._id"
    )
    with _driver_cursor(statement) as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {changes}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {changes} ON COMMIT DROP AS "
            f"SELECT id AS _id, {names} FROM {name} WITH NO DATA"
        )
        with cursor.copy(f"COPY {changes} (_id, {names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [row["_id"]]
                    + [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                )
        cursor.execute(statement)


def _full(row: dict) -> dict:
    defaults = {
        "first_name": "",
        "last_name": "",
        "preferred_name": "",
        "email": None,
        "other_emails": [],
        "class_year": None,
        "degree": "",
        "programme": "",
        "employer": "",
        "job_title": "",
        "industry_value": "",
        "industry_id": None,
        "city": "",
        "country": "",
        "linkedin_url": None,
        "deceased": False,
        "do_not_contact": False,
        "confidential": False,
    }
    return {**defaults, **row}


def sync_withheld(source: str, external_ids: set[str]) -> None:
    """Hold back (or release) the profiles of linked accounts as the records' flags say."""
    if not external_ids:
        return
    records = db.session.execute(
        select(
            AlumniRecord.user_id,
            AlumniRecord.deceased,
            AlumniRecord.do_not_contact,
            AlumniRecord.confidential,
        ).where(
            AlumniRecord.source == source,
            among(AlumniRecord.external_id, external_ids),
            AlumniRecord.user_id.is_not(None),
        )
    ).all()
    held = {r.user_id: bool(r.deceased or r.do_not_contact or r.confidential) for r in records}
    if not held:
        return
    for profile in db.session.scalars(select(MentorProfile).where(MentorProfile.user_id.in_(held))):
        if profile.withheld != held[profile.user_id]:
            profile.withheld = held[profile.user_id]
    db.session.flush()


def record_for_user(user) -> AlumniRecord | None:
    """The alumni record of this account: linked to it, or carrying its address."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        select(AlumniRecord)
        .where(
            (AlumniRecord.user_id == user.id) | (AlumniRecord.email == normalize_email(user.email))
        )
        .order_by(AlumniRecord.user_id.is_(None))
        .limit(1)
    )


def is_withheld(user) -> bool:
    """True when the CRM says this person is deceased, not to be contacted or confidential."""
    record = record_for_user(user)
    return record is not None and record.withheld


_collections = {"imports": 0, "threshold": None}
_collections_lock = threading.Lock()


@contextmanager
def fewer_collections(first: int = 50_000) -> Iterator[None]:
    """Let the garbage collector run less often while a file is read (and restore it after).

    An import keeps every row's outcome and every external id it has seen: with the default
    threshold the collector walks that growing heap again and again, a fifth of the CPU time
    of a 100,000-row import. The setting is the process's, so collections are only made rarer,
    never turned off, and the last of several imports running at once restores it.
    """
    with _collections_lock:
        if _collections["imports"] == 0:
            _collections["threshold"] = gc.get_threshold()
            gc.set_threshold(max(first, _collections["threshold"][0]), 10, 10)
        _collections["imports"] += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections["imports"] -= 1
            if _collections["imports"] == 0:
                gc.set_threshold(*_collections["threshold"])


def run_import(
    path: Path,
    layout: Layout,
    *,
    dry_run: bool,
    convert: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Plan every row of the file and, unless a dry run, write the plan (the caller commits)."""
    table = open_table(Path(path), current_app.config["CAREERLINK_IMPORT_MAX_BYTES"], convert)
    try:
        positions = layout.resolve(table.header)
    except FileProblem:
        table.close()
        raise
    report = ImportReport(layout.name, layout.source, dry_run)
    planner = Planner(layout, report)
    clean_row = row_cleaner(table.header, layout, positions)
    batch: list[tuple[int, dict]] = []
    pending: list[RowOutcome] = []

    def flush_batch():
        """Plan (and apply) the rows gathered so far, keeping their outcomes in file order."""
        planned = planner.plan(batch) if batch else []
        outcomes = pending + [p[0] for p in planned]
        outcomes.sort(key=lambda o: o.row)
        report.outcomes.extend(outcomes)
        if planned and not dry_run:
            try:
                planner.apply(planned)
            except IntegrityError as err:
                # A case planning cannot see (two rows swapping their addresses, or another
                # import writing the same records at once): the caller rolls everything back.
                raise FileProblem(
                    _(
                        "The file could not be written, and nothing was: the database refused "
                        "a change (%(reason)s). Import the rows involved in two steps.",
                        reason=error_reason(err),
                    )
                ) from None
        if progress is not None:
            progress(len(outcomes))
        batch.clear()
        pending.clear()

    with fewer_collections():
        try:
            for item in table.rows:
                if isinstance(item, BadRow):
                    pending.append(RowOutcome(item.number, ERROR, "", item.reason))
                else:
                    number, cells = item
                    values, errors = clean_row(cells)
                    ext = values.get("external_id") or ""
                    if errors:
                        pending.extend(
                            RowOutcome(number, ERROR, ext, e.reason, e.column) for e in errors
                        )
                    else:
                        early = planner.check(number, values)
                        if early is not None:
                            pending.append(early)
                        else:
                            batch.append((number, values))
                if len(batch) + len(pending) >= BATCH:
                    flush_batch()
            flush_batch()
        finally:
            table.close()
    if not report.outcomes:
        raise FileProblem(_("The file has a header but no rows."))
    return report


def map_industry(value: str, slug: str, actor: User | None = None) -> int:
    """Map a CRM industry value to a CareerLink industry; return how many records it fixed.

    The staff page and `flask careerlink alumni map-industry` both call this; it is audited
    (by the staff member, or by no one from the command line).
    """
    key = fold(value)
    if not key:
        raise DomainError(_("Give the CRM's industry value to map."), field="value")
    if len(key) > IndustryAlias.__table__.c.value_key.type.length:
        raise DomainError(_("An industry value has at most 120 characters."), field="value")
    slug = (slug or "").strip()
    if not slug:
        raise DomainError(_("Choose a CareerLink industry for this value."), field="industry")
    industry = db.session.scalar(select(Industry).where(Industry.slug == slug[:60]))
    if industry is None:
        raise DomainError(
            _("There is no industry “%(industry)s”.", industry=slug[:60]), field="industry"
        )
    if not industry.active:
        raise DomainError(
            _("“%(industry)s” is retired; choose an industry in use.", industry=industry.label),
            field="industry",
        )
    alias = db.session.scalar(select(IndustryAlias).where(IndustryAlias.value_key == key))
    if alias is None:
        db.session.add(IndustryAlias(value_key=key, industry_id=industry.id))
    else:
        alias.industry_id = industry.id
    records = db.session.scalars(
        select(AlumniRecord).where(
            AlumniRecord.industry_id.is_(None), AlumniRecord.industry_value != ""
        )
    )
    fixed = 0
    for record in records:
        if fold(record.industry_value) == key:
            record.industry_id = industry.id
            fixed += 1
    db.session.flush()
    audit.record(
        AuditAction.INDUSTRY_MAPPED,
        actor=actor,
        obj=industry,
        detail=f"“{value.strip()[:120]}” → {industry.name}: {fixed} records",
    )
    return fixed


def mapped_values(values) -> dict[str, Industry]:
    """Of these CRM industry values, those a mapping now covers, with their industry."""
    # Two spellings of one value ("Bee keeping", "BEE  keeping") share one mapping.
    keys = {v: fold(v) for v in values if fold(v)}
    if not keys:
        return {}
    aliases = db.session.scalars(
        select(IndustryAlias).where(IndustryAlias.value_key.in_(set(keys.values())))
    ).all()
    by_key = {a.value_key: a.industry for a in aliases}
    return {v: by_key[key] for v, key in keys.items() if key in by_key}


def unmapped_industries() -> list[tuple[str, int]]:
    """The CRM industry values no mapping covers yet, with how many records carry each."""
    counts: Counter = Counter()
    for value in db.session.scalars(
        select(AlumniRecord.industry_value).where(
            AlumniRecord.industry_id.is_(None), AlumniRecord.industry_value != ""
        )
    ):
        counts[value] += 1
    return counts.most_common()


__all__ = [
    "ImportReport",
    "RowOutcome",
    "map_industry",
    "mapped_values",
    "run_import",
    "unmapped_industries",
]
