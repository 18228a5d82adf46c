"""The outbox's rules: enqueue() writes an email as a row, retry() queues one again.

enqueue_deferred() writes a row whose content the worker decides (through the renderer a
domain registered for its kind), so a web request can do the same work whatever it is about.

Like every service these only add to the caller's transaction; delivery (which commits per
claim and per outcome) is the worker's job, in careerlink.mail.worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from careerlink.errors import InvalidTransition
from careerlink.extensions import db
from careerlink.i18n import recipients_preferences, speaking
from careerlink.mail import private
from careerlink.mail.headers import ASCII_SPACES
from careerlink.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus
from careerlink.models import utcnow


@dataclass
class Attachment:
    """A file to attach to an email."""

    filename: str
    content_type: str
    data: bytes


def render_email(event: str, audience: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render subject, text and HTML from email/<event>_to_<audience>.txt and .html."""
    env = current_app.jinja_env
    # Emails are rendered by the CLI and cron too: no request context processors here.
    ctx = {"site_name": current_app.config["CAREERLINK_SITE_NAME"], **context}
    base = f"careerlink/email/{event}_to_{audience}"
    text_module = env.get_template(base + ".txt").make_module(ctx)
    subject = getattr(text_module, "subject", None)
    if not subject:
        raise ValueError(f"{base}.txt must set a subject with {{% set subject = ... %}}")
    html = env.get_template(base + ".html").render(ctx)
    # One line, ASCII spaces collapsed; a no-break space (French before ":") is the text's own.
    return ASCII_SPACES.sub(" ", str(subject)).strip(), str(text_module).strip() + "\n", html


def enqueue(
    event: str,
    audience: str,
    to: str | Sequence[str],
    context: dict[str, Any] | None = None,
    *,
    reply_to: str | None = None,
    attachments: Iterable[Attachment] = (),
    into: OutboxMessage | None = None,
    list_unsubscribe: str | None = None,
    not_before: datetime | None = None,
    language: str | None = None,
    zone: str | None = None,
) -> OutboxMessage | None:
    """Render an email and add its outbox row to the caller's transaction (no commit).

    `list_unsubscribe` (an https URL) adds RFC 8058 one-click unsubscribe headers;
    `not_before` holds the message until then (throttled bulk mail).

    The email speaks its recipients' language and shows times in their zone (their own
    choices, when they all share them; else the office's); `language` and `zone` force both.

    Values marked `Secret` are stored as placeholders, their real values encrypted apart.
    With `into`, a deferred row the worker is preparing is filled instead of a new one added.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    # A deleted account keeps an address under the reserved .invalid domain: nothing can reach
    # it, so no row is written for it (the other recipients of a message still get theirs).
    recipients = [r for r in recipients if not r.lower().endswith(".invalid")]
    if not recipients:
        return None
    shown, hidden = private.hide_secrets(context or {})
    if language is None and zone is None:
        language, zone = recipients_preferences(recipients)
    with speaking(language, zone):
        subject, text, html = render_email(event, audience, shown)
    row = into if into is not None else OutboxMessage(message_id=_new_message_id())
    row.event = event
    row.audience = audience
    row.recipients = recipients
    row.reply_to = reply_to
    row.subject = subject
    row.body_text = text
    row.body_html = html
    row.secrets = private.seal(hidden)
    row.deferred = None
    row.list_unsubscribe = list_unsubscribe
    row.attachments = [
        OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
        for a in attachments
    ]
    if into is None:
        row.status = OutboxStatus.QUEUED.value
        row.next_attempt_at = not_before or utcnow()
        db.session.add(row)
    return row


def _new_message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    return make_msgid(domain=domain or "careerlink.local")


# --- deferred messages: the worker decides what (and whether) to send -------------------------

# kind -> renderer(row, payload) that fills the row with `enqueue(..., into=row)` and returns
# True, or returns False when there is nothing to send. Domains register theirs at import.
_renderers: dict[str, Callable[[OutboxMessage, dict[str, Any]], bool]] = {}


def register_deferred(kind: str, renderer: Callable[[OutboxMessage, dict[str, Any]], bool]) -> None:
    """Let the worker prepare deferred messages of this kind with `renderer`."""
    _renderers[kind] = renderer


def enqueue_deferred(kind: str, **payload: Any) -> OutboxMessage:
    """Add a row whose content the worker decides: the same row whatever the payload names.

    A web request that must not reveal whether an account exists writes only this; the
    lookup, the token and the rendering happen in the worker.
    """
    if kind not in _renderers:
        raise ValueError(f"no renderer is registered for deferred emails of kind {kind!r}")
    row = OutboxMessage(
        event=kind,
        audience="user",
        recipients=[],
        subject="",
        body_text="",
        deferred={"kind": kind, **payload},
        status=OutboxStatus.QUEUED.value,
        next_attempt_at=utcnow(),
        message_id=_new_message_id(),
    )
    db.session.add(row)
    return row


def prepare_deferred(row: OutboxMessage) -> bool:
    """Fill a deferred row through its kind's renderer; False when there is nothing to send."""
    payload = dict(row.deferred or {})
    kind = payload.pop("kind", None)
    renderer = _renderers.get(kind)
    if renderer is None:
        raise LookupError(f"no renderer is registered for deferred emails of kind {kind!r}")
    if not renderer(row, payload):
        return False
    if row.deferred is not None:
        raise RuntimeError(f"the renderer for {kind!r} did not fill the message")
    return True


def retry(row: OutboxMessage, by=None) -> None:
    """Put a failed (or stuck) message back in the queue, due now; a sent one stays sent."""
    if row.status == OutboxStatus.SENT.value:
        raise InvalidTransition(_("This message was already sent."))
    if row.lost_private_links:
        raise InvalidTransition(
            _(
                "This message held a private link, erased when delivery failed for good; it "
                "cannot be sent again. The person can ask for a new link."
            )
        )
    row.status = OutboxStatus.QUEUED.value
    row.next_attempt_at = utcnow()
    row.attempts = 0
    from careerlink.audit import AuditAction, record  # the outbox loads before accounts

    record(AuditAction.MESSAGE_RETRIED, actor=by, obj=row)


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status (every status present, zero or more)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {s.value: 0 for s in OutboxStatus}
    counts.update({status: n for status, n in rows})
    return counts


def outbox_query(status: str = ""):
    """A select of the outbox rows in one status (or all of them), newest first."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return stmt.where(OutboxMessage.status == status) if status else stmt
