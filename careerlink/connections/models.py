"""Introduction and shadowing requests, their history, feedback and outcomes."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import careerlink.mentors.models  # noqa: F401  (MentorProfile, joined to below)
from careerlink.connections import counts, durations, outcome_marks, queue_version  # noqa: F401
from careerlink.connections.counts import RequestCount
from careerlink.connections.machine import (
    FEEDBACK_STATES,
    KIND_CHECK_SQL,
    OPEN_SQL,
    OPEN_STATES,
    ROLE_LABELS,
    STATE_CHECK_SQL,
    STATE_LABELS,
    WITHDRAWABLE_STATES,
    RequestKind,
    RequestState,
    Transition,
    transition_for,
    transitions_for,
)
from careerlink.connections.settings import response_days
from careerlink.connections.slots import MeetingFormat, Slot, describe_moment
from careerlink.errors import InvalidTransition, NotAllowed
from careerlink.extensions import db
from careerlink.i18n import format_date
from careerlink.models import TimestampMixin, UTCDateTime, utcnow


class Outcome(enum.StrEnum):
    """What came of a request later, recorded by the student."""

    INFORMATIONAL_INTERVIEW = "informational_interview"
    # Recorded by the alumnus's confirmation that they passed a referral on.
    REFERRED = "referred"
    JOB_INTERVIEW = "job_interview"
    INTERNSHIP = "internship"
    JOB_OFFER = "job_offer"

    @property
    def label(self) -> str:
        """A human name for the outcome, in the current language (text: reports chart it)."""
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.INFORMATIONAL_INTERVIEW: _l("Informational interview"),
    Outcome.REFERRED: _l("Referred"),
    Outcome.JOB_INTERVIEW: _l("Job interview"),
    Outcome.INTERNSHIP: _l("Internship"),
    Outcome.JOB_OFFER: _l("Job offer"),
}


def student_outcomes(kind: RequestKind | str) -> tuple[Outcome, ...]:
    """The outcomes the student may record on a request of this kind.

    "Referred" is set only by the alumnus's confirmation that they passed the résumé on, and
    an informational interview is not something that came of asking for one.
    """
    kind = RequestKind(kind)
    return tuple(
        o
        for o in Outcome
        if o is not Outcome.REFERRED
        and not (
            kind is RequestKind.INFORMATIONAL_INTERVIEW and o is Outcome.INFORMATIONAL_INTERVIEW
        )
    )


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it (it is stored in English)."""
    return message


def set_by_triggers(type_):
    """A column the database's triggers keep and the application only reads."""
    return mapped_column(type_, server_default=FetchedValue(), server_onupdate=FetchedValue())


# The notes the application itself writes on a request's timeline (the clock, an account's
# deletion): stored in English whatever language the writer spoke, translated when shown.
REMINDED_NOTE = N_("Reminder sent to the alumnus.")
SLOT_LAPSED_NOTE = N_("The student did not confirm the time the alumnus proposed.")
EXPIRED_NOTE = N_("No answer before the deadline.")
COMPLETED_NOTE = N_("Completed; both sides asked for feedback.")
ACCOUNT_ENDED_NOTE = N_("The account of the other person was deleted.")
APPLICATION_NOTES = frozenset(
    {REMINDED_NOTE, SLOT_LAPSED_NOTE, EXPIRED_NOTE, COMPLETED_NOTE, ACCOUNT_ENDED_NOTE}
)


class ConnectionRequest(TimestampMixin, db.Model):
    """A student's request to an alumnus: an introduction, a shadowing day, an informational
    interview, a résumé review or a referral (RequestKind)."""

    __tablename__ = "careerlink_requests"
    __table_args__ = (
        # Both texts are derived from the state machine's table (machine.py) and must stay
        # what the latest migration that changed them (0014) created.
        CheckConstraint(STATE_CHECK_SQL, name="state_known"),
        CheckConstraint(KIND_CHECK_SQL, name="kind_known"),
        CheckConstraint("student_id <> alumnus_id", name="not_self"),
        # One open request per student and alumnus, whatever the race.
        Index(
            "uq_careerlink_requests_open_pair",
            "student_id",
            "alumnus_id",
            unique=True,
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index("ix_careerlink_requests_state_created", "state", "created_at"),
        # The staff queue's order (queries.queue_query): a page is read, not sorted.
        Index("ix_careerlink_requests_state_updated", "state", "updated_at", "id"),
        # With the relay and answer times: the responsiveness report's paused alumni (each
        # one's last closed request) read it without the table (0020).
        Index(
            "ix_careerlink_requests_alumnus_state",
            "alumnus_id",
            "state",
            "relayed_at",
            "answered_at",
        ),
        # The overdue count on every staff page (queries.request_counts), without the table.
        Index("ix_careerlink_requests_state_respond_by", "state", "respond_by"),
        # The reports' industry filter and per-industry counts read the request's own industry.
        Index("ix_careerlink_requests_industry_created", "industry_id", "created_at"),
        # The reports (careerlink.staff.reports) count requests made in a date range by kind,
        # state, whether relayed and industry: this index answers them without the table.
        Index(
            "ix_careerlink_requests_report",
            "created_at",
            "kind",
            "state",
            "relayed_at",
            "reviewed_at",
            "answered_at",
            "alumnus_id",
            "student_id",
            "industry_id",
        ),
        # The same columns by student first: the reports' programme and class-year filters
        # (the students of one programme) read it without the table; it also serves the
        # student's own list and the foreign key (it replaced a student_id index, 0016).
        Index(
            "ix_careerlink_requests_student_report",
            "student_id",
            "created_at",
            "kind",
            "state",
            "relayed_at",
            "reviewed_at",
            "answered_at",
            "alumnus_id",
            "industry_id",
        ),
        # The speed, responsiveness and outcomes reports: the durations, answers, outcomes
        # and ratings of the requests made in a date range (and their industry and student,
        # for the filters), narrow integers only (0017, durations.py, outcome_marks.py).
        Index(
            "ix_careerlink_requests_numbers",
            "created_at",
            "industry_id",
            "student_id",
            "review_minute",
            "review_seconds",
            "answer_minute",
            "answer_seconds",
            "alumnus_id",
            "relay_answer",
            "outcome_bits",
            "student_rating",
            "alumnus_rating",
        ),
        # The responsiveness report: each relayed request's alumnus and answer class, a third
        # of the numbers index's width (0020).
        Index(
            "ix_careerlink_requests_answers",
            "created_at",
            "alumnus_id",
            "relay_answer",
            "industry_id",
            "student_id",
            sqlite_where=text("relay_answer IS NOT NULL"),
            postgresql_where=text("relay_answer IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 30: "informational_interview" is 23 characters (migration 0014 widened it from 20).
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    state: Mapped[str] = mapped_column(
        String(30), default=RequestState.SUBMITTED.value, nullable=False
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False
    )
    alumnus_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="CASCADE"), nullable=False
    )
    # The alumnus's industry when the request was made, so the reports still count it there
    # after the alumnus deletes their profile; an industry merge moves it (admin services).
    industry_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_industries.id", ondelete="SET NULL")
    )

    # What the student wrote; the message is what is relayed (staff may edit it).
    hopes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    why_alumnus: Mapped[str] = mapped_column(Text, nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False)
    original_message: Mapped[str | None] = mapped_column(Text)
    proposed_dates: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    conduct_acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    # Staff review.
    staff_note: Mapped[str | None] = mapped_column(Text)
    info_question: Mapped[str | None] = mapped_column(Text)
    staff_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Relay and answer.
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alumnus_note: Mapped[str | None] = mapped_column(Text)
    scheduled_date: Mapped[date | None] = mapped_column(Date)

    # Endings.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Each calendar message for this request carries a higher SEQUENCE than the last.
    ics_sequence: Mapped[int] = mapped_column(default=0, nullable=False)

    # An informational interview: the student's slots ({"start": UTC ISO, "minutes": n}), the
    # format, the time agreed (UTC) and the meeting link the alumnus may add.
    proposed_slots: Mapped[list[dict]] = mapped_column(
        JSON, nullable=False, default=list, server_default="[]"
    )
    meeting_format: Mapped[str | None] = mapped_column(String(20))
    meeting_place: Mapped[str | None] = mapped_column(String(300))
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scheduled_minutes: Mapped[int | None] = mapped_column()
    meeting_link: Mapped[str | None] = mapped_column(String(500))

    # A résumé review: the alumnus's written comments.
    review_comments: Mapped[str | None] = mapped_column(Text)

    # The student's résumé (a review, a referral) and the alumnus's annotated copy: the random
    # name of the file in CAREERLINK_UPLOAD_DIR (careerlink.connections.uploads), its type
    # (pdf or docx, from its content) and the name it was uploaded with (shown only).
    resume_file: Mapped[str | None] = mapped_column(String(40))
    resume_type: Mapped[str | None] = mapped_column(String(10))
    resume_name: Mapped[str | None] = mapped_column(String(200))
    review_file: Mapped[str | None] = mapped_column(String(40))
    review_file_type: Mapped[str | None] = mapped_column(String(10))
    review_file_name: Mapped[str | None] = mapped_column(String(200))

    # A referral: the opening (a posting URL, or one the alumnus posted) and when it was
    # passed on to the employer.
    posting_url: Mapped[str | None] = mapped_column(String(500))
    opening_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_openings.id", ondelete="SET NULL")
    )
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by database triggers from the times above (careerlink/connections/durations.py),
    # never by the application: the review's and the answer's whole seconds and the minute
    # (since 1970, UTC) each ended in.
    # The reports read them (and the marks below) with queries: an object loaded before a
    # change may hold the old values (SQLite's AFTER triggers run after INSERT ... RETURNING).
    review_minute: Mapped[int | None] = set_by_triggers(Integer)
    # The UTC months (YYYYMM) the previous release reads (0017); kept by the same triggers
    # until a later release drops them (expand, then contract). Nothing here reads them.
    review_month: Mapped[int | None] = set_by_triggers(Integer)
    answer_month: Mapped[int | None] = set_by_triggers(Integer)
    review_seconds: Mapped[int | None] = set_by_triggers(BigInteger)
    answer_minute: Mapped[int | None] = set_by_triggers(Integer)
    answer_seconds: Mapped[int | None] = set_by_triggers(BigInteger)
    # NULL if never relayed; 1 answered, 2 expired without an answer, 0 neither (yet).
    relay_answer: Mapped[int | None] = set_by_triggers(SmallInteger)
    # Set by triggers on the outcome and feedback tables (outcome_marks.py): one bit per
    # outcome recorded (NULL for none), and each side's usefulness rating.
    outcome_bits: Mapped[int | None] = set_by_triggers(SmallInteger)
    student_rating: Mapped[int | None] = set_by_triggers(SmallInteger)
    alumnus_rating: Mapped[int | None] = set_by_triggers(SmallInteger)

    student = relationship("User", foreign_keys=[student_id], lazy="joined")
    alumnus = relationship("User", foreign_keys=[alumnus_id], lazy="joined")
    industry = relationship("Industry", foreign_keys=[industry_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    opening = relationship("Opening", foreign_keys=[opening_id])
    mentor_profile = relationship(
        "MentorProfile",
        primaryjoin="foreign(ConnectionRequest.alumnus_id) == MentorProfile.user_id",
        viewonly=True,
        uselist=False,
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="RequestEvent.id",
    )
    feedback: Mapped[list[RequestFeedback]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestFeedback.id"
    )
    outcomes: Mapped[list[RequestOutcome]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestOutcome.id"
    )

    # --- reading --------------------------------------------------------------------------

    @property
    def state_enum(self) -> RequestState:
        """The state as an enum member."""
        return RequestState(self.state)

    @property
    def kind_enum(self) -> RequestKind:
        """The kind as an enum member."""
        return RequestKind(self.kind)

    @property
    def is_open(self) -> bool:
        """Not yet answered by the alumnus (nor ended by staff or the student)."""
        return self.state in OPEN_STATES

    @property
    def is_shadowing(self) -> bool:
        """A shadowing-day request."""
        return self.kind == RequestKind.SHADOWING.value

    @property
    def is_interview(self) -> bool:
        """An informational-interview request."""
        return self.kind == RequestKind.INFORMATIONAL_INTERVIEW.value

    @property
    def is_review(self) -> bool:
        """A résumé-review request."""
        return self.kind == RequestKind.RESUME_REVIEW.value

    @property
    def is_referral(self) -> bool:
        """A referral request."""
        return self.kind == RequestKind.REFERRAL.value

    @property
    def has_calendar(self) -> bool:
        """The kinds that end in a meeting both sides get a calendar invitation for."""
        return self.is_shadowing or self.is_interview

    @property
    def slots(self) -> list:
        """The informational-interview times the student proposed (Slot, UTC)."""
        return [Slot.from_stored(s) for s in (self.proposed_slots or [])]

    @property
    def scheduled_slot(self):
        """The time agreed or proposed by the alumnus (a Slot), or None."""
        if self.scheduled_start is None or self.scheduled_minutes is None:
            return None
        return Slot(self.scheduled_start, self.scheduled_minutes)

    @property
    def other_time_asked(self):
        """The time the student asked to move a scheduled interview to (a Slot), while the
        alumnus has not answered it by moving the interview; else None."""
        if self.state != RequestState.SCHEDULED.value or not self.is_interview or not self.events:
            return None
        last = self.events[-1]
        if last.from_state != last.to_state or last.actor_role != "student":
            return None
        return self.slots[-1] if self.slots else None

    @property
    def meeting_format_label(self) -> str | None:
        """How the interview happens, in words."""
        return MeetingFormat(self.meeting_format).label if self.meeting_format else None

    @property
    def proposed_date_values(self) -> list[date]:
        """The proposed shadowing dates as dates."""
        return [date.fromisoformat(d) for d in (self.proposed_dates or [])]

    @property
    def message_was_edited(self) -> bool:
        """Staff changed the student's message before relaying it."""
        return self.original_message is not None and self.original_message != self.message

    def waiting_since(self) -> datetime:
        """When the request entered its current wait (for staff: how long it has waited)."""
        if self.state == RequestState.RELAYED.value and self.relayed_at:
            return self.relayed_at
        return self.events[-1].created_at if self.events else self.created_at

    @property
    def confirm_by(self) -> datetime | None:
        """When a time the alumnus proposed lapses unless the student confirms it: the end of
        the answer window counted from the proposal, or the time's start if that is sooner."""
        if self.state != RequestState.SLOT_PROPOSED.value or self.answered_at is None:
            return None
        deadline = self.answered_at + timedelta(days=response_days())
        if self.scheduled_start is not None:
            deadline = min(deadline, self.scheduled_start)
        return deadline

    @property
    def confirm_by_text(self) -> str | None:
        """confirm_by in the reader's time and zone, with the zone's name, for the pages."""
        return describe_moment(self.confirm_by) if self.confirm_by else None

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Relayed and past its answer deadline (tick has not expired it yet)."""
        now = now or utcnow()
        return (
            self.state == RequestState.RELAYED.value
            and self.respond_by is not None
            and self.respond_by <= now
        )

    def feedback_from(self, side: str) -> RequestFeedback | None:
        """The feedback one side gave, if any."""
        return next((f for f in self.feedback if f.side == side), None)

    def outcome_kinds(self) -> set[str]:
        """The outcomes recorded so far."""
        return {o.kind for o in self.outcomes}

    def outcome_choices(self) -> list[Outcome]:
        """What the student may still record: the kind's outcomes not recorded yet."""
        recorded = self.outcome_kinds()
        return [o for o in student_outcomes(self.kind) if o.value not in recorded]

    # --- transitions: the one method that moves a request, and a thin wrapper per action -------

    @classmethod
    def submit(
        cls,
        *,
        by,
        kind: RequestKind | str,
        alumnus_id: int,
        note: str | None = None,
        now: datetime | None = None,
        **values,
    ) -> ConnectionRequest:
        """The machine's first move (None to submitted): a new request and its first history row.

        The flush may raise IntegrityError (a second open request for the pair): the caller
        maps it to its own message.
        """
        now = now or utcnow()
        kind = RequestKind(kind)
        move = transition_for("submit", kind.value)
        role = _role_for(move, None)
        req = cls(
            kind=kind.value,
            state=move.target.value,
            student_id=by.id,
            alumnus_id=alumnus_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        db.session.add(req)
        db.session.flush()
        req._record(move, None, by=by, role=role, note=note, now=now)
        return req

    def apply(
        self,
        action: str,
        *,
        by,
        role: str | None = None,
        note: str | None = None,
        now: datetime | None = None,
        **values,
    ) -> RequestEvent:
        """Make one move of the state machine: check it, change the row, record the history.

        The move comes from machine.TRANSITIONS (by action and this request's kind). The
        UPDATE's WHERE repeats the state we read (and the move's must-be-NULL columns), so of
        two concurrent callers exactly one changes the row; the other sees rowcount 0 and gets
        InvalidTransition (and so writes no email). `values` are the columns the action sets.
        """
        start = self.state
        move = transition_for(action, self.kind)
        if move is None:  # the table has this action only for the other kind
            raise InvalidTransition(
                _(
                    "%(refusal)s That is not possible for this kind of request (%(kind)s).",
                    refusal=transitions_for(action)[0].refusal_verb,
                    kind=self.kind_enum.heading,
                )
            )
        role = _role_for(move, role)
        if start not in move.sources:
            raise InvalidTransition(
                _(
                    "%(refusal)s Its state is: %(state)s.",
                    refusal=move.refusal_verb,
                    state=RequestState(start).label,
                )
            )
        if any(getattr(self, column) is not None for column in move.unset):
            raise InvalidTransition(
                str(move.repeated)
                if move.repeated
                else _("%(refusal)s That was done already.", refusal=move.refusal_verb)
            )
        now = now or utcnow()
        if self.id is None:
            db.session.flush()
        result = db.session.execute(
            update(ConnectionRequest)
            .where(
                ConnectionRequest.id == self.id,
                ConnectionRequest.state == start,
                *(getattr(ConnectionRequest, column).is_(None) for column in move.unset),
            )
            .values(state=move.target.value, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.refresh(self)
            raise InvalidTransition(
                _(
                    "Someone else changed this request a moment ago; its state is now: %(state)s.",
                    state=RequestState(self.state).label,
                )
            )
        # Mirror the UPDATE on this object without marking anything dirty.
        db.session.refresh(self)
        return self._record(move, start, by=by, role=role, note=note, now=now)

    def _record(
        self, move: Transition, start: str | None, *, by, role: str, note: str | None, now
    ) -> RequestEvent:
        event = RequestEvent(
            request_id=self.id,
            from_state=start,
            to_state=move.target.value,
            actor_id=getattr(by, "id", None),
            actor_role=role,
            note=note,
            created_at=now,
        )
        db.session.add(event)
        db.session.flush()
        db.session.expire(self, ["events"])
        return event

    def approve(
        self,
        *,
        by,
        response_days: int,
        note: str | None = None,
        message: str | None = None,
        now: datetime | None = None,
    ) -> RequestEvent:
        """Staff relay the request to the alumnus, optionally editing the message."""
        now = now or utcnow()
        values = {
            "reviewed_by_id": by.id,
            "reviewed_at": now,
            "relayed_at": now,
            "respond_by": now + timedelta(days=response_days),
            "staff_note": (note or "").strip() or None,
        }
        history = note
        if message is not None and message.strip() and message.strip() != self.message.strip():
            values["original_message"] = self.original_message or self.message
            values["message"] = message.strip()
            history = ((note or "") + "\n" + _("(The message was edited before relaying.)")).strip()
        return self.apply("approve", by=by, note=history, now=now, **values)

    def ask_for_info(self, *, by, question: str, now: datetime | None = None) -> RequestEvent:
        """Staff send the request back to the student with a question."""
        now = now or utcnow()
        return self.apply(
            "ask_for_info",
            by=by,
            note=question,
            now=now,
            info_question=question,
            reviewed_by_id=by.id,
            reviewed_at=now,
        )

    def resubmit(
        self, *, by, note: str | None = None, now: datetime | None = None, **changes
    ) -> RequestEvent:
        """The student revised the request; it returns to the staff queue."""
        return self.apply("resubmit", by=by, note=note, now=now, **changes)

    def decline_by_staff(self, *, by, reason: str, now: datetime | None = None) -> RequestEvent:
        """Staff decline the request with a reason for the student."""
        now = now or utcnow()
        return self.apply(
            "decline_by_staff",
            by=by,
            note=reason,
            now=now,
            staff_reason=reason,
            reviewed_by_id=by.id,
            reviewed_at=now,
            closed_at=now,
        )

    def accept(
        self,
        *,
        by,
        scheduled_date: date | None = None,
        note: str | None = None,
        now: datetime | None = None,
        **kind_values,
    ) -> RequestEvent:
        """The alumnus accepts: introduced, scheduled (a day, an interview's time), reviewed,
        or a referral to pass on; `kind_values` are the columns the kind's acceptance sets."""
        now = now or utcnow()
        values = {"answered_at": now, "alumnus_note": (note or "").strip() or None, **kind_values}
        if self.is_shadowing and scheduled_date is None:
            raise InvalidTransition(_("Choose a date for the shadowing day."))
        if scheduled_date is not None:  # a shadowing day, or an interview's day (office time)
            values["scheduled_date"] = scheduled_date
        if self.is_shadowing:
            # The history is written in the language of whoever acts (the system's: the office's).
            day = _("Shadowing day on %(day)s.", day=format_date(scheduled_date))
            note = f"{day} {note or ''}".strip()
        return self.apply("accept", by=by, note=note, now=now, **values)

    def propose_slot(
        self, *, by, start: datetime, minutes: int, note: str | None, now: datetime | None = None
    ) -> RequestEvent:
        """The alumnus proposes another time for the interview; the student confirms or not."""
        now = now or utcnow()
        return self.apply(
            "propose_slot",
            by=by,
            note=note,
            now=now,
            answered_at=now,
            scheduled_start=start,
            scheduled_minutes=minutes,
            alumnus_note=(note or "").strip() or None,
        )

    def confirm_slot(
        self, *, by, scheduled_date: date, now: datetime | None = None
    ) -> RequestEvent:
        """The student agrees to the time the alumnus proposed: the interview is scheduled."""
        return self.apply(
            "confirm_slot",
            by=by,
            note=_("The student confirmed the time."),
            now=now,
            scheduled_date=scheduled_date,
        )

    def reschedule(
        self,
        *,
        by,
        start: datetime,
        minutes: int,
        scheduled_date: date,
        note: str | None = None,
        now: datetime | None = None,
    ) -> RequestEvent:
        """The alumnus moves the interview; the invitation's SEQUENCE goes up."""
        return self.apply(
            "reschedule",
            by=by,
            note=note,
            now=now,
            scheduled_start=start,
            scheduled_minutes=minutes,
            scheduled_date=scheduled_date,
            ics_sequence=(self.ics_sequence or 0) + 1,
        )

    def ask_other_time(
        self, *, by, slot: Slot, note: str | None = None, now: datetime | None = None
    ) -> RequestEvent:
        """The student asks to move a scheduled interview to `slot` (added to their times);
        nothing moves until the alumnus reschedules."""
        return self.apply(
            "ask_other_time",
            by=by,
            note=note,
            now=now,
            proposed_slots=[*(self.proposed_slots or []), slot.stored()],
        )

    def confirm_referral(
        self, *, by, note: str | None = None, now: datetime | None = None
    ) -> RequestEvent:
        """The alumnus passed the student's résumé on to the employer."""
        now = now or utcnow()
        return self.apply("confirm_referral", by=by, note=note, now=now, referred_at=now)

    def decline_by_alumnus(
        self, *, by, note: str | None = None, now: datetime | None = None
    ) -> RequestEvent:
        """The alumnus declines, optionally with a note for the student."""
        now = now or utcnow()
        return self.apply(
            "decline_by_alumnus",
            by=by,
            note=note,
            now=now,
            answered_at=now,
            closed_at=now,
            alumnus_note=(note or "").strip() or None,
        )

    def remind(self, *, now: datetime | None = None) -> RequestEvent:
        """Half the answer window has passed: the alumnus is reminded, once (the clock)."""
        now = now or utcnow()
        return self.apply("remind", by=None, note=REMINDED_NOTE, now=now, reminded_at=now)

    def withdraw(self, *, by, note: str | None = None, now: datetime | None = None) -> RequestEvent:
        """The student withdraws before the alumnus accepts."""
        now = now or utcnow()
        return self.apply("withdraw", by=by, note=note, now=now, closed_at=now)

    def expire(self, *, now: datetime | None = None) -> RequestEvent:
        """The answer window ended without an answer (the clock, not a person): the alumnus's,
        or the student's to a time the alumnus proposed."""
        now = now or utcnow()
        note = SLOT_LAPSED_NOTE if self.state == RequestState.SLOT_PROPOSED.value else EXPIRED_NOTE
        return self.apply("expire", by=None, note=note, now=now, closed_at=now)

    def cancel(self, *, by, role: str, reason: str, now: datetime | None = None) -> RequestEvent:
        """Either side (or staff) cancels a scheduled day or interview, with a reason."""
        now = now or utcnow()
        return self.apply(
            "cancel",
            by=by,
            role=role,
            note=reason,
            now=now,
            cancel_reason=reason,
            cancelled_by_id=by.id,
            closed_at=now,
            ics_sequence=(self.ics_sequence or 0) + 1,
        )

    def close_alumnus_left(self, *, note: str, now: datetime | None = None) -> RequestEvent:
        """The alumnus deleted their account before the request reached them (the system)."""
        now = now or utcnow()
        return self.apply("close_alumnus_left", by=None, note=note, now=now, closed_at=now)

    def complete(self, *, now: datetime | None = None) -> RequestEvent:
        """The introduction has had time to happen, or the shadowing day has passed."""
        now = now or utcnow()
        return self.apply(
            "complete",
            by=None,
            note=COMPLETED_NOTE,
            now=now,
            completed_at=now,
            closed_at=now,
        )

    @property
    def cancel_reason_text(self) -> str | None:
        """The reason for a cancellation as the reader reads it (the application's, translated)."""
        reason = self.cancel_reason
        return _(reason) if reason in APPLICATION_NOTES else reason

    def __repr__(self) -> str:
        return f"<ConnectionRequest {self.id} {self.kind} {self.state}>"


# The per-month counts the reports read, kept by triggers on this table (counts.py).
counts.attach(ConnectionRequest.__table__)
# Each request's review and answer durations and answer class, set by triggers (durations.py).
durations.attach(ConnectionRequest.__table__)


def _role_for(move: Transition, role: str | None) -> str:
    """The acting role: the one the table allows, or the caller's, which the table must allow."""
    if role is None:
        if len(move.roles) != 1:
            raise ValueError(f"say which role makes the move {move.action!r}")
        return move.roles[0]
    if role not in move.roles:
        raise NotAllowed(
            _(
                "%(refusal)s Not as: %(role)s.",
                refusal=move.refusal_verb,
                role=ROLE_LABELS.get(role, role),
            )
        )
    return role


class RequestEvent(db.Model):
    """One transition of a request: from, to, who (and in which role), a note, when."""

    __tablename__ = "careerlink_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    request: Mapped[ConnectionRequest] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")

    @property
    def to_label(self):
        """The label of the state this event moved to (lazy, translated when shown)."""
        return RequestState(self.to_state).label

    @property
    def role_label(self):
        """Who acted, as the timeline names them (lazy, translated when shown)."""
        return ROLE_LABELS.get(self.actor_role, self.actor_role)

    @property
    def note_text(self) -> str | None:
        """The note as the reader reads it: one the application wrote, in their language."""
        return _(self.note) if self.note in APPLICATION_NOTES else self.note


class RequestFeedback(db.Model):
    """One side's feedback on a request: did you meet, how useful, a comment for staff."""

    __tablename__ = "careerlink_request_feedback"
    __table_args__ = (
        UniqueConstraint("request_id", "side"),
        CheckConstraint("side IN ('student', 'alumnus')", name="side_known"),
        CheckConstraint("usefulness BETWEEN 1 AND 5", name="usefulness_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    side: Mapped[str] = mapped_column(String(10), nullable=False)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("careerlink_users.id", ondelete="SET NULL")
    )
    met: Mapped[bool] = mapped_column(nullable=False)
    usefulness: Mapped[int] = mapped_column(nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    request: Mapped[ConnectionRequest] = relationship(back_populates="feedback")


class RequestOutcome(db.Model):
    """Something that came of a request later (a job interview, an internship...)."""

    __tablename__ = "careerlink_request_outcomes"
    __table_args__ = (
        UniqueConstraint("request_id", "kind"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{o.value}'" for o in Outcome) + ")", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("careerlink_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    request: Mapped[ConnectionRequest] = relationship(back_populates="outcomes")

    @property
    def label(self) -> str:
        """A human name for the outcome."""
        return Outcome(self.kind).label


# Each request's outcomes and ratings, set by triggers on these tables (outcome_marks.py).
outcome_marks.attach(RequestOutcome.__table__)
outcome_marks.attach(RequestFeedback.__table__)


__all__ = [
    "RequestCount",
    "ConnectionRequest",
    "RequestEvent",
    "RequestFeedback",
    "RequestOutcome",
    "RequestKind",
    "RequestState",
    "Outcome",
    "student_outcomes",
    "FEEDBACK_STATES",
    "OPEN_STATES",
    "STATE_LABELS",
    "WITHDRAWABLE_STATES",
]
