"""Every page, in French: no catalogue sentence, label or raw value left in English.

A string can be marked and translated and still reach the page in English: a label computed
once at import (not lazy), a message built before the language was chosen, a raw value (an
event's name, a role) printed as it is stored. This opens every GET page of the site, those
with arguments too (filled with the real ids and tokens of a world of objects: introductions
and shadowing days in every state, the other kinds in their own states, a mentor profile,
openings, import jobs, an outbox row of each email, audit rows), the one-click pages reached
from emails (signed links from the link helpers), the embedded pages (`/embed/...`, and
`/embed/lang=fr/...` with an English browser: the portal's language wins), the error pages and
the administrators' email previews, as five personas with a French browser. In each page's
visible text it looks for

- any sentence of the catalogue (four words or more) whose French differs, still in English;
- any short label of the catalogue (one to three words: states, kinds, roles, buttons) whose
  French differs, standing alone as a text, a button's value or an accessible name;
- any raw value (a state, kind, role, email event or status as stored) shown as text.

The page must say it is French (`<html lang="fr">`); a part that says it is in another
language (an email shown as its recipient reads it) is left out. The number of pages each
persona reads is exact, and the pages meant for a persona (a request's own pages for its
student and alumnus, staff pages for staff) must each be shown, so a page that silently stops
rendering (a 302, a 404 where a page was) fails the sweep. (With an English browser the same
sweep finds thousands of sentences and labels: it reads real pages.)
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from conftest import once
from sqlalchemy import select
from support.routes import Visitor, path_for, routes

from careerlink.accounts.links import reset_link, verification_link
from careerlink.audit import services as audit
from careerlink.audit.models import OBJECT_LABELS, AuditAction
from careerlink.connections.links import answer_link, feedback_link
from careerlink.connections.machine import FEEDBACK_STATES, RequestKind, RequestState
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.i18n import TRANSLATIONS_DIR
from careerlink.mail.models import OutboxMessage, OutboxStatus
from careerlink.mentors.imports import invitations, jobs
from careerlink.mentors.imports import links as import_links
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.imports.samples import sample_rows, write_csv
from careerlink.mentors.links import confirm_link
from careerlink.openings import services as openings
from careerlink.openings.links import unsubscribe_link
from careerlink.permissions import Role
from careerlink.staff.admin import email_preview
from careerlink.staff.reports.queries import REPORTS

pytestmark = [once, pytest.mark.usefixtures("default_industries")]
PERSONAS = ("anonymous", "student", "alumnus", "staff", "admin")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
HIDDEN = re.compile(r"<script.*?</script>|<style.*?</style>|<code.*?</code>", re.S)
ACCESSIBLE = re.compile(r'\s(?:aria-label|title|placeholder|alt)="([^"]*)"')
BUTTON_VALUE = re.compile(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"')
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]")
# An element that says it is in another language (an email as its recipient reads it).
OTHER_LANGUAGE = re.compile(r'<(?!html\b)(\w+)\b[^>]*\slang="(?!fr")[^"]*"[^>]*>.*?</\1>', re.S)
PAGE_LANGUAGE = re.compile(r'<html\b[^>]*\slang="([^"]*)"')

# Which requests the world holds: every state of the two first kinds, the states of their own
# that the other kinds reach (and one waiting for its alumnus).
REQUESTS = [
    *(
        ("introduction", state)
        for state in (
            "submitted",
            "needs_info",
            "declined_by_staff",
            "relayed",
            "declined_by_alumnus",
            "expired",
            "withdrawn",
            "introduced",
            "completed",
            "alumnus_left",
        )
    ),
    *(
        ("shadowing", state)
        for state in (
            "submitted",
            "needs_info",
            "declined_by_staff",
            "relayed",
            "declined_by_alumnus",
            "expired",
            "withdrawn",
            "scheduled",
            "cancelled",
            "completed",
            "alumnus_left",
        )
    ),
    ("informational_interview", "relayed"),
    ("informational_interview", "slot_proposed"),
    ("informational_interview", "scheduled"),
    ("resume_review", "relayed"),
    ("resume_review", "reviewed"),
    ("referral", "relayed"),
    ("referral", "referral_accepted"),
    ("referral", "referred"),
]

# Routes the sweep does not open, and why (every other GET route must get its values below).
NOT_PAGES = {
    "/calendar/<key>.ics": "a calendar feed, not a page",
    "/requests/<int:request_id>/files/<which>": "a file download",
    "/requests/answer/<token>/files/<which>": "a file download",
    "/staff/imports/<int:job_id>/progress.json": "JSON for the progress bar",
    "/staff/imports/<int:job_id>/report.csv": "a CSV download",
    "/staff/privacy/<int:user_id>/data.json": "a JSON download",
    "/staff/reports/<slug>.csv": "a CSV download",
    "/staff/reports/<slug>.svg": "a chart image",
    "/portal/sign-in/<via>": "campus sign-in is not configured here (test_sso covers it)",
    "/sso/oidc/<name>/start": "campus sign-in is not configured here (test_sso covers it)",
    "/sso/oidc/<name>/callback": "campus sign-in is not configured here (test_sso covers it)",
    "/sso/link/confirm/<token>": "campus sign-in is not configured here (test_sso covers it)",
    "/staff/api/tokens/<int:token_id>": "an API object (the API's own tests)",
    "/staff/api/webhooks/<int:endpoint_id>": "an API object (the API's own tests)",
}
NOT_PAGE_PREFIXES = ("/api/", "/healthz", "/embed.js", "/theme.css")
NOT_PAGE_PATHS = {"/account/data.json", "/admin/audit.csv"}


# --- what the catalogue says ------------------------------------------------------------------


@functools.cache
def _catalogue():
    with (TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source)


def english_sentences() -> list[str]:
    """The catalogue's English texts of four words or more, without placeholders or markup,
    whose French is different."""
    found = []
    for message in _catalogue():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            for piece in PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;()")
                if "<" in piece or len(piece.split()) < 4 or piece in strings[0]:
                    continue
                found.append(piece)
    return sorted(set(found), key=len, reverse=True)


def english_labels() -> set[str]:
    """The catalogue's whole texts of one to three words, without placeholders, whose French
    is different (as written and capitalised: a page may capitalise a label)."""
    found = set()
    for message in _catalogue():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if not english or PLACEHOLDER.search(english) or "<" in english:
                continue
            if len(english.split()) <= 3 and english not in strings:
                found |= {english, english[:1].upper() + english[1:]}
    return found


def raw_values() -> set[str]:
    """Values as stored that a page must never show as they are: states, kinds, roles, emails'
    events and audiences, outbox statuses, audit actions and the kinds of their objects."""
    events = {t.event for t in email_preview.templates()}
    return (
        {s.value for s in RequestState}
        | {k.value for k in RequestKind}
        | {r.value for r in Role}
        | events
        | {s.value for s in OutboxStatus}
        | {a.value for a in AuditAction}
        | set(OBJECT_LABELS)
    )


# --- what a page shows ------------------------------------------------------------------------


def visible_text(html: str) -> str:
    return " ".join(unescape(TAGS.sub(" ", html)).split())


def texts(html: str, hide_code: bool = False) -> set[str]:
    """Each text between tags, each button's value and each accessible name, on its own."""
    if hide_code:
        html = HIDDEN.sub(" ", html)
    else:
        html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    found = {" ".join(unescape(t).split()) for t in re.split(r"<[^>]+>", html)}
    if not hide_code:
        found |= {" ".join(unescape(t).split()) for t in ACCESSIBLE.findall(html)}
    found |= {" ".join(unescape(t).split()) for t in BUTTON_VALUE.findall(html)}
    return found - {""}


@functools.cache
def reader() -> Reader:
    """One Reader for the module's tests (reading the catalogue takes a while)."""
    return Reader()


class Reader:
    """The catalogue's English, looked for in pages (a word-pair index keeps it quick)."""

    def __init__(self):
        self.sentences = [(s, tuple(s.split()[1:3])) for s in english_sentences()]
        self.labels = english_labels()
        self.raw = raw_values()

    def leftovers(self, html: str) -> list[str]:
        """What the page shows in English: sentences, labels, raw values (each at most once)."""
        declared = PAGE_LANGUAGE.search(html)
        found = [] if declared and declared.group(1) == "fr" else ["the page is not lang=fr"]
        html = OTHER_LANGUAGE.sub(" ", html)
        text = visible_text(html)
        words = text.split()
        pairs = set(zip(words, words[1:], strict=False))
        found += [s for s, pair in self.sentences if pair in pairs and s in text]
        found += sorted(f"label: {t}" for t in texts(html) & self.labels)
        shown = texts(html, hide_code=True)
        # A raw value alone, or a snake_case one anywhere in a text (`request_relayed to ...`).
        shown |= {w.strip(".,:;()«»\"'") for t in shown for w in t.split() if "_" in w}
        found += sorted(f"raw: {t}" for t in shown & self.raw)
        return found


# --- the world --------------------------------------------------------------------------------


def _import_job(staff, tmp_path):
    """A finished dry run of three alumni (with its report), and the three imported for real."""
    path = write_csv(tmp_path / "alumni.csv", "generic", list(sample_rows("generic", 3)))
    with transaction():
        job = jobs.upload(
            staff, io.BytesIO(path.read_bytes()), "alumni.csv", "preset:generic", False
        )
    assert jobs.work_once().id == job.id
    with transaction():
        custom = jobs.upload(staff, io.BytesIO(path.read_bytes()), "alumni.csv", "custom", False)
    with transaction():
        real = jobs.upload(
            staff, io.BytesIO(path.read_bytes()), "alumni.csv", "preset:generic", False
        )
        real.dry_run = False
    assert jobs.work_once().id == real.id
    record = _db.session.scalars(select(AlumniRecord).order_by(AlumniRecord.id)).first()
    with transaction():
        assert invitations.invite(staff, [record.id]) == 1
    return [job, custom], record


@pytest.fixture
def world(app, db, make_user, make_mentor, make_request, tmp_path):
    """(people, requests, values for each argument name, signed-link pages, token paths)."""
    staff = make_user(Role.STAFF, email="sam@careers.example.edu", name="Camille Martin")
    admin = make_user(Role.ADMIN, Role.STAFF, email="ada@careers.example.edu", name="Ada Admin")
    requests = [make_request(kind=kind, state=state, staff=staff) for kind, state in REQUESTS]
    first = requests[REQUESTS.index(("introduction", "relayed"))]
    people = {
        "anonymous": None,
        "student": first.student,
        "alumnus": first.alumnus,
        "staff": staff,
        "admin": admin,
    }
    profile = first.mentor_profile
    unverified = make_user(Role.STUDENT, verified=False)
    with transaction():
        opening = openings.post_opening(
            first.alumnus,
            {
                "title": "Veterinary nurse",
                "organisation": "Riverside Veterinary Clinic",
                "url": "https://jobs.example.org/vet-nurse",
                "location": "Lyon",
                "description": "Nights and weekends.",
                "closes_on": date.today() + timedelta(days=30),
                "industry": "veterinary",
            },
        )
        openings.approve_opening(staff, opening)
        pending = openings.post_opening(
            first.alumnus,
            {
                "title": "Receptionist",
                "organisation": "Riverside Veterinary Clinic",
                "url": "https://jobs.example.org/reception",
                "remote": True,
                "closes_on": date.today() + timedelta(days=30),
                "industry": "veterinary",
            },
        )
        subscription = openings.subscribe(first.student, ["veterinary"])
        objects = [
            {"obj": first},
            {"obj": profile},
            {"obj": opening},
            {"obj": staff},
            {"object_type": "setting", "object_id": "max_open_requests"},
            {"object_type": "report", "object_id": "funnel"},
            {"object_type": "audit_log"},
        ]
        for i, action in enumerate(AuditAction):
            audit.record(action, actor=admin, detail="sweep", **objects[i % len(objects)])
    import_jobs, record = _import_job(staff, tmp_path)
    # One outbox row of each email the world sent (the page of each).
    messages = {}
    for row in _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        messages.setdefault((row.event, row.audience), row)

    def site(path):
        return urlsplit(path).path

    values: dict[str, list[str]] = {
        "profile_id": [str(profile.id)],
        "kind": [k.value for k in RequestKind],
        "opening_id": [str(opening.id), str(pending.id)],
        "user_id": [str(people[p].id) for p in ("student", "alumnus", "staff")],
        "job_id": [str(j.id) for j in import_jobs],
        "message_id": [str(m.id) for m in messages.values()],
        "slug": sorted(REPORTS),
        "name": [t.name for t in email_preview.templates()],
    }
    token_pages = []  # (path, the persona it is for, the request)
    for req in requests:
        if req.relayed_at:  # the answer link is in the email that relays the request
            token_pages.append((site(answer_link(req)), "alumnus", req))
        if req.state in FEEDBACK_STATES:
            token_pages += [(site(feedback_link(req, side)), side, req) for side in PARTIES]
    tokens = {
        "/mentors/confirm/<token>": confirm_link(profile),
        "/openings/unsubscribe/<token>": unsubscribe_link(subscription),
        "/password/reset/<token>": reset_link(people["student"]),
        "/verify/<token>": verification_link(unverified),
        "/alumni/invitation/<token>": import_links.invitation_link(record),
        "/alumni/unsubscribe/<token>": import_links.unsubscribe_link(record),
    }
    _db.session.commit()
    return people, requests, values, token_pages, {k: site(v) for k, v in tokens.items()}


@dataclass(frozen=True)
class Page:
    """A path to open, as which personas, and whether each of them must see a page there."""

    rule: str
    path: str
    personas: tuple[str, ...] = PERSONAS
    # Each persona given must be shown the page (200, HTML); otherwise a refusal or a redirect
    # is a fine answer, and only the pages shown are read (and counted).
    must_show: bool = False
    request: object = None  # the request whose student and alumnus are the personas


STAFF_SIDE = ("staff", "admin")
PARTIES = ("student", "alumnus")


def _pages(app, world) -> list[Page]:
    """Every page to open: each GET route, with real values in its arguments."""
    _people, requests, values, token_pages, tokens = world
    pages = []
    rules = sorted({rule for method, rule, _args in routes(app, api=False) if method == "GET"})
    for rule in rules:
        if rule in NOT_PAGES or rule.startswith(NOT_PAGE_PREFIXES) or rule in NOT_PAGE_PATHS:
            continue
        args = sorted(re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule))
        if not args:
            pages.append(Page(rule, rule))
        elif rule in tokens:
            pages.append(Page(rule, tokens[rule], must_show=True))
        elif rule in ("/requests/answer/<token>", "/requests/feedback/<token>"):
            # Opened from the email, signed in or not.
            prefix = rule.removesuffix("<token>")
            pages += [
                Page(rule, path, ("anonymous", side), True, req)
                for path, side, req in token_pages
                if path.startswith(prefix)
            ]
        elif args == ["kind", "profile_id"]:
            pages += [
                Page(rule, path_for(rule, {"kind": k, "profile_id": values["profile_id"][0]}))
                for k in values["kind"]
            ]
        elif args == ["request_id"]:
            for req in requests:
                path = path_for(rule, {"request_id": str(req.id)})
                if rule.startswith("/staff/"):
                    pages.append(Page(rule, path, ("staff",), True))
                elif rule.endswith("/feedback"):
                    if req.state in FEEDBACK_STATES:
                        pages.append(Page(rule, path, PARTIES, True, req))
                elif rule.endswith("/revise"):
                    if req.state == "needs_info":
                        pages.append(Page(rule, path, ("student",), True, req))
                else:
                    # The alumnus sees a request once it reached them; staff have their page.
                    who = PARTIES if req.relayed_at else ("student",)
                    pages.append(Page(rule, path, who, True, req))
        else:
            [arg] = args  # a new route with two arguments needs its own branch above
            chosen = values[arg]
            if rule == "/staff/imports/<int:job_id>/columns":
                chosen = chosen[1:]  # only a job waiting for its columns has them to choose
            personas = ("admin",) if rule.startswith("/admin/") else PERSONAS
            if rule.startswith("/staff/"):
                personas = ("staff",)
            pages += [
                Page(rule, path_for(rule, {arg: value}), personas, personas != PERSONAS)
                for value in chosen
            ]
    pages += [
        Page(path.split("?")[0], path, ("admin",) if path.startswith("/admin") else ("staff",))
        for path in STAFF_QUERIES
    ]
    pages += [Page(path.split("?")[0], path) for path in QUERIES]
    return pages


# Pages with a query: filters and their refusals.
STAFF_QUERIES = [
    *(f"/staff/requests?state={s.value}" for s in RequestState),
    "/staff/requests?kind=shadowing&min_days=1",
    "/staff/outbox?status=queued",
    "/staff/outbox?status=bogus",
    "/admin/people?role=staff",
    "/admin/audit?action=sign_in&start=2000-01-01&end=2100-12-31",
    "/staff/reports/funnel?start=2026-01-01&end=2026-11-29&industry=veterinary",
    "/staff/reports/supply?start=2026-01-01&end=2026-11-29&class_year=2020",
]
QUERIES = ["/mentors?q=clinic&offer=shadowing", "/openings?q=nurse"]


class Sweep:
    """Opens pages as personas with one test client, and keeps what it read and found."""

    def __init__(self, client, people):
        self.client, self.people = client, people
        self.reader, self.visitors = reader(), {}
        self.read, self.left, self.not_shown = Counter(), {}, []

    def user(self, persona: str, page: Page):
        if page.request is not None and persona in PARTIES:
            return getattr(page.request, persona)
        return self.people[persona]

    def open(self, persona, page: Page, prefix="", language="fr", method="GET", **kwargs):
        """One request as the persona; the response."""
        user = self.user(persona, page)
        key = getattr(user, "id", None)
        if key not in self.visitors:
            # Only GETs and refused POSTs: no session ends, none to check before each request.
            self.visitors[key] = Visitor(self.client, user, recheck=False)
        visitor = self.visitors[key]
        visitor.prepare()
        headers = {"Accept-Language": language}
        return self.client.open(prefix + page.path, method=method, headers=headers, **kwargs)

    def check(self, label: str, persona: str, path: str, resp) -> None:
        """Count the page as read by the persona and keep what is left in English."""
        self.read[(label, persona)] += 1
        found = self.reader.leftovers(resp.get_data(as_text=True))
        if found:
            self.left[(persona, path)] = found

    def run(self, pages: list[Page], label: str, prefix="", language="fr", personas=PERSONAS):
        for page in pages:
            for persona in page.personas:
                if persona not in personas:
                    continue
                resp = self.open(persona, page, prefix, language)
                if resp.status_code == 200 and resp.mimetype == "text/html":
                    self.check(label, persona, prefix + page.path, resp)
                elif page.must_show:
                    self.not_shown.append((persona, prefix + page.path, resp.status_code))


def test_no_page_shows_english_to_a_french_reader(app, client, world):
    # Each route left out is still a route (every other GET route is opened: see _pages).
    assert set(NOT_PAGES) <= {rule for method, rule, _args in routes(app) if method == "GET"}
    pages = _pages(app, world)
    sweep = Sweep(client, world[0])
    sweep.run(pages, "site")
    # Embedded (as the portal's visitors: anyone, students, alumni), the argument-free pages
    # and one page of each route with arguments: with a French browser, and with an English
    # one that the portal tells French.
    sample = list({page.rule: page for page in pages if "?" not in page.path}.values())
    portal = ("anonymous", *PARTIES)
    sweep.run(sample, "embed", "/embed", "fr", portal)
    sweep.run(sample, "portal", "/embed/lang=fr", "en", portal)
    assert sweep.left == {}
    assert sweep.not_shown == []
    # How many pages each persona read: a page that stops rendering (a redirect, a 404 where
    # a page was) changes a count. The portal's visitors read the same pages in both frames.
    read = {label: {p: sweep.read[(label, p)] for p in PERSONAS} for label, _p in sweep.read}
    framed = {"anonymous": 15, "student": 24, "alumnus": 30, "staff": 0, "admin": 0}
    assert read == {
        "site": {"anonymous": 49, "student": 71, "alumnus": 84, "staff": 114, "admin": 131},
        "embed": framed,
        "portal": framed,
    }


TOO_LARGE = "x" * (600 * 1024)  # over Flask's 500 KB for a field of a multipart form

# (persona, method, path, form, CSRF on, status): each error page, as those who meet it.
ERRORS = [
    *((p, "GET", "/no/such/page", None, False, 404) for p in PERSONAS),
    *((p, "GET", "/admin/", None, False, 403) for p in ("student", "alumnus", "staff")),
    ("staff", "GET", "/staff/requests/999999", None, False, 404),
    ("anonymous", "GET", "/password/reset/not-a-token", None, False, 400),
    ("anonymous", "GET", "/requests/answer/not-a-token", None, False, 400),
    ("admin", "GET", "/admin/audit?start=2026-13-45", None, False, 400),
    ("staff", "GET", "/staff/reports/outcomes?start=2026-11-30&end=2026-01-01", None, False, 400),
    *((p, "GET", "/signout", None, False, 405) for p in PERSONAS),
    ("anonymous", "POST", "/signin", {"email": TOO_LARGE}, False, 413),
    ("student", "POST", "/account/preferences", {"language": TOO_LARGE}, False, 413),
    ("anonymous", "POST", "/signin", {"email": "a@example.edu"}, True, 400),
    ("student", "POST", "/account/preferences", {"language": "fr"}, True, 400),
    ("anonymous", "POST", "/embed/signin", {"email": "a@example.edu"}, True, 400),
]


@pytest.fixture
def people(make_user):
    """One person of each role (the error pages need no objects)."""
    roles = {"student": (Role.STUDENT,), "alumnus": (Role.ALUMNUS,), "staff": (Role.STAFF,)}
    roles["admin"] = (Role.ADMIN, Role.STAFF)
    return {"anonymous": None, **{name: make_user(*r) for name, r in roles.items()}}


def test_no_error_page_shows_english_to_a_french_reader(app, client, people, monkeypatch):
    sweep = Sweep(client, people)
    statuses = []
    for persona, method, path, form, csrf, _status in ERRORS:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
        kwargs = {"data": form}
        if form is not None and form.get("email", form.get("language")) is TOO_LARGE:
            kwargs["content_type"] = "multipart/form-data"
        resp = sweep.open(persona, Page(path, path), method=method, **kwargs)
        statuses.append(resp.status_code)
        assert resp.mimetype == "text/html", path
        sweep.check("errors", persona, path, resp)
    assert statuses == [error[-1] for error in ERRORS]
    assert sweep.left == {}
