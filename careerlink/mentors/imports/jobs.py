"""Import jobs: a file uploaded on the staff page, run in the background by the import worker.

The page stores the file and a job row; `flask careerlink alumni work` claims queued jobs one at
a time and runs each as one unit of work (the import and the job's totals commit together).
Progress goes to a small file beside the upload, not to the database: the import's own
transaction is open while it runs, and on SQLite a second writer would wait for it.
"""

from __future__ import annotations

import csv
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from careerlink.database import transaction
from careerlink.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db
from careerlink.i18n import speaking
from careerlink.mentors.imports import presets
from careerlink.mentors.imports.models import ImportJob, ImportMapping, JobState
from careerlink.mentors.imports.reading import FileProblem, open_table
from careerlink.mentors.imports.services import REPORT_HEADER, run_import
from careerlink.models import utcnow
from careerlink.permissions import is_staff

log = logging.getLogger(__name__)
CHUNK = 1 << 20
FILENAME_MAX = 200
MAPPING_NAME_MAX = 80
UNEXPECTED = _l(
    "The import stopped on an unexpected error and wrote nothing; the server's log has the "
    "details. Try again, or ask the site's administrator."
)


def _require_staff(actor) -> None:
    if not is_staff(actor):
        raise NotAllowed(_("Only career-office staff can import alumni."))


def folder() -> Path:
    """Where uploads, progress and reports live (CAREERLINK_IMPORT_DIR)."""
    configured = current_app.config["CAREERLINK_IMPORT_DIR"]
    path = Path(configured or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(job: ImportJob) -> Path:
    """The uploaded file of a job."""
    return folder() / f"{job.key}.upload"


def progress_path(job: ImportJob) -> Path:
    """The file the worker writes the rows done to."""
    return folder() / f"{job.key}.progress"


def report_path(job: ImportJob) -> Path:
    """The per-row report of a finished job (CSV, unescaped: the download escapes)."""
    return folder() / f"{job.key}.report.csv"


# --- layouts as a job stores them -----------------------------------------------------------


def layout_record(layout: presets.Layout) -> dict:
    """A layout as the job row stores it."""
    return {
        "name": layout.name,
        "source": layout.source,
        "columns": {k: list(v) for k, v in layout.columns.items()},
        "any_value_flags": sorted(layout.any_value_flags),
        "preset": layout.name in presets.PRESETS and presets.PRESETS[layout.name] == layout,
    }


def layout_of(job: ImportJob) -> presets.Layout:
    """The layout a job reads its file with."""
    stored = job.layout or {}
    if stored.get("preset"):
        return presets.preset(stored["name"])
    return presets.layout_from_mapping(stored, stored.get("name") or "mapping")


def choose_layout(choice: str) -> presets.Layout | None:
    """`preset:NAME` or `mapping:ID` to a layout; `custom` (map the columns next) to None."""
    kind, _sep, value = (choice or "").partition(":")
    if kind == "preset":
        return presets.preset(value)
    if kind == "mapping" and value.isdigit() and len(value) < 10:
        saved = db.session.get(ImportMapping, int(value))
        if saved is not None:
            return presets.layout_from_mapping(saved.as_mapping(), saved.name)
    if choice == "custom":
        return None
    raise DomainError(_("Choose a layout from the list."), field="layout")


def header_of(job: ImportJob) -> list[str]:
    """The column names of the job's file (FileProblem when it cannot be read)."""
    table = open_table(
        upload_path(job), current_app.config["CAREERLINK_IMPORT_MAX_BYTES"], job.convert
    )
    table.close()
    return table.header


# --- staff actions ----------------------------------------------------------------------------


def _save_stream(stream, target: Path, limit: int) -> int:
    size = 0
    with target.open("wb") as out:
        while block := stream.read(CHUNK):
            size += len(block)
            if size > limit:
                break
            out.write(block)
    if size > limit:
        target.unlink(missing_ok=True)
        raise DomainError(
            _(
                "The file is larger than %(limit)s MB (CAREERLINK_IMPORT_MAX_BYTES). "
                "Split it, or export fewer columns.",
                limit=round(limit / 1e6),
            ),
            field="file",
        )
    return size


def upload(actor, stream, filename: str, choice: str, convert: bool) -> ImportJob:
    """Store an uploaded file; queue its dry run, or wait for its columns (choice "custom")."""
    _require_staff(actor)
    layout = choose_layout(choice)
    name = os.path.basename((filename or "").replace("\\", "/"))[:FILENAME_MAX] or "upload"
    job = ImportJob(
        key=secrets.token_hex(16),
        filename=name,
        size=0,
        convert="cp1252" if convert else None,
        dry_run=True,
        state=JobState.UPLOADED.value,
        created_by_id=actor.id,
    )
    job.size = _save_stream(
        stream, upload_path(job), current_app.config["CAREERLINK_IMPORT_MAX_BYTES"]
    )
    try:
        header = header_of(job)
        if layout is not None:
            layout.resolve(header)
    except FileProblem as problem:
        upload_path(job).unlink(missing_ok=True)
        raise DomainError(problem.message, field="file") from None
    if layout is not None:
        job.layout = layout_record(layout)
        job.state = JobState.QUEUED.value
    db.session.add(job)
    db.session.flush()
    return job


def set_columns(
    actor, job: ImportJob, columns: dict[str, str], source: str, save_as: str = ""
) -> ImportJob:
    """The mapping step: the columns staff chose for each field; the dry run is queued."""
    _require_staff(actor)
    if job.state != JobState.UPLOADED.value:
        raise InvalidTransition(_("This file's columns are already chosen."))
    chosen = {field: [column] for field, column in columns.items() if column}
    layout = presets.layout_from_mapping({"source": source, "columns": chosen}, "mapping")
    try:
        layout.resolve(header_of(job))
    except FileProblem as problem:
        raise DomainError(problem.message) from None
    save_as = " ".join((save_as or "").split())
    if save_as:
        if len(save_as) > MAPPING_NAME_MAX:
            raise DomainError(
                _("Keep the name under %(n)d characters.", n=MAPPING_NAME_MAX), field="save_as"
            )
        if db.session.scalar(select(ImportMapping.id).where(ImportMapping.name == save_as)):
            raise Conflict(
                _("A mapping named “%(name)s” exists already.", name=save_as), field="save_as"
            )
        db.session.add(
            ImportMapping(
                name=save_as, source=layout.source, columns=chosen, created_by_id=actor.id
            )
        )
        layout = presets.layout_from_mapping({"source": source, "columns": chosen}, save_as)
    job.layout = layout_record(layout)
    job.state = JobState.QUEUED.value
    return job


def import_for_real(actor, preview: ImportJob) -> ImportJob:
    """Queue the real import of a finished dry run's file, with the same columns."""
    _require_staff(actor)
    if not preview.dry_run or preview.state != JobState.DONE.value:
        raise InvalidTransition(_("Only a finished dry run can be imported."))
    job = ImportJob(
        key=secrets.token_hex(16),
        filename=preview.filename,
        size=preview.size,
        layout=preview.layout,
        convert=preview.convert,
        dry_run=False,
        state=JobState.QUEUED.value,
        preview_of_id=preview.id,
        created_by_id=actor.id,
    )
    try:
        os.link(upload_path(preview), upload_path(job))
    except OSError:
        shutil.copyfile(upload_path(preview), upload_path(job))
    db.session.add(job)
    db.session.flush()
    return job


def recent_jobs(limit: int = 20) -> list[ImportJob]:
    """The latest jobs, newest first."""
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def saved_mappings() -> list[ImportMapping]:
    """The saved mappings by name."""
    return list(db.session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows expected) as the worker last wrote them."""
    try:
        done, expected = progress_path(job).read_text("ascii").split()
        return int(done), int(expected)
    except (OSError, ValueError):
        return 0, 0


def report_rows(job: ImportJob) -> Iterator[list[str]]:
    """The rows of a finished job's per-row report."""
    path = report_path(job)
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


# --- the worker -------------------------------------------------------------------------------


def claim_next() -> ImportJob | None:
    """Take the oldest queued job (so that two workers never run the same one)."""
    job_id = db.session.scalar(
        select(ImportJob.id)
        .where(ImportJob.state == JobState.QUEUED.value)
        .order_by(ImportJob.id)
        .limit(1)
    )
    if job_id is None:
        return None
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.state == JobState.QUEUED.value)
        .values(state=JobState.RUNNING.value, started_at=utcnow())
    )
    if claimed.rowcount != 1:
        return None
    return db.session.get(ImportJob, job_id, populate_existing=True)


def _expected_rows(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            count += block.count(b"\n")
    return max(count, 1)


def run_job(job: ImportJob) -> None:
    """Run the job's import and record its totals (in the caller's unit of work)."""
    expected = _expected_rows(upload_path(job))
    done = {"rows": 0}

    def tick(rows: int) -> None:
        """Record the rows done so far, for the page."""
        done["rows"] += rows
        progress_path(job).write_text(f"{done['rows']} {max(expected, done['rows'])}", "ascii")

    report = run_import(
        upload_path(job), layout_of(job), dry_run=job.dry_run, convert=job.convert, progress=tick
    )
    with report_path(job).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_HEADER)
        writer.writerows(report.report_rows())
    job.state = JobState.DONE.value
    job.counts = report.counts
    job.unknown_industries = dict(report.unknown_industries)
    job.summary = report.summary()
    job.finished_at = utcnow()


def _fail(job_id: int, message: str) -> None:
    with transaction():
        db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(state=JobState.FAILED.value, error=message, finished_at=utcnow())
        )


def work_once() -> ImportJob | None:
    """Claim and run one queued job; None when none is waiting."""
    with transaction():
        job = claim_next()
    if job is None:
        return None
    job_id = job.id
    # No browser here: the report is written in the language of whoever started the import.
    starter = job.created_by
    with speaking(getattr(starter, "locale", None), getattr(starter, "time_zone", None)):
        try:
            with transaction():
                run_job(job)  # a dry run writes nothing but the job's own totals
        except DomainError as err:
            _fail(job_id, err.message)
        except Exception:
            log.exception("import job %s failed", job_id)
            _fail(job_id, str(UNEXPECTED))
    return db.session.get(ImportJob, job_id)
