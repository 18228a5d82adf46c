"""Webhook events, written in the same transaction as the change they report.

Every move of a request writes a history row (`RequestEvent`, in `ConnectionRequest.apply`) and
every change to whether a profile is listed changes its `directory_listed` column (kept by the
directory index before each flush). A listener after each flush of CareerLink's own session
class turns those into event rows and one delivery row per active endpoint subscribed to the
event, inserted on the flush's own connection: they commit with the change, or roll back with
it (a savepoint included), exactly like the email outbox. Nothing is written when no endpoint
wants the event.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect

from careerlink.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from careerlink.api.scopes import N_
from careerlink.connections.machine import RequestState
from careerlink.connections.models import ConnectionRequest, RequestEvent
from careerlink.mentors.models import MentorProfile
from careerlink.models import CareerLinkSession, utcnow

S = RequestState
# Event type -> what it means (shown where an admin picks the events an endpoint wants).
EVENT_TYPES: dict[str, str] = {
    "request.submitted": N_("A student sent a request (or revised one) to the career office."),
    "request.approved": N_("The career office approved a request."),
    "request.relayed": N_("A request reached the alumnus (at approval), with its answer deadline."),
    "request.accepted": N_(
        "The alumnus accepted: introduced, a day or an interview scheduled, a "
        "résumé reviewed, or a referral agreed."
    ),
    "request.declined": N_("The career office or the alumnus declined a request."),
    "request.expired": N_("The alumnus did not answer in time."),
    "request.completed": N_("An introduction or a shadowing day is over."),
    "request.withdrawn": N_("The student withdrew a request."),
    "request.cancelled": N_("A scheduled shadowing day was cancelled."),
    "profile.listed": N_("A mentor profile appeared in the directory."),
    "profile.unlisted": N_("A mentor profile left the directory."),
}


def types_for_move(from_state: str | None, to_state: str) -> list[str]:
    """The event types one move of the state machine reports (none for a reminder)."""
    if to_state == S.SUBMITTED:
        return ["request.submitted"]
    if to_state == S.RELAYED and from_state == S.SUBMITTED:
        return ["request.approved", "request.relayed"]
    if to_state == S.SCHEDULED and from_state == S.SCHEDULED:
        return []  # an interview moved: the calendar update tells the two people
    return {
        S.INTRODUCED: ["request.accepted"],
        S.SCHEDULED: ["request.accepted"],
        S.REVIEWED: ["request.accepted"],
        S.REFERRAL_ACCEPTED: ["request.accepted"],
        S.DECLINED_BY_STAFF: ["request.declined"],
        S.DECLINED_BY_ALUMNUS: ["request.declined"],
        S.EXPIRED: ["request.expired"],
        S.COMPLETED: ["request.completed"],
        S.WITHDRAWN: ["request.withdrawn"],
        S.CANCELLED: ["request.cancelled"],
    }.get(to_state, [])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def request_payload(req: ConnectionRequest | None, move: RequestEvent) -> dict:
    """What a request event says: ids, kind, the move and its dates; no one's message or email."""
    data = {
        "request_id": move.request_id,
        "from_state": move.from_state,
        "state": move.to_state,
        "actor_role": move.actor_role,
        "occurred_at": _iso(move.created_at),
    }
    if req is not None:
        data.update(
            kind=req.kind,
            student_id=req.student_id,
            alumnus_id=req.alumnus_id,
            respond_by=_iso(req.respond_by),
            scheduled_date=req.scheduled_date.isoformat() if req.scheduled_date else None,
        )
    return data


def profile_payload(profile: MentorProfile, now: datetime) -> dict:
    """What a profile event says: which profile, whose, and when."""
    return {
        "profile_id": profile.id,
        "user_id": profile.user_id,
        "listed": bool(profile.directory_listed),
        "occurred_at": _iso(now),
    }


def _listed_changes(session) -> list[tuple[str, MentorProfile]]:
    found = []
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, MentorProfile) or obj.id is None:
            continue
        history = sa_inspect(obj).attrs.directory_listed.history
        if obj in session.new:
            was = False
        elif history.deleted:
            was = history.deleted[0]
        else:
            continue  # unchanged in this flush
        now_listed = bool(obj.directory_listed)
        if bool(was) != now_listed:
            found.append(("profile.listed" if now_listed else "profile.unlisted", obj))
    return found


def _loaded_request(session, request_id: int) -> ConnectionRequest | None:
    """The request if this session holds it (it does: the move was just made on it)."""
    return session.identity_map.get(session.identity_key(ConnectionRequest, request_id))


def collect(session) -> list[tuple[str, dict]]:
    """The events this flush reports, in order."""
    now = utcnow()
    events: list[tuple[str, dict]] = []
    moves = [o for o in session.new if isinstance(o, RequestEvent) and o.id is not None]
    for move in sorted(moves, key=lambda m: m.id):
        types = types_for_move(move.from_state, move.to_state)
        if types:
            payload = request_payload(_loaded_request(session, move.request_id), move)
            events.extend((t, payload) for t in types)
    for event_type, profile in _listed_changes(session):
        events.append((event_type, profile_payload(profile, now)))
    return events


def write(connection, events: list[tuple[str, dict]]) -> int:
    """Insert the events some active endpoint wants, and their deliveries; how many events."""
    if not events:
        return 0
    endpoints = connection.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
    ).all()
    if not endpoints:
        return 0
    now = utcnow()
    written = 0
    for event_type, payload in events:
        wanted = [e.id for e in endpoints if event_type in (e.events or [])]
        if not wanted:
            continue
        message_id = "msg_" + secrets.token_hex(12)
        body = {"type": event_type, "timestamp": now.isoformat(), "data": payload}
        event_id = connection.execute(
            insert(WebhookEvent)
            .values(message_id=message_id, event_type=event_type, payload=body, created_at=now)
            .returning(WebhookEvent.id)
        ).scalar_one()
        connection.execute(
            insert(WebhookDelivery),
            [
                {
                    "endpoint_id": endpoint_id,
                    "event_id": event_id,
                    "status": DeliveryStatus.QUEUED.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for endpoint_id in wanted
            ],
        )
        written += 1
    return written


def _after_flush(session, _flush_context) -> None:
    """after_flush: write the webhook events this flush reports on the flush's connection."""
    events = collect(session)
    if events:
        write(session.connection(), events)


# CareerLink's session class only, like the directory index: a host's sessions never run it.
sa_event.listen(CareerLinkSession, "after_flush", _after_flush)
