"""Every legal and illegal transition of the request state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careerlink.connections import machine, services
from careerlink.connections.models import RequestEvent, RequestState
from careerlink.errors import InvalidTransition, NotAllowed
from careerlink.permissions import Role

ALL = [s.value for s in RequestState]

# action name -> (states it may start from, state it ends in, kind)
ACTIONS = {
    "approve": ({"submitted"}, "relayed", "introduction"),
    "ask_for_info": ({"submitted"}, "needs_info", "introduction"),
    "resubmit": ({"needs_info"}, "submitted", "introduction"),
    "decline_by_staff": ({"submitted", "needs_info"}, "declined_by_staff", "introduction"),
    "accept": ({"relayed"}, "introduced", "introduction"),
    "accept_day": ({"relayed"}, "scheduled", "shadowing"),
    "decline_by_alumnus": ({"relayed"}, "declined_by_alumnus", "introduction"),
    "remind": ({"relayed"}, "relayed", "introduction"),
    "accept_interview": ({"relayed"}, "scheduled", "informational_interview"),
    "propose_slot": ({"relayed"}, "slot_proposed", "informational_interview"),
    "confirm_slot": ({"slot_proposed"}, "scheduled", "informational_interview"),
    "reschedule": ({"scheduled"}, "scheduled", "informational_interview"),
    "accept_review": ({"relayed"}, "reviewed", "resume_review"),
    "accept_referral": ({"relayed"}, "referral_accepted", "referral"),
    "confirm_referral": ({"referral_accepted"}, "referred", "referral"),
    "withdraw": (
        {"submitted", "needs_info", "relayed", "slot_proposed"},
        "withdrawn",
        "introduction",
    ),
    "expire": ({"relayed", "slot_proposed"}, "expired", "introduction"),
    "ask_other_time": ({"scheduled"}, "scheduled", "informational_interview"),
    "cancel": ({"scheduled"}, "cancelled", "shadowing"),
    "complete": ({"introduced", "scheduled", "reviewed", "referred"}, "completed", "introduction"),
    "close_alumnus_left": ({"submitted", "needs_info"}, "alumnus_left", "introduction"),
}
# A request in these states is of one kind only (scheduled: a shadowing day, unless the action
# is the interview's own).
STATE_KIND = {
    "scheduled": "shadowing",
    "cancelled": "shadowing",
    "introduced": "introduction",
    "slot_proposed": "informational_interview",
    "reviewed": "resume_review",
    "referral_accepted": "referral",
    "referred": "referral",
}


def kind_for(action: str, start: str) -> str:
    """The kind of request to start from: the action's, unless the state needs another."""
    kind = ACTIONS[action][2]
    if start == "scheduled" and kind == "informational_interview":
        return kind
    return STATE_KIND.get(start, kind)


def act(req, action: str, staff):
    """Call the model method for an action."""
    if action == "approve":
        return req.approve(by=staff, note="Thanks", response_days=7)
    if action == "ask_for_info":
        return req.ask_for_info(by=staff, question="More?")
    if action == "resubmit":
        return req.resubmit(by=req.student)
    if action == "decline_by_staff":
        return req.decline_by_staff(by=staff, reason="No")
    if action in ("accept", "accept_day", "accept_review", "accept_referral"):
        day = req.proposed_date_values[0] if req.is_shadowing else None
        return req.accept(by=req.alumnus, scheduled_date=day)
    if action == "accept_interview":
        slot = req.slots[0] if req.is_interview else None
        start = {"scheduled_start": slot.start, "scheduled_minutes": slot.minutes} if slot else {}
        return req.accept(by=req.alumnus, **start)
    later = datetime.now(UTC) + timedelta(days=20)
    if action == "propose_slot":
        return req.propose_slot(by=req.alumnus, start=later, minutes=30, note=None)
    if action == "confirm_slot":
        return req.confirm_slot(by=req.student, scheduled_date=later.date())
    if action == "reschedule":
        return req.reschedule(by=req.alumnus, start=later, minutes=30, scheduled_date=later.date())
    if action == "ask_other_time":
        from careerlink.connections.slots import Slot

        return req.ask_other_time(by=req.student, slot=Slot(later, 30))
    if action == "confirm_referral":
        return req.confirm_referral(by=req.alumnus)
    if action == "decline_by_alumnus":
        return req.decline_by_alumnus(by=req.alumnus)
    if action == "withdraw":
        return req.withdraw(by=req.student)
    if action == "remind":
        return req.remind()
    if action == "expire":
        return req.expire()
    if action == "cancel":
        return req.cancel(by=req.alumnus, role="alumnus", reason="Ill")
    if action == "complete":
        return req.complete()
    if action == "close_alumnus_left":
        return req.close_alumnus_left(note="The alumnus left.")
    raise ValueError(action)


LEGAL = [
    (action, start, kind_for(action, start))
    for action, (starts, _end, _kind) in ACTIONS.items()
    for start in sorted(starts)
]
ILLEGAL = [
    (action, start)
    for action, (starts, _end, _kind) in ACTIONS.items()
    for start in ALL
    if start not in starts
]


@pytest.mark.parametrize(("action", "start", "kind"), LEGAL)
def test_legal_transition(db, make_request, make_user, action, start, kind):
    staff = make_user(Role.STAFF)
    req = make_request(state=start, kind=kind, staff=staff)
    before = len(req.events)
    event = act(req, action, staff)
    db.session.commit()
    db.session.expire_all()
    assert req.state == ACTIONS[action][1]
    assert len(req.events) == before + 1
    assert (event.from_state, event.to_state) == (start, ACTIONS[action][1])
    assert event.created_at is not None


@pytest.mark.parametrize(("action", "start"), ILLEGAL)
def test_illegal_transition_changes_nothing(db, make_request, make_user, outbox, action, start):
    staff = make_user(Role.STAFF)
    req = make_request(state=start, kind=kind_for(action, start), staff=staff)
    db.session.expire_all()
    events = db.session.scalar(
        db.select(db.func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.request_id == req.id)
    )
    mails = len(outbox())
    with pytest.raises(InvalidTransition):
        act(req, action, staff)
    db.session.rollback()
    db.session.expire_all()
    assert req.state == start
    assert len(req.events) == events
    assert len(outbox()) == mails


def test_history_records_actor_role_and_note(db, make_request, make_user):
    staff = make_user(Role.STAFF, name="Reviewer")
    req = make_request(staff=staff)
    services.approve_request(req, staff, note="Lovely request")
    db.session.commit()
    db.session.expire_all()
    first, second = req.events
    assert (first.from_state, first.to_state, first.actor_role) == (None, "submitted", "student")
    assert (second.to_state, second.actor_role, second.note) == (
        "relayed",
        "staff",
        "Lovely request",
    )
    assert second.actor.display_name == "Reviewer"
    assert req.reviewed_by_id == staff.id and req.relayed_at is not None
    assert req.respond_by - req.relayed_at == timedelta(days=7)


def test_a_stale_object_loses_the_race_without_writing(db, make_request, make_user, outbox):
    """The conditional UPDATE refuses a move from a state the row has already left."""
    staff = make_user(Role.STAFF)
    req = make_request(staff=staff)
    # Someone else approved meanwhile (a raw UPDATE, as from another process).
    db.session.execute(
        db.update(type(req))
        .where(type(req).id == req.id)
        .values(state="relayed")
        .execution_options(synchronize_session=False)
    )
    # This object still believes it is submitted.
    assert req.state == "submitted"
    with pytest.raises(InvalidTransition, match="Someone else"):
        services.approve_request(req, staff)
    assert outbox("request_relayed") == []


def test_every_action_of_the_machine_is_exercised_here():
    """The literal ACTIONS above cover every action of the machine's table but submit."""
    actions = {t.action for t in machine.TRANSITIONS} - {"submit"}
    accepts = {"accept_day", "accept_interview", "accept_review", "accept_referral"}
    assert actions == {a if a not in accepts else "accept" for a in ACTIONS}


def test_a_reminder_goes_through_the_machine_once(db, make_request):
    req = make_request(state="relayed")
    event = req.remind()
    db.session.commit()
    assert (event.from_state, event.to_state, event.actor_role) == ("relayed", "relayed", "system")
    assert event.note == "Reminder sent to the alumnus."
    assert req.reminded_at == event.created_at
    with pytest.raises(InvalidTransition, match="already reminded"):
        req.remind()
    db.session.rollback()
    db.session.expire_all()
    assert [e.to_state for e in req.events] == ["submitted", "relayed", "relayed"]


def test_a_stale_object_cannot_remind_twice(db, make_request):
    """The UPDATE's guard (reminded_at IS NULL) stops a second reminder the object missed."""
    req = make_request(state="relayed")
    db.session.execute(
        db.update(type(req))
        .where(type(req).id == req.id)
        .values(reminded_at=req.relayed_at)
        .execution_options(synchronize_session=False)
    )
    assert req.reminded_at is None  # this object has not seen the other tick's reminder
    with pytest.raises(InvalidTransition, match="Someone else"):
        req.remind()


def test_the_table_decides_who_may_make_a_move(db, make_request, make_user):
    req = make_request(kind="shadowing", state="scheduled")
    with pytest.raises(NotAllowed):
        req.cancel(by=req.alumnus, role="system", reason="The clock cannot cancel.")
    db.session.rollback()
    db.session.expire_all()
    assert req.state == "scheduled"


def test_submit_writes_the_first_history_row(db, make_request):
    req = make_request()
    (first,) = req.events
    assert (first.from_state, first.to_state, first.actor_role, first.actor_id) == (
        None,
        "submitted",
        "student",
        req.student_id,
    )
    assert first.created_at == req.created_at
