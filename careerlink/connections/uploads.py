"""Résumés and annotated résumés: checked by content, stored under random names, never served
statically.

A file is a PDF (it starts with the PDF header) or a DOCX (a zip holding word/document.xml and
[Content_Types].xml, whose members' declared sizes stay small and near their compressed size,
so a zip bomb is refused before anything is unpacked). Its name says nothing: a PNG named
cv.pdf is refused. Files live in CAREERLINK_UPLOAD_DIR (default instance/uploads) under a
random name; the request row keeps that name, and the pages serve the file only to the people
careerlink.connections.services.can_view_request allows, as an attachment.

Files follow the unit of work that names them: a file written by `store` is deleted again when
that unit of work rolls back (so no orphan is left behind), and a file given to `remove` is
deleted only once the unit of work commits (so a rollback never leaves a row naming a file
that is gone). Both are listeners on CareerLink's own session class.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import event

from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.models import CareerLinkSession

PDF, DOCX = "pdf", "docx"
MIME = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# A real résumé unpacks to a few megabytes at most; more, or a member that grew more than 100
# times, or thousands of members, is a zip bomb (or not a résumé).
DOCX_MAX_UNPACKED = 50_000_000
DOCX_MAX_RATIO = 100
DOCX_MAX_MEMBERS = 1000
_STORED = re.compile(r"^[0-9a-f]{32}\.(pdf|docx)$")
# Keys of Session.info: the files written and the files to delete in the open unit of work.
WRITTEN = "careerlink_files_written"
DOOMED = "careerlink_files_doomed"


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its bytes and the name it had (shown, never trusted)."""

    data: bytes
    filename: str


def max_bytes() -> int:
    """The largest file accepted (CAREERLINK_UPLOAD_MAX_BYTES)."""
    return int(current_app.config["CAREERLINK_UPLOAD_MAX_BYTES"])


def format_decimal_mb(size: int) -> str:
    """A size in megabytes with one decimal, in the reader's locale (`1.5`, `1,5`)."""
    return format_decimal(size / 1_000_000, format="#,##0.0", locale=get_locale() or "en")


def folder() -> Path:
    """Where the files live (CAREERLINK_UPLOAD_DIR), outside anything served statically."""
    configured = current_app.config["CAREERLINK_UPLOAD_DIR"]
    path = Path(configured or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def file_type(upload: Upload | None, *, field: str) -> str:
    """PDF or DOCX, from the bytes; a clear refusal on `field` for anything else."""
    data = upload.data if upload is not None else b""
    if not data:
        raise DomainError(_("Choose a file: a PDF or a Word (DOCX) document."), field=field)
    limit = max_bytes()
    if len(data) > limit:
        raise DomainError(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB.",
                size=format_decimal_mb(len(data)),
                limit=format_decimal_mb(limit),
            ),
            field=field,
        )
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    raise DomainError(
        _("This file is not a PDF or a Word (DOCX) document, whatever its name says."), field=field
    )


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if len(members) > DOCX_MAX_MEMBERS:
        return False
    names = {m.filename for m in members}
    if not {"word/document.xml", "[Content_Types].xml"} <= names:
        return False
    unpacked = sum(m.file_size for m in members)
    if unpacked > DOCX_MAX_UNPACKED:
        return False
    # Declared sizes can lie; the ratio is checked from the same headers the unpacker trusts,
    # and nothing here ever unpacks a member.
    return all(m.file_size <= max(m.compress_size, 1) * DOCX_MAX_RATIO for m in members)


def _pending(key: str) -> list[Path]:
    """The list of `key` in the current unit of work (which is begun if it was not)."""
    session = db.session()
    session.connection()  # begin the unit of work, so that its end is heard
    return session.info.setdefault(key, [])


def store(upload: Upload, kind: str) -> str:
    """Write the file under a new random name; that name. A rollback deletes it again."""
    name = f"{secrets.token_hex(16)}.{kind}"
    path = folder() / name
    written = _pending(WRITTEN)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written.append(path)
    with os.fdopen(fd, "wb") as out:
        out.write(upload.data)
    return name


def path_of(name: str | None) -> Path | None:
    """The file of a stored name, if it is one of ours and still there."""
    if not name or not _STORED.match(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


def remove(name: str | None) -> None:
    """Delete a stored file (retention, account deletion) once the unit of work commits; a
    missing one is fine."""
    path = path_of(name)
    if path is not None:
        _pending(DOOMED).append(path)


@event.listens_for(CareerLinkSession, "after_commit")
def _delete_after_commit(session) -> None:
    """The rows no longer name these files: delete them; the files written are kept."""
    if session.in_nested_transaction():  # a savepoint released: the unit of work goes on
        return
    for path in session.info.pop(DOOMED, []):
        path.unlink(missing_ok=True)
    session.info.pop(WRITTEN, None)


@event.listens_for(CareerLinkSession, "after_transaction_end")
def _forget_after_rollback(session, transaction) -> None:
    """The unit of work ended without a commit: delete what it wrote, keep what it doomed.

    (After a commit, `_delete_after_commit` has already emptied both lists.)"""
    if transaction.parent is not None:  # a savepoint: the unit of work goes on
        return
    for path in session.info.pop(WRITTEN, []):
        path.unlink(missing_ok=True)
    session.info.pop(DOOMED, None)


def display_name(filename: str) -> str:
    """The uploaded file's name, reduced to something safe to show (never used as a path)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in "<>\"'").strip()
    return cleaned[:200] or "résumé"
