"""What the admin pages do with webhooks: register an endpoint, rotate its secret, switch it
off and on, read its delivery log, retry a delivery. Administrators only."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from careerlink.accounts.models import User
from careerlink.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from careerlink.api.webhooks import network, signing
from careerlink.api.webhooks.events import EVENT_TYPES
from careerlink.audit import AuditAction, record
from careerlink.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from careerlink.extensions import db
from careerlink.models import utcnow
from careerlink.permissions import Role

DESCRIPTION_MAX = 200


def allow_private() -> bool:
    """Whether loopback and private addresses are allowed (CAREERLINK_WEBHOOKS_ALLOW_PRIVATE)."""
    return bool(current_app.config["CAREERLINK_WEBHOOKS_ALLOW_PRIVATE"])


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_active or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Only administrators manage service tokens and webhooks."))


def check_url(url: str) -> str:
    """The endpoint URL, stripped, if webhooks may go there (DomainError on `url` otherwise)."""
    try:
        network.check(url, allow_private())
    except network.UnsafeEndpoint as exc:
        raise DomainError(str(exc), "url") from None
    return url.strip()


def _check_events(events) -> list[str]:
    chosen = [str(e) for e in (events or [])]
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise DomainError(_("Unknown event %(event)s.", event=repr(unknown[0])), "events")
    if not chosen:
        raise DomainError(_("Choose at least one event."), "events")
    return [e for e in EVENT_TYPES if e in chosen]


def register(admin: User, url: str, events, description: str = "") -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned only here; stored encrypted)."""
    _require_admin(admin)
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _("Keep the description under %(n)d characters.", n=DESCRIPTION_MAX), "description"
        )
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        url=check_url(url),
        events=_check_events(events),
        description=description,
        secret_sealed=signing.seal(secret),
        active=True,
        created_by_id=admin.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record(AuditAction.WEBHOOK_CHANGED, actor=admin, obj=endpoint, detail="registered")
    return endpoint, secret


def all_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, newest first."""
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())))


def get(admin: User, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint, for an administrator."""
    _require_admin(admin)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def set_active(admin: User, endpoint: WebhookEndpoint, active: bool) -> None:
    """Switch an endpoint off (no new deliveries; queued ones fail) or on again."""
    _require_admin(admin)
    if active:
        check_url(endpoint.url)  # the rules may have changed since it was registered
    endpoint.active = bool(active)
    record(AuditAction.WEBHOOK_CHANGED, actor=admin, obj=endpoint, detail=f"active={active}")


def rotate_secret(admin: User, endpoint: WebhookEndpoint) -> str:
    """A new signing secret for the endpoint (returned only here)."""
    _require_admin(admin)
    secret = signing.new_secret()
    endpoint.secret_sealed = signing.seal(secret)
    record(AuditAction.WEBHOOK_CHANGED, actor=admin, obj=endpoint, detail="secret rotated")
    return secret


def deliveries_query(endpoint: WebhookEndpoint, status: str = ""):
    """The endpoint's deliveries, newest first (of one status, when given)."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt.order_by(WebhookDelivery.id.desc())


def delivery_counts(endpoint: WebhookEndpoint) -> dict[str, int]:
    """How many deliveries of the endpoint are in each status."""
    rows = db.session.execute(
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .group_by(WebhookDelivery.status)
    ).all()
    counts = {s.value: 0 for s in DeliveryStatus}
    counts.update({status: n for status, n in rows})
    return counts


def get_delivery(admin: User, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """One delivery of the endpoint."""
    _require_admin(admin)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound()
    return delivery


def retry(admin: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a failed (or already sent) delivery again, with a fresh set of attempts."""
    _require_admin(admin)
    if delivery.status in (DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value):
        raise InvalidTransition(_("That delivery is already waiting to be sent."))
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.last_error = None
    record(AuditAction.WEBHOOK_CHANGED, actor=admin, obj=delivery, detail="delivery retried")
    return delivery
