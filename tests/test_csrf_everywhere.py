"""CSRF on every state-changing route, found in the app's URL map so none can be forgotten.

With CSRF on, each route that accepts POST is posted to as the user who could use it (and
anonymously): without a token, and with a token from another signed-in browser's session.
Each is refused with the app's "form expired" page (400) and changes nothing in any CareerLink
table. Then the same post with the browser's own token succeeds and changes something: that
proves each refusal came from the CSRF check, not from data the route would refuse anyway.

A new POST route has no case below until someone writes one: its refusal is still checked
(as every persona, with made-up arguments), and `test_every_post_route_has_a_case` fails
until the case, with its proof of success, is added.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_PASSWORD, TestDatabase, app_config, link_from, sign_in_session
from sqlalchemy import select, update
from support.factories import MESSAGE
from support.oidc import path_of, sso_sign_in

from careerlink import create_app
from careerlink.accounts import links as account_links
from careerlink.accounts import sessions
from careerlink.accounts.models import Identity
from careerlink.api import feeds
from careerlink.api import tokens as api_tokens
from careerlink.api.models import DeliveryStatus, WebhookDelivery
from careerlink.api.scopes import SERVICE_SCOPES
from careerlink.api.webhooks import endpoints as webhook_endpoints
from careerlink.api.webhooks.events import EVENT_TYPES
from careerlink.connections import links as request_links
from careerlink.database import transaction
from careerlink.extensions import csrf
from careerlink.extensions import db as _db
from careerlink.mail.models import OutboxMessage
from careerlink.mentors import links as mentor_links
from careerlink.mentors import services as mentor_services
from careerlink.mentors.imports import jobs as import_jobs
from careerlink.mentors.imports import links as invitation_links
from careerlink.mentors.imports import presets as import_presets
from careerlink.mentors.models import today
from careerlink.openings import services as opening_services
from careerlink.paths import load_config_module
from careerlink.permissions import Role

# Views allowed to skip the CSRF check, each with the reason (a signed payload from a third
# party, for example). Every other form of CareerLink is posted by its own pages.
EXEMPT: dict[str, str] = {
    "invitations.unsubscribe": "RFC 8058 one-click unsubscribe: the mail client posts "
    "List-Unsubscribe=One-Click without cookies or a form token; the signed link is the "
    "authority, and it can only stop invitations",
    "openings.unsubscribe": "RFC 8058 one-click unsubscribe from the openings digest: the mail "
    "client posts List-Unsubscribe=One-Click without cookies or a form token; the signed link "
    "is the authority, and it can only stop the digest",
}

# The JSON API's blueprint (`api.*`) is exempt from the form check as a whole: a token request
# carries no cookie to forge, and with the session cookie the API demands the X-CSRFToken header
# itself (tests/api/test_api_auth.py). Its routes are therefore not form routes here.
API_BLUEPRINT = "api"

# A public address given as a number: registering it needs no name lookup.
WEBHOOK_URL = "https://93.184.215.14/careerlink"
# A campus provider that is configured but never contacted (the popup is signed in already).
STUB_OIDC_ENV = {
    "CAREERLINK_OIDC_CAMPUS_DISCOVERY_URL": "https://idp.example.edu/.well-known/x",
    "CAREERLINK_OIDC_CAMPUS_CLIENT_ID": "careerlink",
    "CAREERLINK_OIDC_CAMPUS_CLIENT_SECRET": "secret",
}

REFUSED_PAGE = "The form could not be sent"
NEW_PASSWORD = "another long password 2"


def _new_time() -> dict:
    """Another interview time, ten days ahead at 10:00 office time."""
    from datetime import date, timedelta

    return {
        "new_day": (date.today() + timedelta(days=10)).isoformat(),
        "new_start": "10:00",
        "new_minutes": "30",
    }


def _post_rules() -> list[tuple[str, str]]:
    """(endpoint, rule) of every route accepting POST, from an app built only to read its map."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(TestDatabase(url="sqlite://", dialect="sqlite"), Path(tmp)))
    return _form_post_rules(app)


def _form_post_rules(app) -> list[tuple[str, str]]:
    """(endpoint, rule) of every POST route outside the JSON API's blueprint."""
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.endpoint.startswith(API_BLUEPRINT + ".")
    )


POST_RULES = _post_rules()


class World:
    """The objects a case needs, made on first use (each case builds only its own)."""

    def __init__(self, make_user, make_mentor, make_request, app=None, fixtures=None):
        self.make_user = make_user
        self.make_mentor = make_mentor
        self.make_request = make_request
        self.app = app
        self.fixtures = fixtures  # pytest's `request`: other fixtures, for the cases that need them

    @cached_property
    def personal_token_id(self) -> int:
        with transaction():
            token, _raw = api_tokens.create_personal_token(
                self.student, "Laptop", ["directory:read"], 30
            )
        return token.id

    @cached_property
    def service_token_id(self) -> int:
        with transaction():
            token, _raw = api_tokens.create_service_token(
                self.admin, "Portal", [SERVICE_SCOPES[0]], None
            )
        return token.id

    @cached_property
    def feed(self) -> str:
        with transaction():
            return feeds.new_feed(self.student)

    @cached_property
    def webhook_id(self) -> int:
        with transaction():
            endpoint, _secret = webhook_endpoints.register(
                self.admin, WEBHOOK_URL, list(EVENT_TYPES)
            )
        return endpoint.id

    @cached_property
    def failed_delivery_id(self) -> int:
        self.webhook_id  # noqa: B018 (registered before the request, so the event reaches it)
        self.relayed  # noqa: B018 (its approval is an event for every endpoint)
        delivery_id = _db.session.scalar(select(WebhookDelivery.id).order_by(WebhookDelivery.id))
        with transaction():
            _db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(status=DeliveryStatus.FAILED.value)
            )
        return delivery_id

    @cached_property
    def linked_identity_id(self) -> int:
        """A campus identity of the student, who also has a password (so it may be unlinked)."""
        with transaction():
            identity = Identity(
                user_id=self.student.id,
                provider="campus",
                subject="csrf-student",
                email=self.student.email,
            )
            _db.session.add(identity)
        return identity.id

    def campus_account_to_link(self, client) -> None:
        """A campus sign-in in `client` whose address is a local account's: a pending link."""
        self.fixtures.getfixturevalue("campus_sso")()
        provider = self.fixtures.getfixturevalue("oidc_provider")
        local = self.make_user(Role.STUDENT, email="lena@example.edu", name="Lena Local")
        provider.set_user(
            "lena-1",
            {"email": local.email, "email_verified": True, "name": "Lena Local"},
        )
        assert sso_sign_in(client, provider, "lena-1").location == "/sso/link"

    @cached_property
    def staff(self):
        return self.make_user(Role.STAFF, name="Csrf Staff")

    @cached_property
    def admin(self):
        return self.make_user(Role.ADMIN, name="Csrf Admin")

    @cached_property
    def industry_ids(self) -> tuple[int, int]:
        """Two industries in use (a mentor names both)."""
        profile = self.make_mentor(industry=["veterinary", "healthcare"])
        return tuple(sorted(i.id for i in profile.industries))

    @cached_property
    def student(self):
        return self.make_user(Role.STUDENT, name="Csrf Student")

    @cached_property
    def mallory(self):
        """Another signed-in user, whose session's token is offered to the victim's browser."""
        return self.make_user(Role.STUDENT, name="Mallory")

    @cached_property
    def unverified(self):
        return self.make_user(Role.STUDENT, verified=False)

    @cached_property
    def unverified_alumnus(self):
        return self.make_user(Role.ALUMNUS, alumnus_verified=False)

    @cached_property
    def joiner(self):
        return self.make_user(Role.ALUMNUS, name="Not Yet Joined")

    @cached_property
    def mentor(self):
        return self.make_mentor()

    @cached_property
    def alumna(self):
        return self.mentor.user

    @cached_property
    def pending_profile(self):
        with transaction():
            return mentor_services.opt_in(self.unverified_alumnus, agreed=True)

    def request(self, state: str, kind: str = "introduction"):
        """A request of the world's student, in this state (to a new mentor unless relayed)."""
        if state == "relayed" and kind == "introduction":
            mentor = self.mentor
        else:
            mentor = self.make_mentor(
                offers=tuple(dict.fromkeys(("introduction", "shadowing", kind)))
            )
        return self.make_request(
            student=self.student, mentor=mentor, kind=kind, state=state, staff=self.staff
        )

    @cached_property
    def relayed(self):
        return self.request("relayed")

    @cached_property
    def interview(self):
        return self.request("relayed", kind="informational_interview")

    @cached_property
    def referral(self):
        return self.request("referral_accepted", kind="referral")

    @cached_property
    def scheduled(self):
        return self.request("scheduled", kind="shadowing")

    @cached_property
    def scheduled_interview(self):
        return self.request("scheduled", kind="informational_interview")

    @cached_property
    def introduced(self):
        return self.request("introduced")

    def import_job(self, layout: str, run: bool = False):
        """An uploaded alumni file (its dry run done when `run`)."""
        with transaction():
            job = import_jobs.upload(self.staff, io.BytesIO(ALUMNI_CSV), "a.csv", layout, False)
        return import_jobs.work_once() if run else job

    @cached_property
    def job_with_unknown_industry(self):
        """A finished dry run whose file named an industry CareerLink does not know."""
        job = self.import_job("preset:generic", run=True)
        with transaction():
            job.unknown_industries = {"Apiculture": 1}
        return job

    @cached_property
    def imported_record(self):
        """An imported alumnus, not invited yet."""
        from careerlink.mentors.imports.models import AlumniRecord

        with transaction():
            record = AlumniRecord(
                source="crm", external_id="1", last_name="Okafor", email="ada@example.org"
            )
            _db.session.add(record)
        return record

    @cached_property
    def invited_record(self):
        """An imported alumnus with an invitation on its way."""
        from careerlink.mentors.imports.invitations import invite

        with transaction():
            invite(self.staff, [self.imported_record.id])
        return self.imported_record

    @cached_property
    def other_session_id(self) -> int:
        """Another live session of the student (another device)."""
        with transaction():
            key = sessions.start_session(self.student, "Other device", "127.0.0.2")
        return _db.session.scalar(
            select(sessions.UserSession.id).where(
                sessions.UserSession.key_hash == sessions.hash_key(key)
            )
        )

    @cached_property
    def opening(self):
        """An opening the alumna posted, waiting for the career office."""
        with transaction():
            return opening_services.post_opening(self.alumna, _opening_data(self))

    @cached_property
    def failed_message_id(self) -> int:
        from careerlink.mail.models import OutboxMessage

        self.relayed  # noqa: B018 (its emails are in the outbox)
        message_id = _db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
        with transaction():
            _db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(status="failed")
            )
        return message_id


ALUMNI_CSV = b"external_id,last_name\n1,Okafor\n"


class Replayable(io.BytesIO):
    """A file to post more than once: after the end has been read, the next read starts over."""

    _ended = False

    def read(self, size=-1):
        if self._ended:
            self.seek(0)
            self._ended = False
        chunk = super().read(size)
        self._ended = not chunk or size is None or size < 0
        return chunk

    def close(self):
        """The test client closes what it posted; this file is posted again."""


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


@dataclass
class Case:
    """Who posts, to which arguments, what: enough for the post to succeed with a token."""

    actor: Callable[[World], Any] | None
    path: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    needs: list[str] = field(default_factory=list)
    # For the post that succeeds only: what the browser does first (a sign-in in progress, a
    # hand-off); it may return {"url": ..., "data": {...}} to post elsewhere or more.
    prepare: Callable[[World, Any], dict[str, Any] | None] | None = None
    # The page the browser reads its own token from (the frame's pages have their own session).
    token_page: str | None = None


def _ask_data(w: World) -> dict[str, Any]:
    return {
        "hopes": "Learn how a clinic runs.",
        "why_alumnus": "You run the clinic I want to join.",
        "message": MESSAGE,
        "conduct": "y",
    }


def _opening_data(w: World) -> dict[str, Any]:
    w.mentor  # noqa: B018 (the alumna's profile, and the industry)
    return {
        "title": "Veterinary nurse",
        "organisation": "Riverside Clinic",
        "url": "https://jobs.example.org/42",
        "location": "Riverside",
        "industry": "veterinary",
        "closes_on": today() + timedelta(days=30),
    }


def _opening_form(w: World) -> dict[str, Any]:
    return {**_opening_data(w), "closes_on": (today() + timedelta(days=30)).isoformat()}


def _link_pending(w: World, client) -> None:
    w.campus_account_to_link(client)


def _link_emailed(w: World, client) -> dict[str, Any]:
    """A pending link whose confirmation was emailed: post to the emailed link."""
    w.campus_account_to_link(client)
    sent = client.post("/sso/link/email", data={"csrf_token": page_token(client, False)})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    message = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "confirm_identity_link")
    ).one()
    return {"url": path_of(link_from(message, "/sso/link/confirm/"))}


def _handed_off(w: World, frame) -> dict[str, Any]:
    """The frame's sign-in page, then a signed-in popup minting the code the frame redeems."""
    w.fixtures.getfixturevalue("monkeypatch").setitem(
        w.app.config,
        "CAREERLINK_OIDC_PROVIDERS",
        {"campus": load_config_module()._oidc_provider(STUB_OIDC_ENV, "campus", ())},
    )
    html = frame.get("/embed/signin").get_data(as_text=True)
    handoff_id = re.search(r"handoff=([A-Za-z0-9_-]{32})", html).group(1)
    popup = browser(w.app, w.student)
    done = popup.get(f"/portal/signed-in?handoff={handoff_id}").get_data(as_text=True)
    code = re.search(r'data-code="([^"]+)"', done).group(1)
    return {"url": "/embed/portal/exchange", "data": {"code": code}}


CASES: dict[str, Case] = {
    "accounts.signup": Case(
        None,
        data=lambda w: {
            "display_name": "Newly Signed",
            "email": "newly-signed@example.edu",
            "role": "student",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    ),
    "accounts.verify_email": Case(
        None,
        path=lambda w: {"token": token_of(account_links.verification_link(w.unverified))},
    ),
    "accounts.resend_verification": Case(None, data=lambda w: {"email": w.unverified.email}),
    "accounts.signin": Case(
        None, data=lambda w: {"email": w.student.email, "password": DEFAULT_PASSWORD}
    ),
    "accounts.signout": Case(lambda w: w.student),
    "accounts.preferences": Case(
        lambda w: w.student, data=lambda w: {"language": "fr", "time_zone": "Europe/Dublin"}
    ),
    "accounts.forgot_password": Case(None, data=lambda w: {"email": w.student.email}),
    "accounts.reset_password": Case(
        None,
        path=lambda w: {"token": token_of(account_links.reset_link(w.student))},
        data=lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "accounts.end_session": Case(
        lambda w: w.student, path=lambda w: {"session_id": w.other_session_id}
    ),
    "accounts.end_other_sessions": Case(lambda w: w.student, needs=["other_session_id"]),
    "accounts.change_password": Case(
        lambda w: w.student,
        data=lambda w: {
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    ),
    "staff.outbox_retry": Case(
        lambda w: w.staff, path=lambda w: {"message_id": w.failed_message_id}
    ),
    "staff.verify_alumnus": Case(
        lambda w: w.staff, path=lambda w: {"user_id": w.unverified_alumnus.id}
    ),
    "mentors.join": Case(lambda w: w.joiner, data=lambda w: {"agree": "y"}),
    "mentors.edit": Case(
        lambda w: w.alumna,
        path=lambda w: {"profile_id": w.mentor.id},
        data=lambda w: {
            "headline": "Veterinary surgeon",
            "industries": ["veterinary"],
            "offers": ["introduction"],
            "monthly_capacity": "3",
            "accepting_requests": "y",
            "listed": "y",
        },
    ),
    "mentors.opt_out": Case(lambda w: w.alumna, path=lambda w: {"profile_id": w.mentor.id}),
    "mentors.set_accepting": Case(
        lambda w: w.alumna, path=lambda w: {"profile_id": w.mentor.id}, data=lambda w: {}
    ),
    "mentors.still_current": Case(lambda w: w.alumna, path=lambda w: {"profile_id": w.mentor.id}),
    "mentors.confirm": Case(
        None, path=lambda w: {"token": token_of(mentor_links.confirm_link(w.mentor))}
    ),
    "mentors.student_profile": Case(
        lambda w: w.student,
        data=lambda w: {"programme": "Biology", "class_year": "2027", "introduction": "Hello."},
    ),
    "mentors.approve": Case(lambda w: w.staff, path=lambda w: {"profile_id": w.pending_profile.id}),
    "mentors.reject": Case(
        lambda w: w.staff,
        path=lambda w: {"profile_id": w.pending_profile.id},
        data=lambda w: {"reason": "We could not find you among our graduates."},
    ),
    "connections.ask": Case(
        lambda w: w.student,
        path=lambda w: {"profile_id": w.mentor.id, "kind": "introduction"},
        data=_ask_data,
    ),
    "connections.revise": Case(
        lambda w: w.student,
        path=lambda w: {"request_id": w.request("needs_info").id},
        data=_ask_data,
    ),
    "connections.withdraw": Case(lambda w: w.student, path=lambda w: {"request_id": w.relayed.id}),
    "connections.cancel": Case(
        lambda w: w.student,
        path=lambda w: {"request_id": w.scheduled.id},
        data=lambda w: {"reason": "I am ill."},
    ),
    "connections.add_outcome": Case(
        lambda w: w.student,
        path=lambda w: {"request_id": w.introduced.id},
        data=lambda w: {"kind": "job_interview"},
    ),
    "connections.accept": Case(lambda w: w.alumna, path=lambda w: {"request_id": w.relayed.id}),
    "connections.decline": Case(
        lambda w: w.alumna, path=lambda w: {"request_id": w.relayed.id}, data=lambda w: {}
    ),
    "connections.answer_accept": Case(
        None, path=lambda w: {"token": request_links.answer_token(w.relayed)}
    ),
    "connections.answer_decline": Case(
        None, path=lambda w: {"token": request_links.answer_token(w.relayed)}
    ),
    "connections.propose_time": Case(
        lambda w: w.interview.alumnus,
        path=lambda w: {"request_id": w.interview.id},
        data=lambda w: _new_time(),
    ),
    "connections.answer_propose_time": Case(
        None,
        path=lambda w: {"token": request_links.answer_token(w.interview)},
        data=lambda w: _new_time(),
    ),
    "connections.meeting_link": Case(
        lambda w: w.scheduled_interview.alumnus,
        path=lambda w: {"request_id": w.scheduled_interview.id},
        data=lambda w: {"meeting_link": "https://meet.example.org/new"},
    ),
    "connections.answer_meeting_link": Case(
        None,
        path=lambda w: {"token": request_links.answer_token(w.scheduled_interview)},
        data=lambda w: {"meeting_link": "https://meet.example.org/new"},
    ),
    "connections.ask_other_time": Case(
        lambda w: w.student,
        path=lambda w: {"request_id": w.scheduled_interview.id},
        data=lambda w: {
            "other_day": _new_time()["new_day"],
            "other_start": "11:00",
            "other_minutes": "30",
        },
    ),
    "connections.confirm_time": Case(
        lambda w: w.student,
        path=lambda w: {
            "request_id": w.request("slot_proposed", kind="informational_interview").id
        },
    ),
    "connections.referred": Case(
        lambda w: w.referral.alumnus, path=lambda w: {"request_id": w.referral.id}
    ),
    "connections.answer_referred": Case(
        None, path=lambda w: {"token": request_links.answer_token(w.referral)}
    ),
    "connections.answer_cancel": Case(
        None,
        path=lambda w: {"token": request_links.answer_token(w.scheduled)},
        data=lambda w: {"reason": "Our clinic is closed that day."},
    ),
    "connections.feedback": Case(
        lambda w: w.student,
        path=lambda w: {"request_id": w.introduced.id},
        data=lambda w: {"met": "yes", "usefulness": "4"},
    ),
    "connections.feedback_by_link": Case(
        None,
        path=lambda w: {"token": request_links.feedback_token(w.introduced, "student")},
        data=lambda w: {"met": "yes", "usefulness": "4"},
    ),
    "connections.staff_bulk": Case(
        lambda w: w.staff,
        data=lambda w: {"request_ids": [str(w.request("submitted").id)], "action": "approve"},
    ),
    "connections.staff_approve": Case(
        lambda w: w.staff,
        path=lambda w: {"request_id": w.request("submitted").id},
        data=lambda w: {"message": MESSAGE},
    ),
    "connections.staff_ask_info": Case(
        lambda w: w.staff,
        path=lambda w: {"request_id": w.request("submitted").id},
        data=lambda w: {"question": "Which dates suit you?"},
    ),
    "api_pages.create_token": Case(
        lambda w: w.student,
        data=lambda w: {"name": "Laptop", "scopes": ["directory:read"], "days": "30"},
    ),
    "api_pages.revoke_token": Case(
        lambda w: w.student, path=lambda w: {"token_id": w.personal_token_id}
    ),
    "api_pages.create_feed": Case(lambda w: w.student),
    "api_pages.revoke_feed": Case(lambda w: w.student, needs=["feed"]),
    "api_pages.create_service_token": Case(
        lambda w: w.admin,
        data=lambda w: {"name": "Portal", "scopes": [SERVICE_SCOPES[0]], "days": ""},
    ),
    "api_pages.revoke_service_token": Case(
        lambda w: w.admin, path=lambda w: {"token_id": w.service_token_id}
    ),
    "api_pages.create_webhook": Case(
        lambda w: w.admin,
        data=lambda w: {"url": WEBHOOK_URL, "events": ["request.approved"], "description": ""},
    ),
    "api_pages.set_webhook_active": Case(
        lambda w: w.admin, path=lambda w: {"endpoint_id": w.webhook_id}, data=lambda w: {}
    ),
    "api_pages.rotate_webhook_secret": Case(
        lambda w: w.admin, path=lambda w: {"endpoint_id": w.webhook_id}
    ),
    "api_pages.retry_delivery": Case(
        lambda w: w.admin,
        path=lambda w: {"endpoint_id": w.webhook_id, "delivery_id": w.failed_delivery_id},
    ),
    "embed.exchange": Case(None, prepare=_handed_off, token_page="/embed/signin"),
    "sso.link_password": Case(
        None, data=lambda w: {"password": DEFAULT_PASSWORD}, prepare=_link_pending
    ),
    "sso.link_email": Case(None, prepare=_link_pending),
    "sso.confirm_link": Case(None, path=lambda w: {"token": "not-a-link"}, prepare=_link_emailed),
    "sso.unlink": Case(lambda w: w.student, path=lambda w: {"identity_id": w.linked_identity_id}),
    "sso.password_link": Case(lambda w: w.student),
    "connections.staff_decline": Case(
        lambda w: w.staff,
        path=lambda w: {"request_id": w.request("submitted").id},
        data=lambda w: {"reason": "Not this time."},
    ),
    "admin.add_industry": Case(lambda w: w.admin, data=lambda w: {"name": "Space"}),
    "admin.rename_industry": Case(
        lambda w: w.admin,
        path=lambda w: {"industry_id": w.industry_ids[0]},
        data=lambda w: {"name": "Animal health"},
    ),
    "admin.translate_industry": Case(
        lambda w: w.admin,
        path=lambda w: {"industry_id": w.industry_ids[0]},
        data=lambda w: {"name_fr": "Santé animale"},
    ),
    "admin.set_industry_active": Case(
        lambda w: w.admin,
        path=lambda w: {"industry_id": w.industry_ids[0]},
        data=lambda w: {"active": "0"},
    ),
    "admin.merge_industries": Case(
        lambda w: w.admin,
        data=lambda w: {"source": str(w.industry_ids[0]), "target": str(w.industry_ids[1])},
    ),
    "admin.grant_role": Case(
        lambda w: w.admin,
        path=lambda w: {"user_id": w.student.id},
        data=lambda w: {"role": "staff"},
    ),
    "admin.revoke_role": Case(
        lambda w: w.admin, path=lambda w: {"user_id": w.staff.id}, data=lambda w: {"role": "staff"}
    ),
    "admin.update_settings": Case(
        lambda w: w.admin, data=lambda w: {"CAREERLINK_MAX_OPEN_REQUESTS": "7"}
    ),
    "privacy.delete_mine": Case(lambda w: w.student, data=lambda w: {"confirm": "delete"}),
    "privacy.person_delete": Case(
        lambda w: w.staff,
        path=lambda w: {"user_id": w.student.id},
        data=lambda w: {"confirm": "delete"},
    ),
    "privacy.person_hold": Case(
        lambda w: w.staff, path=lambda w: {"user_id": w.student.id}, data=lambda w: {"hold": "1"}
    ),
    "admin.set_person_active": Case(
        lambda w: w.admin, path=lambda w: {"user_id": w.student.id}, data=lambda w: {"active": "0"}
    ),
    "imports.index": Case(
        lambda w: w.staff,
        data=lambda w: {"file": (Replayable(ALUMNI_CSV), "alumni.csv"), "layout": "preset:generic"},
    ),
    "imports.columns": Case(
        lambda w: w.staff,
        path=lambda w: {"job_id": w.import_job("custom").id},
        data=lambda w: {
            **{f"col_{name}": "" for name in import_presets.FIELDS},
            "col_external_id": "external_id",
            "col_last_name": "last_name",
            "source": "registry",
        },
    ),
    "imports.import_for_real": Case(
        lambda w: w.staff, path=lambda w: {"job_id": w.import_job("preset:generic", run=True).id}
    ),
    "imports.map_unknown_industry": Case(
        lambda w: w.staff,
        path=lambda w: {"job_id": w.job_with_unknown_industry.id},
        data=lambda w: {"value": "Apiculture", "industry": "veterinary"},
        needs=["mentor"],
    ),
    "imports.invite": Case(
        lambda w: w.staff, data=lambda w: {"all_matching": "y"}, needs=["imported_record"]
    ),
    "openings.new": Case(lambda w: w.alumna, data=_opening_form),
    "openings.edit": Case(
        lambda w: w.alumna,
        path=lambda w: {"opening_id": w.opening.id},
        data=lambda w: {**_opening_form(w), "title": "Veterinary nurse (summer)"},
    ),
    "openings.withdraw": Case(lambda w: w.alumna, path=lambda w: {"opening_id": w.opening.id}),
    "openings.review": Case(
        lambda w: w.staff,
        path=lambda w: {"opening_id": w.opening.id},
        data=lambda w: {"note": "", "approve": "Approve"},
    ),
    "openings.subscription": Case(
        lambda w: w.student, data=lambda w: {"industries": ["veterinary"]}, needs=["mentor"]
    ),
    "invitations.accept": Case(
        None,
        path=lambda w: {"token": token_of(invitation_links.invitation_link(w.invited_record))},
        data=lambda w: {
            "display_name": "Ada Okafor",
            "headline": "Engineer",
            "industries": ["veterinary"],
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "agree": "y",
        },
        needs=["mentor"],
    ),
}


def snapshot() -> dict[str, list]:
    """Every row of every CareerLink table, read on a connection of its own."""
    _db.session.rollback()  # the test's own session holds no transaction open meanwhile
    tables = [t for t in _db.metadata.sorted_tables if t.name.startswith("careerlink_")]
    with _db.engine.connect() as conn:
        return {
            t.name: sorted((tuple(row) for row in conn.execute(select(t))), key=repr)
            for t in tables
        }


def page_token(client, signed_in: bool, page: str | None = None) -> str:
    """The CSRF token in a page this browser can open (its session's own token)."""
    page = client.get(page or ("/account" if signed_in else "/signin")).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def browser(app, user):
    """A new browser, signed in as `user` (or anonymous)."""
    client = app.test_client()
    if user is not None:
        sign_in_session(client, user)
    return client


def url_for_rule(rule: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule)


def assert_refused(client, url: str, data: dict, label: str) -> None:
    before = snapshot()
    resp = client.post(url, data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and REFUSED_PAGE in body, (
        f"{label}: POST {url} answered {resp.status_code}, not the CSRF refusal"
    )
    assert snapshot() == before, f"{label}: POST {url} changed the database"


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.mark.parametrize(("endpoint", "rule"), POST_RULES, ids=[e for e, _ in POST_RULES])
def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(
    app, db, csrf_on, make_user, make_mentor, make_request, request, endpoint, rule
):
    if endpoint in EXEMPT:
        pytest.skip(f"exempt from CSRF: {EXEMPT[endpoint]}")
    world = World(make_user, make_mentor, make_request, app, request)
    case = CASES.get(endpoint)
    if case is None:
        # No case yet: check the refusal as every persona, with made-up arguments.
        actors = [None, world.student, world.alumna, world.staff]
        values, data = {name: 1 for name in re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)}, {}
    else:
        actor = case.actor(world) if case.actor else None
        actors = [actor] if actor is None else [actor, None]
        values, data = case.path(world), case.data(world)
        for name in case.needs:
            getattr(world, name)
    url = url_for_rule(rule, values)

    attacker = browser(app, world.mallory)
    foreign = page_token(attacker, signed_in=True)
    for user in actors:
        who = "anonymous" if user is None else f"{sorted(user.roles)[0]} #{user.id}"
        assert_refused(browser(app, user), url, data, f"{who}, no token")
        assert_refused(
            browser(app, user), url, {**data, "csrf_token": foreign}, f"{who}, foreign token"
        )

    if case is None:
        return
    # The same post with the browser's own token passes the check and changes something.
    user = actors[0]
    client = browser(app, user)
    extra = (case.prepare(world, client) if case.prepare else None) or {}
    own = page_token(client, signed_in=user is not None, page=case.token_page)
    before = snapshot()
    resp = client.post(
        extra.get("url", url), data={**data, **extra.get("data", {}), "csrf_token": own}
    )
    assert resp.status_code != 400, resp.get_data(as_text=True)
    assert snapshot() != before, f"POST {url} with a good token changed nothing: fix the case"


def test_every_post_route_has_a_case():
    """A new POST route needs a case above: who posts it, and what, so that it succeeds."""
    missing = sorted({e for e, _ in POST_RULES} - set(CASES) - set(EXEMPT))
    assert missing == [], f"add a Case to tests/test_csrf_everywhere.py for {missing}"
    assert set(CASES) <= {e for e, _ in POST_RULES}, "a case for a route that no longer exists"


def test_the_suites_app_has_the_same_post_routes(app):
    """The routes parametrised above are the app under test's (same blueprints, same rules)."""
    assert _form_post_rules(app) == POST_RULES


def test_no_view_or_blueprint_is_exempt_unless_listed(app):
    """`csrf.exempt` on a view shows up here, not only as a missing refusal above."""
    exempt_views = {
        f"{view.__module__}.{view.__name__}"
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    listed = {
        f"{app.view_functions[e].__module__}.{app.view_functions[e].__name__}" for e in EXEMPT
    }
    assert exempt_views == listed
    assert {bp.name for bp in csrf._exempt_blueprints} == {API_BLUEPRINT}


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_each_form_refuses_a_missing_token_even_without_the_global_check(
    app, db, csrf_on, monkeypatch, make_user, make_mentor, make_request, request, endpoint
):
    """Defence in depth: with the app-wide check off, each view's own form still refuses."""
    monkeypatch.setitem(app.config, "WTF_CSRF_CHECK_DEFAULT", False)
    world = World(make_user, make_mentor, make_request, app, request)
    case = CASES[endpoint]
    rule = dict(POST_RULES)[endpoint]
    actor = case.actor(world) if case.actor else None
    values, data = case.path(world), case.data(world)
    for name in case.needs:
        getattr(world, name)
    client = browser(app, actor)
    before = snapshot()
    resp = client.post(url_for_rule(rule, values), data=data)
    assert resp.status_code < 500
    assert snapshot() == before, f"POST {endpoint} acted without a CSRF token"
