"""Webhooks: events written with the change, delivered to a real HTTP receiver on loopback,
signed as Standard Webhooks says (checked with the specification's reference library),
retried while the receiver is down, failed for good after the last attempt, SSRF refused."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import free_port
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from standardwebhooks import Webhook
from support.workers import IDLE_WORKER_HEALTH, running_in_thread, wait_for

from careerlink import workers
from careerlink.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from careerlink.api.webhooks import delivery, endpoints, events, network, signing
from careerlink.connections import services
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.mail.health import record_pass
from careerlink.models import utcnow
from careerlink.permissions import Role


class Receiver:
    """An HTTP server on loopback that records what it is sent and answers as told."""

    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.location = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The address to register."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def stop(self) -> None:
        """Stop answering (the port refuses connections)."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """A webhook receiver on loopback, stopped at the end."""
    r = Receiver()
    yield r
    with contextlib.suppress(OSError):  # a test may have stopped it already
        r.stop()


@pytest.fixture
def private_allowed(app, monkeypatch):
    """Loopback endpoints allowed, as for a test receiver."""
    monkeypatch.setitem(app.config, "CAREERLINK_WEBHOOKS_ALLOW_PRIVATE", True)
    monkeypatch.setitem(app.config, "CAREERLINK_WEBHOOKS_BACKOFF_SECONDS", 10)


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user(Role.ADMIN, name="Webhook Admin")


def register(admin, url, wanted=None):
    """Register an endpoint for some events; return (endpoint id, secret)."""
    with transaction():
        endpoint, secret = endpoints.register(admin, url, wanted or list(events.EVENT_TYPES))
    return endpoint.id, secret


def all_events(db):
    return list(db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def all_deliveries(db):
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_events_are_written_with_the_change_and_only_when_wanted(
    db, private_allowed, receiver, admin, make_request, staff
):
    req = make_request()  # no endpoint yet: nothing written
    assert all_events(db) == []
    register(admin, receiver.url, ["request.approved", "request.declined"])
    with transaction():
        services.approve_request(req, staff, note="Go ahead")
    [approved] = all_events(db)
    assert approved.event_type == "request.approved"
    assert approved.payload["data"]["request_id"] == req.id
    assert approved.payload["data"]["state"] == "relayed"
    assert approved.payload["data"]["from_state"] == "submitted"
    assert [d.status for d in all_deliveries(db)] == ["queued"]

    # A change that rolls back leaves no event, like the email outbox.
    other = make_request()
    with pytest.raises(RuntimeError), transaction():
        services.decline_by_staff(other, staff, reason="No")
        raise RuntimeError("the unit of work fails")
    assert [e.event_type for e in all_events(db)] == ["request.approved"]


def test_a_delivery_is_signed_as_standard_webhooks_says(
    db, private_allowed, receiver, admin, make_request, staff
):
    _, secret = register(admin, receiver.url, ["request.approved", "request.relayed"])
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    result = delivery.deliver_due()
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert len(receiver.received) == 2
    verifier = Webhook(secret)  # the specification's reference implementation
    types = []
    for headers, body in receiver.received:
        payload = verifier.verify(body, headers)
        types.append(payload["type"])
        assert headers["webhook-id"].startswith("msg_")
        assert headers["content-type"] == "application/json"
        assert payload["data"]["request_id"] == req.id
    assert sorted(types) == ["request.approved", "request.relayed"]
    # A tampered body or another secret does not verify.
    headers, body = receiver.received[0]
    with pytest.raises(Exception, match="signature"):
        verifier.verify(body.replace(b"relayed", b"expired"), headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(signing.new_secret()).verify(body, headers)
    assert {d.status for d in all_deliveries(db)} == {"sent"}


def test_receiver_down_then_back_retries_with_the_same_id_and_loses_nothing(
    db, private_allowed, receiver, admin, make_request, staff
):
    register(admin, receiver.url, ["request.approved"])
    reqs = [make_request() for _ in range(3)]
    with transaction():
        for req in reqs:
            services.approve_request(req, staff)
    receiver.status = 503  # down for a while
    start = utcnow()
    first = delivery.deliver_due(now=start)
    assert (first.sent, first.retried) == (0, 3)
    rows = all_deliveries(db)
    assert {r.status for r in rows} == {"queued"} and {r.attempts for r in rows} == {1}
    assert all(r.last_status_code == 503 for r in rows)
    # Not due again before the backoff (10 s, then 20 s...).
    assert delivery.deliver_due(now=start + timedelta(seconds=5)).claimed == 0
    second = delivery.deliver_due(now=start + timedelta(seconds=11))
    assert second.retried == 3
    receiver.status = 200  # back
    third = delivery.deliver_due(now=start + timedelta(seconds=60))
    assert third.sent == 3
    ids = [h["webhook-id"] for h, _ in receiver.received]
    assert len(ids) == 9 and len(set(ids)) == 3  # each event three times, under one id
    assert {r.status for r in all_deliveries(db)} == {"sent"}
    assert delivery.deliver_due(now=start + timedelta(days=1)).claimed == 0  # no duplicates


def test_after_the_last_attempt_a_delivery_is_failed_and_can_be_retried(
    app, db, private_allowed, receiver, admin, make_request, staff, monkeypatch, client, sign_in
):
    monkeypatch.setitem(app.config, "CAREERLINK_WEBHOOKS_MAX_ATTEMPTS", 2)
    endpoint_id, _ = register(admin, receiver.url, ["request.approved"])
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    receiver.stop()  # nothing listens: connection refused
    now = utcnow()
    assert delivery.deliver_due(now=now).retried == 1
    assert delivery.deliver_due(now=now + timedelta(hours=1)).failed == 1
    [row] = all_deliveries(db)
    assert row.status == "failed" and row.attempts == 2
    assert "ConnectionRefused" in row.last_error

    sign_in(admin)
    page = client.get(f"/staff/api/webhooks/{endpoint_id}?status=failed").get_data(as_text=True)
    assert "request.approved" in page and "failed" in page and "Retry" in page
    resp = client.post(f"/staff/api/webhooks/{endpoint_id}/deliveries/{row.id}/retry")
    assert resp.status_code == 302
    [row] = all_deliveries(db)
    assert (row.status, row.attempts) == ("queued", 0)


@pytest.mark.parametrize(
    ("status", "location", "error"),
    [(500, None, "HTTP 500"), (302, "https://elsewhere.example/", "redirects are not followed")],
)
def test_an_error_or_a_redirect_is_not_a_delivery(
    db, private_allowed, receiver, admin, make_request, staff, status, location, error
):
    register(admin, receiver.url, ["request.approved"])
    with transaction():
        services.approve_request(make_request(), staff)
    receiver.status, receiver.location = status, location
    result = delivery.deliver_due()
    assert result.retried == 1
    [row] = all_deliveries(db)
    assert row.status == "queued" and row.last_status_code == status and error in row.last_error


def test_a_receiver_that_never_answers_times_out(
    app, db, private_allowed, admin, make_request, staff, monkeypatch
):
    import socket

    monkeypatch.setitem(app.config, "CAREERLINK_WEBHOOKS_TIMEOUT_SECONDS", 1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        register(admin, f"http://127.0.0.1:{silent.getsockname()[1]}/", ["request.approved"])
        with transaction():
            services.approve_request(make_request(), staff)
        result = delivery.deliver_due()
    finally:
        silent.close()
    assert result.retried == 1
    [row] = all_deliveries(db)
    assert row.last_error == "TimeoutError: timed out"


def test_profile_listed_and_unlisted_events(db, private_allowed, receiver, admin, make_mentor):
    register(admin, receiver.url, ["profile.listed", "profile.unlisted"])
    profile = make_mentor()
    from careerlink.mentors import services as mentors

    with transaction():
        mentors.opt_out(profile.user, profile)
    kinds = [(e.event_type, e.payload["data"]["profile_id"]) for e in all_events(db)]
    assert kinds == [("profile.listed", profile.id), ("profile.unlisted", profile.id)]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://user:pass@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https://no-such-host.invalid/hook",
    ],
)
def test_private_and_odd_endpoints_are_refused(db, admin, url):
    with pytest.raises(DomainError) as refused, transaction():
        endpoints.register(admin, url, ["request.approved"])
    assert refused.value.field == "url"


def test_a_public_literal_address_is_accepted_and_rechecked_before_sending(app, monkeypatch):
    target = network.check("https://93.184.215.14/hooks?x=1", allow_private=False)
    assert target.addresses == ("93.184.215.14",) and target.path == "/hooks?x=1"
    with pytest.raises(network.UnsafeEndpoint):
        network.check("https://127.0.0.1/", allow_private=False)
    assert network.check("http://127.0.0.1:1/", allow_private=True).port == 1


def test_only_admins_manage_webhooks(db, client, sign_in, staff, admin):
    with pytest.raises(DomainError):
        endpoints.register(staff, "https://93.184.215.14/", ["request.approved"])
    sign_in(staff)
    assert client.get("/staff/api").status_code == 403
    sign_in(admin)
    assert client.get("/staff/api").status_code == 200


def test_the_admin_page_registers_an_endpoint_and_shows_its_secret_once(
    db, client, sign_in, admin, private_allowed, receiver
):
    sign_in(admin)
    resp = client.post(
        "/staff/api/webhooks",
        data={"url": receiver.url, "events": ["request.approved", "profile.listed"]},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "whsec_" in page
    [endpoint] = endpoints.all_endpoints()
    assert endpoint.events == ["request.approved", "profile.listed"]
    assert "whsec_" not in endpoint.secret_sealed  # stored encrypted
    assert "whsec_" not in client.get("/staff/api").get_data(as_text=True)
    assert "whsec_" not in client.get(f"/staff/api/webhooks/{endpoint.id}").get_data(as_text=True)
    # A refused address is shown beside the field.
    resp = client.post("/staff/api/webhooks", data={"url": "ftp://x", "events": ["profile.listed"]})
    assert resp.status_code == 422 and "https://" in resp.get_data(as_text=True)


def test_the_body_sent_is_the_event_as_stored(db, private_allowed, receiver, admin, make_request):
    register(admin, receiver.url, ["request.submitted"])
    req = make_request()
    delivery.deliver_due()
    [(_headers, body)] = receiver.received
    [event] = all_events(db)
    assert json.loads(body) == event.payload
    assert event.payload["data"]["request_id"] == req.id
    assert event.payload["data"]["kind"] == "introduction"
    assert DeliveryStatus.SENT.value == all_deliveries(db)[0].status


def test_run_delivers_batch_after_batch_until_one_is_not_full(
    db, private_allowed, receiver, admin, make_request, staff
):
    register(admin, receiver.url, ["request.approved"])
    for _ in range(3):
        req = make_request()
        with transaction():
            services.approve_request(req, staff)
    claimed = []
    delivery.run(batch=2, report=lambda result: claimed.append(result.claimed))
    assert claimed == [2, 1]
    assert [d.status for d in all_deliveries(db)] == ["sent", "sent", "sent"]


def test_run_in_a_loop_polls_again_until_stopped(
    db, private_allowed, receiver, admin, make_request, staff
):
    register(admin, receiver.url, ["request.approved"])
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    stop = threading.Event()
    passes = []

    def report(result):
        passes.append(result.claimed)
        stop.set()  # the first pass that delivers something ends the loop

    delivery.run(batch=50, loop=True, interval=0.01, report=report, stop=stop)
    assert passes == [1] and len(receiver.received) == 1


def test_the_loop_outlives_a_database_outage(
    app, db, private_allowed, receiver, admin, make_request, staff, monkeypatch, caplog
):
    """Three failed claims (the database restarting): logged, waited out, then delivered,
    as the mail worker does (careerlink.workers.poll)."""
    monkeypatch.setattr(workers, "DB_RETRY_FIRST_SECONDS", 0.01)
    register(admin, receiver.url, ["request.approved"])
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    real_claim = delivery.claim
    failures = {"left": 3}

    def claim(batch, now):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError(
                "SELECT careerlink_webhook_deliveries.id ...",
                {},
                ConnectionError("server closed the connection unexpectedly"),
            )
        return real_claim(batch, now)

    monkeypatch.setattr(delivery, "claim", claim)
    with (
        caplog.at_level(logging.INFO, logger="careerlink.webhooks"),
        running_in_thread(app, delivery.run, loop=True, interval=0.05) as thread,
    ):
        assert wait_for(lambda: len(receiver.received) == 1)
        assert thread.is_alive()  # still polling after the outage
    messages = [r.getMessage() for r in caplog.records if r.name == "careerlink.webhooks"]
    assert [m for m in messages if m.startswith("webhook worker:")] == [
        "webhook worker: database unavailable (server closed the connection unexpectedly); "
        f"trying again in {wait:g} s"
        for wait in (0.01, 0.02, 0.04)
    ] + ["webhook worker: database back after 3 failed attempts"]
    db.session.expire_all()
    assert [d.status for d in all_deliveries(db)] == ["sent"]


def test_without_loop_a_database_error_is_not_swallowed(db, monkeypatch):
    def claim(batch, now):
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    monkeypatch.setattr(delivery, "claim", claim)
    with pytest.raises(OperationalError):
        delivery.run()


# --- the webhook worker's health: /healthz/webhooks, flask careerlink webhooks status ----------


def test_webhooks_health_is_late_while_deliveries_wait_for_a_worker_that_never_ran(
    app, client, db, private_allowed, receiver, admin, make_request, staff
):
    assert client.get("/healthz/webhooks").get_json() == IDLE_WORKER_HEALTH
    register(admin, receiver.url, ["request.approved"])
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    resp = client.get("/healthz/webhooks")
    assert resp.status_code == 503
    body = resp.get_json()
    assert (body["status"], body["waiting"], body["due"], body["last_pass_at"]) == (
        "late",
        1,
        1,
        None,
    )
    status = app.test_cli_runner().invoke(args=["careerlink", "webhooks", "status"])
    assert status.exit_code == 1
    assert status.output.splitlines()[-1] == (
        "status: late: webhook deliveries are due and no pass was ever recorded; is `flask "
        "careerlink webhooks deliver --loop` running?"
    )

    delivery.run()  # one pass: delivers it and records the pass
    resp = client.get("/healthz/webhooks")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["status"], body["waiting"], body["due"]) == ("ok", 0, 0)
    assert 0 <= body["last_pass_age_seconds"] < 30
    # The mail worker's row is its own: this pass says nothing about it.
    assert client.get("/healthz/worker").get_json()["last_pass_at"] is None


def test_webhooks_status_names_a_worker_that_stopped(
    app, db, private_allowed, receiver, admin, make_request, staff
):
    register(admin, receiver.url, ["request.approved"])
    with app.app_context():
        record_pass(delivery.WEBHOOK_WORKER, now=utcnow() - timedelta(hours=2, minutes=10))
        db.session.commit()
    req = make_request()
    with transaction():
        services.approve_request(req, staff)
    runner = app.test_cli_runner()
    status = runner.invoke(args=["careerlink", "webhooks", "status"])
    assert status.exit_code == 1
    lines = status.output.splitlines()
    assert lines[0].startswith("waiting: 1 (1 due, the oldest due for ")
    assert lines[1] == "failed for good: 0"
    assert lines[2].startswith("last pass: ") and "2 h 10 min ago" in lines[2]
    assert lines[3] == (
        "status: late: webhook deliveries are due and the last pass was 2 h 10 min ago (more "
        "than CAREERLINK_WORKER_LATE_SECONDS=600); is `flask careerlink webhooks deliver "
        "--loop` running?"
    )
    printed = json.loads(runner.invoke(args=["careerlink", "webhooks", "status", "--json"]).output)
    assert (printed["status"], printed["waiting"], printed["due"]) == ("late", 1, 1)

    delivery.run()
    status = runner.invoke(args=["careerlink", "webhooks", "status"])
    assert status.exit_code == 0
    assert status.output.splitlines()[-1] == "status: ok"
