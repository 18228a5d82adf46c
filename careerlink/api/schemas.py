"""The API's input and output shapes (pydantic): they validate requests and describe the API.

Input models forbid unknown fields, so a misspelt field is a 422 naming it rather than a value
silently ignored. Lengths and ranges bound every input before a service sees it; the business
rules themselves (message length, proposed dates, who may do what) stay in the services, whose
refusals name the field too.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from careerlink.connections.machine import RequestKind, RequestState
from careerlink.connections.settings import MAX_PROPOSED_DATES, MESSAGE_MAX
from careerlink.mentors.models import (
    BIO_MAX,
    MAX_INDUSTRIES,
    MAX_TAGS,
    SHADOWING_TEXT_MAX,
    Offer,
)
from careerlink.pagination import MAX_PER_PAGE
from careerlink.web.security import MAX_ID

NOTE_MAX = 1000
# Far beyond any real list; a larger page number is a mistake, not a request.
MAX_PAGE = 100_000
MAX_BULK = 500
# An id our INTEGER columns can hold.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Input(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters: unknown ones are ignored (caches and portals add their own)."""

    model_config = ConfigDict(extra="ignore")


# --- errors -------------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    """One invalid field: where it is and what is wrong with it."""

    field: str = Field(description="The field, as a dotted path (`proposed_dates.1`).")
    message: str


class Problem(BaseModel):
    """An error (RFC 9457, application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    request_id: str | None = None
    errors: list[FieldProblem] | None = Field(
        default=None, description="Each invalid field, when the input was refused."
    )


# --- shared pieces ------------------------------------------------------------------------------


class PageLinks(BaseModel):
    """Links to this page and its neighbours (relative to the site)."""

    self: str
    first: str
    last: str
    next: str | None = None
    prev: str | None = None


class PageInfo(BaseModel):
    """Where a page is in its list."""

    total: int
    page: int
    per_page: int
    pages: int
    links: PageLinks


class PageQuery(Query):
    """Paging: a page number and a page size (at most 100)."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class Person(BaseModel):
    """Someone in a request, by name (never an email address or phone number)."""

    id: int
    display_name: str


class Message(BaseModel):
    """A plain answer."""

    detail: str


# --- the directory ------------------------------------------------------------------------------


class IndustryOut(BaseModel):
    """An industry alumni work in."""

    slug: str
    name: str


class IndustryList(BaseModel):
    """The active industries, by name."""

    items: list[IndustryOut]


class MentorSummary(BaseModel):
    """A mentor as the directory lists them."""

    id: int
    display_name: str
    headline: str
    employer: str
    job_title: str
    city: str
    region: str
    country: str
    open_to_remote: bool
    class_year: int | None
    programme: str
    industries: list[IndustryOut]
    offers: list[Offer]
    tags: list[str]
    can_be_asked: bool
    unavailable_reason: str | None = Field(description="Why a request cannot be sent now.")
    usually_answers_within_days: int | None


class AskOptions(BaseModel):
    """Whether the caller may ask this mentor now, and for what."""

    can_ask: bool
    reason: str | None
    kinds: list[RequestKind]


class MentorDetail(MentorSummary):
    """Everything a student needs to decide whom to ask; never an email or phone number."""

    degree: str
    bio: str
    linkedin_url: str | None
    monthly_capacity: int
    shadowing_location: str
    shadowing_description: str
    shadowing_requirements: str
    shadowing_max_students: int
    listed_in_directory: bool
    ask: AskOptions


class SearchQuery(PageQuery):
    """The directory's criteria, as on the /mentors page (repeat `industry` and `offer`)."""

    q: str = Field("", max_length=200, description="Words in names, headlines, bios and tags.")
    industry: list[str] = Field(default_factory=list, max_length=30)
    offer: list[Offer] = Field(default_factory=list, max_length=len(Offer))
    country: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    city: str = Field("", max_length=100)
    programme: str = Field("", max_length=160)
    remote: bool = False
    accepting: bool = Field(False, description="Only mentors who can be asked today.")
    year_from: int | None = Field(None, ge=1900, le=2100)
    year_to: int | None = Field(None, ge=1900, le=2100)


class SearchResultOut(PageInfo):
    """A page of mentors, how many each filter value would give, and notices."""

    items: list[MentorSummary]
    facets: dict[str, dict[str, int]]
    notices: list[str]


# --- openings -----------------------------------------------------------------------------------


class OpeningsQuery(PageQuery):
    """The filters of the /openings page."""

    q: str = Field("", max_length=200, description="Words in the title or the organisation.")
    industry: str = Field("", max_length=100, description="An industry's slug (404 if unknown).")
    remote: bool = Field(False, description="Only openings where remote work is possible.")
    location: str = Field("", max_length=120, description="Part of the location.")


class OpeningOut(BaseModel):
    """An open opening: approved by staff and not past its closing date."""

    id: int
    title: str
    organisation: str
    url: str = Field(description="The posting, on the organisation's site (http or https).")
    location: str
    remote: bool
    industry: IndustryOut | None
    description: str
    closes_on: date
    posted_by: str = Field(description="The alumnus who posted it.")
    mentor_id: int | None = Field(description="Their directory profile, when it is listed.")


class OpeningsPageOut(PageInfo):
    """A page of open openings, newest approval first."""

    items: list[OpeningOut]


# --- requests -----------------------------------------------------------------------------------


class StudentProfileOut(BaseModel):
    """What an alumnus (and staff) see about the student."""

    programme: str
    class_year: int | None
    is_graduate: bool
    introduction: str
    industries: list[IndustryOut]


class FeedbackOut(BaseModel):
    """One side's feedback."""

    side: Literal["student", "alumnus"]
    met: bool
    usefulness: int
    comment: str | None


class SlotOut(BaseModel):
    """An informational-interview time: its start (UTC) and length."""

    start: datetime
    minutes: int


class RequestOut(BaseModel):
    """A request of any kind as one of its two people (or staff) sees it."""

    id: int
    kind: RequestKind
    state: RequestState
    state_label: str
    is_open: bool
    student: Person
    alumnus: Person
    mentor_profile_id: int | None
    hopes: str
    why_alumnus: str
    message: str
    proposed_dates: list[date]
    info_question: str | None
    staff_reason: str | None
    staff_note: str | None = Field(description="The career office's note to the alumnus.")
    respond_by: datetime | None
    alumnus_note: str | None
    scheduled_date: date | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    your_side: Literal["student", "alumnus", "staff"]
    student_profile: StudentProfileOut | None = Field(
        description="Shown to the alumnus once relayed, and to staff."
    )
    feedback_given: bool
    actions: list[str] = Field(description="What the caller may do now (operation names).")
    slots: list[SlotOut] = Field(
        default_factory=list, description="An informational interview's proposed times."
    )
    scheduled_slot: SlotOut | None = Field(
        None, description="The interview time agreed, or proposed by the alumnus."
    )
    meeting_format: Literal["phone", "video", "in_person"] | None = None
    meeting_place: str | None = None
    meeting_link: str | None = None
    review_comments: str | None = Field(None, description="A résumé review's comments.")
    posting_url: str | None = Field(None, description="A referral's posting, when not an opening.")
    opening_id: int | None = Field(None, description="A referral's opening posted by the alumnus.")
    referred_at: datetime | None = None


class RequestList(BaseModel):
    """Requests, newest first."""

    items: list[RequestOut]


class TimelineEntry(BaseModel):
    """One move of the state machine."""

    from_state: RequestState | None
    to_state: RequestState
    actor: Person | None
    actor_role: str
    note: str | None
    at: datetime


class LoadOut(BaseModel):
    """The alumnus's load, shown to staff before approving."""

    open_relayed: int
    month_count: int
    capacity: int | None
    response_rate: float | None
    median_days: float | None
    last_answer_at: datetime | None
    accepting: bool


class StaffRequestOut(RequestOut):
    """A request as the career office sees it: with its timeline, feedback and the load."""

    original_message: str | None
    reviewed_at: datetime | None
    timeline: list[TimelineEntry]
    feedback: list[FeedbackOut]
    load: LoadOut


QueueState = Literal[
    "submitted",
    "needs_info",
    "declined_by_staff",
    "relayed",
    "declined_by_alumnus",
    "expired",
    "withdrawn",
    "introduced",
    "scheduled",
    "cancelled",
    "completed",
    "alumnus_left",
    "",
    "open",
    "overdue",
]


class QueueQuery(PageQuery):
    """The staff queue's filters (as on /staff/requests)."""

    state: QueueState = RequestState.SUBMITTED.value
    kind: Literal["", "introduction", "shadowing"] = ""
    industry: str = Field("", max_length=60)
    min_days: int = Field(0, ge=0, le=3650)


class QueueCounts(BaseModel):
    """What waits where."""

    review: int
    needs_info: int
    alumni: int
    overdue: int


class QueueOut(PageInfo):
    """One page of the staff queue, oldest waiting first."""

    items: list[RequestOut]
    counts: QueueCounts


class SlotIn(Input):
    """An informational-interview time in the office's zone."""

    day: date
    start: dt.time
    minutes: int = Field(ge=20, le=45)


class AskBody(Input):
    """A student's request to an alumnus."""

    kind: RequestKind
    hopes: str = Field(max_length=NOTE_MAX)
    why_alumnus: str = Field(max_length=NOTE_MAX)
    message: str = Field(max_length=MESSAGE_MAX)
    proposed_dates: list[date] = Field(
        default_factory=list,
        max_length=MAX_PROPOSED_DATES,
        description="For a shadowing day: two or three future working days.",
    )
    slots: list[SlotIn] = Field(
        default_factory=list,
        max_length=5,
        description="For an informational interview: two to five times, in the office's zone "
        "(CAREERLINK_TIME_ZONE), between 07:00 and 21:00.",
    )
    meeting_format: Literal["phone", "video", "in_person"] | None = Field(
        None, description="For an informational interview."
    )
    meeting_place: str | None = Field(
        None, max_length=300, description="For an interview in person."
    )
    posting_url: str | None = Field(
        None, max_length=500, description="For a referral: the posting (http or https)."
    )
    opening_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="For a referral: an open opening the alumnus posted."
    )
    conduct_acknowledged: bool = Field(description="The student has read the conduct policy.")


class ReviseBody(Input):
    """The student's answer to the career office's question."""

    hopes: str = Field("", max_length=NOTE_MAX)
    why_alumnus: str = Field("", max_length=NOTE_MAX)
    message: str = Field(max_length=MESSAGE_MAX)
    proposed_dates: list[date] = Field(default_factory=list, max_length=MAX_PROPOSED_DATES)


class NoteBody(Input):
    """An optional note."""

    note: str = Field("", max_length=NOTE_MAX)


class CancelBody(Input):
    """Why a shadowing day is cancelled."""

    reason: str = Field(min_length=1, max_length=NOTE_MAX)


class FeedbackBody(Input):
    """Feedback from the caller's side of the request."""

    met: bool
    usefulness: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class AcceptBody(Input):
    """The alumnus accepts; a shadowing day needs a date, an informational interview one of
    the proposed times, a résumé review the comments (the review itself)."""

    date: dt.date | None = Field(None, description="For a shadowing day: the day chosen.")
    slot: int | None = Field(
        None,
        ge=0,
        le=100,
        description="For an informational interview: which proposed time (0 is the first of "
        "`slots`).",
    )
    meeting_link: str | None = Field(
        None, max_length=500, description="For an informational interview: an http(s) link."
    )
    review_comments: str | None = Field(
        None, max_length=5000, description="For a résumé review: your comments (required)."
    )
    note: str = Field("", max_length=NOTE_MAX)


class TimeBody(Input):
    """Another time for an informational interview, in the office's zone (the alumnus)."""

    day: date
    start: dt.time
    minutes: int = Field(ge=20, le=45)
    meeting_link: str | None = Field(None, max_length=500, description="An http(s) link.")
    note: str = Field("", max_length=NOTE_MAX)


class OtherTimeBody(Input):
    """The time the student asks to move a scheduled interview to, in the office's zone."""

    day: date
    start: dt.time
    minutes: int = Field(ge=20, le=45)
    note: str = Field("", max_length=NOTE_MAX)


class MeetingLinkBody(Input):
    """A scheduled interview's new meeting link (empty or null removes it)."""

    meeting_link: str | None = Field(None, max_length=500)


class ApproveBody(Input):
    """Staff relay a request, optionally editing the message."""

    note: str = Field("", max_length=NOTE_MAX)
    message: str | None = Field(None, max_length=MESSAGE_MAX)


class AskInfoBody(Input):
    """Staff send the request back with a question."""

    question: str = Field(min_length=1, max_length=NOTE_MAX)


class ReasonBody(Input):
    """A reason the other person reads."""

    reason: str = Field(min_length=1, max_length=NOTE_MAX)


class BulkBody(Input):
    """Approve or decline several requests at once."""

    action: Literal["approve", "decline"]
    request_ids: list[RowId] = Field(min_length=1, max_length=MAX_BULK)
    reason: str = Field("", max_length=NOTE_MAX)


class Skipped(BaseModel):
    """A request a bulk action left unchanged, and why."""

    id: int
    reason: str


class BulkOut(BaseModel):
    """What a bulk action did."""

    done: list[int]
    skipped: list[Skipped]


# --- profiles -----------------------------------------------------------------------------------


class ProfileOut(BaseModel):
    """The caller's own mentor profile, as they edit it."""

    id: int
    headline: str
    employer: str
    job_title: str
    city: str
    region: str
    country: str
    open_to_remote: bool
    class_year: int | None
    degree: str
    programme: str
    bio: str
    tags: list[str]
    offers: list[Offer]
    industries: list[str]
    shadowing_location: str
    shadowing_description: str
    shadowing_requirements: str
    shadowing_max_students: int
    monthly_capacity: int
    accepting_requests: bool
    away_until: date | None
    listed: bool
    linkedin_url: str | None
    verification_status: Literal["pending", "approved", "rejected"]
    rejection_reason: str | None
    listed_in_directory: bool
    opted_in: bool


class ProfilePatch(Input):
    """The fields to change; the others keep their values."""

    headline: str | None = Field(None, max_length=160)
    employer: str | None = Field(None, max_length=160)
    job_title: str | None = Field(None, max_length=160)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=100)
    open_to_remote: bool | None = None
    class_year: int | None = Field(None, ge=1900, le=2100)
    degree: str | None = Field(None, max_length=120)
    programme: str | None = Field(None, max_length=160)
    bio: str | None = Field(None, max_length=BIO_MAX)
    tags: list[str] | None = Field(None, max_length=MAX_TAGS)
    offers: list[Offer] | None = Field(None, max_length=len(Offer))
    industries: list[str] | None = Field(None, max_length=MAX_INDUSTRIES)
    shadowing_location: str | None = Field(None, max_length=200)
    shadowing_description: str | None = Field(None, max_length=SHADOWING_TEXT_MAX)
    shadowing_requirements: str | None = Field(None, max_length=SHADOWING_TEXT_MAX)
    shadowing_max_students: int | None = Field(None, ge=1, le=10)
    monthly_capacity: int | None = Field(None, ge=1, le=20)
    accepting_requests: bool | None = None
    away_until: date | None = None
    listed: bool | None = None
    linkedin_url: str | None = Field(None, max_length=300)


class AwayBody(Input):
    """Away until a day (the first day back), or null when around."""

    until: date | None


class PendingProfile(BaseModel):
    """A profile waiting for staff to confirm its owner graduated here."""

    id: int
    owner: Person
    email: str
    headline: str
    employer: str
    job_title: str
    class_year: int | None
    programme: str
    degree: str
    opted_in_at: datetime | None
    created_at: datetime


class PendingList(PageInfo):
    """Profiles waiting for verification, oldest first."""

    items: list[PendingProfile]


# --- me -----------------------------------------------------------------------------------------


class TokenInfo(BaseModel):
    """The token the call was made with."""

    name: str
    kind: Literal["personal", "service"]
    scopes: list[str]
    expires_at: datetime | None


class MeOut(BaseModel):
    """Who the API thinks the caller is."""

    id: int | None
    display_name: str | None
    email: str | None
    roles: list[str]
    email_verified: bool
    authenticated_by: Literal["token", "session", "anonymous"]
    token: TokenInfo | None
    acting_for: bool = Field(description="A service token acting for this person.")


class CsrfOut(BaseModel):
    """The token same-origin JavaScript sends as X-CSRFToken with a session cookie."""

    csrf_token: str
