"""Everything each transition records, for every row of the machine's table.

The cases come from `machine.TRANSITIONS` (every action, kind, from-state and acting role), so
a new transition gets the same checks, and fails here until its expectation is written down.
For each move the whole request row is compared before and after: exactly the expected columns
change, to exactly the expected values (state, updated_at, the move's own times, who reviewed
or cancelled and why), and nothing else. The move adds one history row (from, to, actor, role,
note, time); the alumnus's answer statistics, recomputed, count what the move means; and
`waiting_since()` and `is_overdue()` answer on both sides of their boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from careerlink.connections import durations, machine, outcome_marks, services
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.errors import InvalidTransition
from careerlink.mentors.models import MentorProfile
from careerlink.models import utcnow
from careerlink.permissions import Role

TICK = timedelta(seconds=1)
RESPONSE_DAYS = 7
EDITED = "An edited message the career office wrote, long enough to be relayed to the alumnus."

# Where the alumnus's answer statistics count a request (independent of machine.py's sets):
# asked once relayed and answered or expired; answered once the alumnus said yes or no.
ASKED = {
    "declined_by_alumnus",
    "introduced",
    "scheduled",
    "cancelled",
    "completed",
    "expired",
    "slot_proposed",
    "reviewed",
    "referral_accepted",
    "referred",
}
ANSWERED = ASKED - {"expired"}
# A request in these states is of one kind only (a move of no kind starts from one of them).
SOURCE_KIND = {
    "scheduled": "shadowing",
    "slot_proposed": "informational_interview",
    "reviewed": "resume_review",
    "referred": "referral",
}


@dataclass
class Move:
    """A move of the table as a test case."""

    action: str
    kind: str
    source: str
    target: str
    role: str

    @property
    def id(self) -> str:
        return f"{self.action}:{self.kind}:{self.source}->{self.target}:{self.role}"


def moves() -> list[Move]:
    found = []
    for t in machine.TRANSITIONS:
        if t.action == "submit":
            continue
        for source in t.sources:
            kind = t.kind.value if t.kind else SOURCE_KIND.get(source)
            for role in t.roles:
                found.append(Move(t.action, kind or "introduction", source, t.target, role))
    return found


MOVES = moves()


@dataclass
class People:
    student: object
    alumnus: object
    staff: object

    def acting(self, role: str):
        """The user who acts in this role (None for the clock)."""
        return {"student": self.student, "alumnus": self.alumnus, "staff": self.staff}.get(role)


def act(req: ConnectionRequest, move: Move, people: People, now: datetime, before: dict):
    """Make the move through the model's method; returns (event, expected changes, note)."""
    by = people.acting(move.role)
    a = move.action
    if a == "approve":
        event = req.approve(
            by=by, response_days=RESPONSE_DAYS, note="Lovely request", message=EDITED, now=now
        )
        changes = {
            "reviewed_by_id": by.id,
            "reviewed_at": now,
            "relayed_at": now,
            "respond_by": now + timedelta(days=RESPONSE_DAYS),
            "staff_note": "Lovely request",
            "original_message": before["message"],
            "message": EDITED,
        }
        return event, changes, "Lovely request\n(The message was edited before relaying.)"
    if a == "ask_for_info":
        event = req.ask_for_info(by=by, question="Which dates suit you?", now=now)
        changes = {
            "info_question": "Which dates suit you?",
            "reviewed_by_id": by.id,
            "reviewed_at": now,
        }
        return event, changes, "Which dates suit you?"
    if a == "resubmit":
        event = req.resubmit(by=by, note="Revised.", now=now, hopes="New hopes.")
        return event, {"hopes": "New hopes."}, "Revised."
    if a == "decline_by_staff":
        event = req.decline_by_staff(by=by, reason="Not this time.", now=now)
        changes = {
            "staff_reason": "Not this time.",
            "reviewed_by_id": by.id,
            "reviewed_at": now,
            "closed_at": now,
        }
        return event, changes, "Not this time."
    if a == "accept":
        day = req.proposed_date_values[0] if req.is_shadowing else None
        event = req.accept(by=by, scheduled_date=day, note="Happy to help", now=now)
        changes = {"answered_at": now, "alumnus_note": "Happy to help"}
        if day is None:
            return event, changes, "Happy to help"
        changes["scheduled_date"] = day
        return event, changes, f"Shadowing day on {day.day} {day:%B %Y}. Happy to help"
    later = now + timedelta(days=10)
    if a == "propose_slot":
        event = req.propose_slot(by=by, start=later, minutes=30, note="Later?", now=now)
        changes = {
            "answered_at": now,
            "scheduled_start": later,
            "scheduled_minutes": 30,
            "alumnus_note": "Later?",
        }
        return event, changes, "Later?"
    if a == "confirm_slot":
        event = req.confirm_slot(by=by, scheduled_date=later.date(), now=now)
        return event, {"scheduled_date": later.date()}, "The student confirmed the time."
    if a == "reschedule":
        event = req.reschedule(
            by=by, start=later, minutes=45, scheduled_date=later.date(), note="Moved.", now=now
        )
        changes = {
            "scheduled_start": later,
            "scheduled_minutes": 45,
            "scheduled_date": later.date(),
            "ics_sequence": before["ics_sequence"] + 1,
        }
        return event, changes, "Moved."
    if a == "ask_other_time":
        from careerlink.connections.slots import Slot

        asked = Slot(later, 30)
        event = req.ask_other_time(by=by, slot=asked, note="Exams moved.", now=now)
        return (
            event,
            {"proposed_slots": [*before["proposed_slots"], asked.stored()]},
            "Exams moved.",
        )
    if a == "confirm_referral":
        event = req.confirm_referral(by=by, note="Sent to HR.", now=now)
        return event, {"referred_at": now}, "Sent to HR."
    if a == "decline_by_alumnus":
        event = req.decline_by_alumnus(by=by, note="Too busy", now=now)
        changes = {"answered_at": now, "closed_at": now, "alumnus_note": "Too busy"}
        return event, changes, "Too busy"
    if a == "remind":
        return req.remind(now=now), {"reminded_at": now}, "Reminder sent to the alumnus."
    if a == "withdraw":
        event = req.withdraw(by=by, note="I found a placement.", now=now)
        return event, {"closed_at": now}, "I found a placement."
    if a == "expire":
        note = (
            "The student did not confirm the time the alumnus proposed."
            if move.source == "slot_proposed"
            else "No answer before the deadline."
        )
        return req.expire(now=now), {"closed_at": now}, note
    if a == "cancel":
        event = req.cancel(by=by, role=move.role, reason="The clinic is closed.", now=now)
        changes = {
            "cancel_reason": "The clinic is closed.",
            "cancelled_by_id": by.id,
            "closed_at": now,
            "ics_sequence": before["ics_sequence"] + 1,
        }
        return event, changes, "The clinic is closed."
    if a == "complete":
        changes = {"completed_at": now, "closed_at": now}
        return req.complete(now=now), changes, "Completed; both sides asked for feedback."
    if a == "close_alumnus_left":
        event = req.close_alumnus_left(note="The alumnus left.", now=now)
        return event, {"closed_at": now}, "The alumnus left."
    raise KeyError(f"no expectation written for the action {a!r}: add it to act()")


# Derived by database triggers from the row's own times and state and from its outcomes and
# feedback, for the reports (tests/test_request_durations.py, tests/test_outcome_marks.py).
DERIVED = {*durations.COLUMNS, *outcome_marks.COLUMNS}


def row_of(db, request_id: int) -> dict:
    """Every column of the request as the database has it (but those derived from the others)."""
    db.session.expire_all()
    req = db.session.get(ConnectionRequest, request_id)
    return {
        c.key: getattr(req, c.key)
        for c in ConnectionRequest.__table__.columns
        if c.key not in DERIVED
    }


def stats_of(db, alumnus_id: int) -> tuple:
    db.session.expire_all()
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == alumnus_id))
    return (
        profile.asked_count,
        profile.answered_count,
        profile.response_rate,
        profile.median_response_days,
    )


@pytest.mark.parametrize("move", MOVES, ids=[m.id for m in MOVES])
def test_a_move_records_exactly_what_it_means(db, make_request, make_user, move):
    reviewer = make_user(Role.STAFF, name="Reviewing Staff")
    req = make_request(kind=move.kind, state=move.source, staff=make_user(Role.STAFF))
    people = People(req.student, req.alumnus, reviewer)
    before = row_of(db, req.id)
    events_before = len(req.events)
    now = (utcnow() + timedelta(days=2, hours=12)).replace(microsecond=0)

    event, changes, note = act(req, move, people, now, before)
    db.session.commit()

    # The row: state and updated_at, the move's own columns, and nothing else.
    after = row_of(db, req.id)
    expected = {**before, **changes, "state": move.target, "updated_at": now}
    assert after == expected, {k: (before[k], after[k]) for k in after if after[k] != expected[k]}

    # The history: one new row saying everything.
    req = db.session.get(ConnectionRequest, req.id)
    assert len(req.events) == events_before + 1
    last = req.events[-1]
    assert last.id == event.id
    actor = people.acting(move.role)
    assert (
        last.from_state,
        last.to_state,
        last.actor_id,
        last.actor_role,
        last.note,
        last.created_at,
    ) == (move.source, move.target, actor.id if actor else None, move.role, note, now)

    # The statistics the staff see before approving, recomputed as the services do.
    services.recompute_mentor_stats(req.alumnus_id)
    db.session.commit()
    asked, answered, rate, median = stats_of(db, req.alumnus_id)
    # A request the alumnus gave another time was answered, even once the student withdrew.
    was_answered = before["answered_at"] is not None
    assert (asked, answered) == (
        int(move.target in ASKED or was_answered),
        int(move.target in ANSWERED or was_answered),
    )
    assert rate == (None if not asked else float(answered))
    if answered:
        answered_after = (after["answered_at"] - after["relayed_at"]).total_seconds() / 86400
        assert median == round(answered_after, 1)
    else:
        assert median is None

    # How long it has waited, and whether it is overdue, on both sides of the boundary.
    if move.target == "relayed":
        assert req.waiting_since() == after["relayed_at"]
        deadline = after["respond_by"]
        assert req.is_overdue(deadline - TICK) is False
        assert req.is_overdue(deadline) is True
    else:
        assert req.waiting_since() == now
        assert req.is_overdue(now + timedelta(days=3650)) is False


def test_the_sets_derived_from_the_table():
    """Reachability and the table's order, the helpers OPEN, ANSWERED and FEEDBACK come from.

    Called here, not only read as constants: the constants are computed once at import.
    """
    S = machine.RequestState
    assert machine._after({S.RELAYED}) == {
        S.RELAYED,
        S.SLOT_PROPOSED,
        S.REVIEWED,
        S.REFERRAL_ACCEPTED,
        S.REFERRED,
        S.DECLINED_BY_ALUMNUS,
        S.EXPIRED,
        S.WITHDRAWN,
        S.INTRODUCED,
        S.SCHEDULED,
        S.CANCELLED,
        S.COMPLETED,
    }
    assert machine._after({S.NEEDS_INFO}) == set(S)
    assert machine._after({S.COMPLETED}) == {S.COMPLETED}
    assert machine._after(set()) == set()
    assert machine._in_order({S.COMPLETED, S.SUBMITTED, S.RELAYED}) == (
        S.SUBMITTED,
        S.RELAYED,
        S.COMPLETED,
    )
    assert machine._in_order(set()) == ()


def test_every_action_of_the_table_has_its_expectation():
    """act() above knows every action; a new one fails here until its columns are written."""
    assert {m.action for m in MOVES} == {t.action for t in machine.TRANSITIONS} - {"submit"}
    roles = {(m.action, m.role) for m in MOVES}
    assert ("cancel", "student") in roles and ("cancel", "staff") in roles
    assert ("cancel", "alumnus") in roles


def test_submitting_records_the_first_row_and_history(db, student, make_mentor):
    mentor = make_mentor()
    now = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    with transaction():
        req = services.submit_request(
            student,
            mentor,
            "introduction",
            hopes=" Learn. ",
            why_alumnus=" You. ",
            message="m" * 100,
            conduct_acknowledged=True,
            now=now,
        )
    row = row_of(db, req.id)
    assert row == {
        **dict.fromkeys(row),
        "id": req.id,
        "kind": "introduction",
        "state": "submitted",
        "student_id": student.id,
        "alumnus_id": mentor.user_id,
        "hopes": "Learn.",
        "why_alumnus": "You.",
        "message": "m" * 100,
        "proposed_dates": [],
        "proposed_slots": [],
        "conduct_acknowledged_at": now,
        "ics_sequence": 0,
        "created_at": now,
        "updated_at": now,
        # The alumnus's industry when asked, kept for the reports (issue 14).
        "industry_id": mentor.industries[0].id,
    }
    (event,) = db.session.get(ConnectionRequest, req.id).events
    assert (event.from_state, event.to_state, event.actor_id, event.actor_role) == (
        None,
        "submitted",
        student.id,
        "student",
    )
    assert (event.note, event.created_at) == (None, now)
    assert stats_of(db, mentor.user_id) == (0, 0, None, None)


def test_approving_without_a_note_or_an_edit_records_no_note(db, make_request, staff):
    req = make_request(staff=staff)
    message = req.message
    now = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    event = req.approve(by=staff, response_days=3, note="  ", message=f"  {message}  ", now=now)
    db.session.commit()
    row = row_of(db, req.id)
    assert (row["staff_note"], row["original_message"], row["message"]) == (None, None, message)
    assert row["respond_by"] == now + timedelta(days=3)
    assert event.note == "  "


def test_notes_left_out_record_nothing(db, make_request, staff):
    """No note at all (None, as the clock and the API pass) is recorded as no note."""
    edited = make_request(staff=staff)
    event = edited.approve(by=staff, response_days=7, message=EDITED)
    plain = make_request(staff=staff)
    plain.approve(by=staff, response_days=7)
    declined = make_request(state="relayed", staff=staff)
    declined.decline_by_alumnus(by=declined.alumnus)
    db.session.commit()
    assert event.note == "(The message was edited before relaying.)"
    assert row_of(db, edited.id)["staff_note"] is None
    assert row_of(db, plain.id)["staff_note"] is None
    assert row_of(db, declined.id)["alumnus_note"] is None


def test_a_second_edit_keeps_the_students_original_message(db, make_request, staff):
    """The original is the student's words, however many times staff edit before relaying."""
    req = make_request(staff=staff)
    student_words = req.message
    with transaction():
        db.session.get(ConnectionRequest, req.id).original_message = student_words
        db.session.get(ConnectionRequest, req.id).message = "A first edit " * 8
    req = db.session.get(ConnectionRequest, req.id)
    req.approve(by=staff, response_days=7, message=EDITED)
    db.session.commit()
    row = row_of(db, req.id)
    assert (row["original_message"], row["message"]) == (student_words, EDITED)


def test_accepting_an_introduction_without_a_note(db, make_request):
    req = make_request(state="relayed")
    event = req.accept(by=req.alumnus, note="   ")
    db.session.commit()
    assert row_of(db, req.id)["alumnus_note"] is None
    assert event.note == "   "


def test_accepting_a_shadowing_day_without_a_note(db, make_request):
    req = make_request(state="relayed", kind="shadowing")
    day = req.proposed_date_values[1]
    event = req.accept(by=req.alumnus, scheduled_date=day)
    db.session.commit()
    assert row_of(db, req.id)["alumnus_note"] is None
    assert event.note == f"Shadowing day on {day.day} {day:%B %Y}."


def test_a_cancelled_day_counts_each_calendar_message(db, make_request):
    req = make_request(state="scheduled", kind="shadowing")
    with transaction():
        db.session.get(ConnectionRequest, req.id).ics_sequence = 4
    req = db.session.get(ConnectionRequest, req.id)
    req.cancel(by=req.student, role="student", reason="Ill.")
    db.session.commit()
    assert row_of(db, req.id)["ics_sequence"] == 5


# --- waiting_since and is_overdue around their boundaries ----------------------------------


def test_waiting_since_is_the_relay_time_only_while_relayed(db, make_request):
    req = make_request(state="relayed")
    relayed = req.relayed_at
    later = relayed + timedelta(days=2)
    req.remind(now=later)
    db.session.commit()
    req = db.session.get(ConnectionRequest, req.id)
    assert req.waiting_since() == relayed  # a reminder does not restart the wait
    req.expire(now=later + timedelta(days=2))
    db.session.commit()
    req = db.session.get(ConnectionRequest, req.id)
    assert req.waiting_since() == later + timedelta(days=2)


def test_waiting_since_without_history_is_the_creation_time():
    created = datetime(2030, 1, 2, 3, 4, 5)
    assert ConnectionRequest(state="submitted", created_at=created).waiting_since() == created
    relayed_without_time = ConnectionRequest(state="relayed", created_at=created)
    assert relayed_without_time.waiting_since() == created


def test_is_overdue_needs_the_relayed_state_and_a_deadline():
    deadline = datetime(2030, 1, 2, 3, 4, 5)
    for state in machine.RequestState:
        req = ConnectionRequest(state=state.value, respond_by=deadline)
        assert req.is_overdue(deadline) is (state.value == "relayed")
        assert req.is_overdue(deadline - TICK) is False
    assert ConnectionRequest(state="relayed", respond_by=None).is_overdue(deadline) is False


def test_is_overdue_reads_the_clock_when_not_told(db, make_request):
    req = make_request(state="relayed")
    assert req.is_overdue() is False
    with transaction():
        db.session.get(ConnectionRequest, req.id).respond_by = utcnow() - TICK
    assert db.session.get(ConnectionRequest, req.id).is_overdue() is True


# --- the machine's own refusals ----------------------------------------------------------


def test_a_move_the_table_has_only_for_the_other_kind_is_refused_in_words(
    db, make_request, monkeypatch
):
    from careerlink.connections import models

    req = make_request(state="relayed")
    real = models.transition_for
    monkeypatch.setattr(
        models,
        "transition_for",
        lambda action, kind: None if action == "accept" else real(action, kind),
    )
    with pytest.raises(
        InvalidTransition,
        match=r"^This request cannot be accepted\. "
        r"That is not possible for this kind of request \(Introduction\)\.$",
    ):
        req.accept(by=req.alumnus)


def test_apply_flushes_a_new_request_before_its_update(db, make_request):
    """A request built in this unit of work (no id yet) is flushed before the UPDATE."""
    req = make_request(state="relayed")
    copy = ConnectionRequest(
        kind="introduction",
        state="relayed",
        student_id=req.alumnus_id,
        alumnus_id=req.student_id,
        message="A copy.",
        proposed_dates=[],
        conduct_acknowledged_at=utcnow(),
        relayed_at=utcnow(),
    )
    db.session.add(copy)
    assert copy.id is None
    event = copy.expire(now=utcnow())
    assert copy.id is not None and event.request_id == copy.id
    db.session.commit()
    assert row_of(db, copy.id)["state"] == "expired"


def test_a_move_whose_role_is_not_given_needs_a_single_role_in_the_table(db, make_request):
    req = make_request(state="scheduled", kind="shadowing")
    with pytest.raises(ValueError, match="say which role makes the move 'cancel'"):
        req.apply("cancel", by=req.student)
    db.session.rollback()


def test_history_events_name_their_state(db, make_request):
    req = make_request(state="introduced")
    assert [e.to_label for e in req.events] == [
        "Waiting for the career office",
        "Waiting for the alumnus",
        "Introduced",
    ]


def test_dates_of_the_proposal_read_back_as_dates(db, make_request):
    req = make_request(kind="shadowing")
    assert all(isinstance(d, date) for d in req.proposed_date_values)
    assert [d.isoformat() for d in req.proposed_date_values] == req.proposed_dates


def test_a_note_given_at_submission_is_in_the_first_history_row(db, student, make_mentor):
    mentor = make_mentor()
    req = ConnectionRequest.submit(
        by=student,
        kind="introduction",
        alumnus_id=mentor.user_id,
        note="Asked at the careers fair.",
        message="m" * 100,
        conduct_acknowledged_at=utcnow(),
    )
    db.session.commit()
    (event,) = db.session.get(ConnectionRequest, req.id).events
    assert event.note == "Asked at the careers fair."


def test_the_loser_of_a_race_is_told_where_the_request_is_now(db, make_request, staff):
    req = make_request(staff=staff)
    assert req.state == "submitted"
    db.session.execute(  # another process approves meanwhile; this copy does not see it
        ConnectionRequest.__table__.update()
        .where(ConnectionRequest.__table__.c.id == req.id)
        .values(state="relayed")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(InvalidTransition) as refused:
        req.approve(by=staff, response_days=7)
    assert refused.value.message == (
        "Someone else changed this request a moment ago; its state is now: Waiting for the alumnus."
    )


def test_a_role_the_table_does_not_allow_is_named_in_the_refusal(db, make_request):
    from careerlink.errors import NotAllowed

    req = make_request(state="scheduled", kind="shadowing")
    with pytest.raises(NotAllowed) as refused:
        req.cancel(by=req.alumnus, role="system", reason="The clock cannot cancel.")
    assert refused.value.message == (
        "This request cannot be cancelled. Not as: CareerLink (automatic)."
    )
