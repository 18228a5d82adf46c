"""Each request's outcome bits and ratings (what the outcomes report reads) always equal a fresh
computation from the outcome and feedback tables: through the services, changes behind the
application's back, deletions, account deletion and any sequence of changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from support.properties import database_property

from careerlink.connections import outcome_marks
from careerlink.connections.models import (
    ConnectionRequest,
    Outcome,
    RequestFeedback,
    RequestOutcome,
)
from careerlink.database import transaction
from careerlink.extensions import db as _db

R = ConnectionRequest
COLUMNS = (R.id, R.outcome_bits, R.student_rating, R.alumnus_rating)


def kept() -> list[tuple]:
    """Every request's marks as the triggers left them."""
    _db.session.expire_all()
    return [tuple(row) for row in _db.session.execute(select(*COLUMNS).order_by(R.id))]


def recomputed() -> list[tuple]:
    """Every request's marks as a fresh computation gives them (the rebuild, rolled back)."""
    connection = _db.session.connection()
    nested = connection.begin_nested()
    try:
        outcome_marks.rebuild(connection)
        return kept()
    finally:
        nested.rollback()


def marks_of(req) -> tuple:
    """(outcome bits, student rating, alumnus rating) of one request."""
    [row] = [r for r in kept() if r[0] == req.id]
    return row[1:]


def test_the_bits_follow_the_outcome_list():
    assert tuple(o.value for o in Outcome) == outcome_marks.KINDS


def test_outcomes_and_feedback_set_the_marks(make_request):
    req = make_request(state="completed")
    assert marks_of(req) == (None, None, None)
    with transaction():
        _db.session.add(RequestOutcome(request_id=req.id, kind="internship"))
        _db.session.add(RequestOutcome(request_id=req.id, kind="job_offer"))
        _db.session.add(RequestFeedback(request_id=req.id, side="alumnus", met=True, usefulness=3))
    assert marks_of(req) == (8 | 16, None, 3)
    with transaction():
        _db.session.add(RequestFeedback(request_id=req.id, side="student", met=True, usefulness=5))
        _db.session.execute(
            update(RequestOutcome)
            .where(RequestOutcome.kind == "job_offer")
            .values(kind="informational_interview")
        )
        _db.session.execute(delete(RequestFeedback).where(RequestFeedback.side == "alumnus"))
    assert marks_of(req) == (8 | 1, 5, None)
    with transaction():
        _db.session.execute(delete(RequestOutcome))
    assert marks_of(req) == (None, 5, None)
    assert kept() == recomputed()


def test_a_row_moved_to_another_request_moves_its_mark(make_request):
    first, second = make_request(state="completed"), make_request(state="completed")
    with transaction():
        _db.session.add(RequestOutcome(request_id=first.id, kind="internship"))
        _db.session.add(
            RequestFeedback(request_id=first.id, side="student", met=True, usefulness=4)
        )
    with transaction():
        _db.session.execute(update(RequestOutcome).values(request_id=second.id))
        _db.session.execute(update(RequestFeedback).values(request_id=second.id))
    assert (marks_of(first), marks_of(second)) == ((None, None, None), (8, 4, None))
    assert kept() == recomputed()


def test_deleting_a_request_or_an_account_keeps_the_marks_exact(make_request, student, staff):
    from careerlink.accounts.privacy import delete_account, purge_closed_messages

    mine = make_request(student=student, state="completed")
    other = make_request(state="completed")
    with transaction():
        for req in (mine, other):
            _db.session.add(RequestOutcome(request_id=req.id, kind="job_interview"))
            _db.session.add(
                RequestFeedback(request_id=req.id, side="student", met=True, usefulness=2)
            )
    with transaction():
        delete_account(staff, student)
    assert kept() == recomputed()
    with transaction():
        purge_closed_messages(months=1, now=datetime(2100, 1, 1, tzinfo=UTC))
    with transaction():
        _db.session.execute(delete(R).where(R.id == other.id))  # its rows go by the cascade
    assert kept() == recomputed()
    assert (
        _db.session.scalar(select(RequestOutcome.id).where(RequestOutcome.request_id == other.id))
        is None
    )


def test_the_rebuild_command_recomputes_marks_made_wrong(app, make_request):
    req = make_request(state="completed")
    with transaction():
        _db.session.add(RequestOutcome(request_id=req.id, kind="internship"))
    expected = kept()
    with transaction():
        _db.session.execute(update(R).values(outcome_bits=None, student_rating=1))
    assert kept() != expected
    result = app.test_cli_runner().invoke(args=["careerlink", "reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("; 1 requests have outcomes or feedback.")
    assert kept() == expected


@database_property()
@given(data=st.data())
def test_after_any_sequence_of_changes_the_marks_equal_a_recomputation(make_request, data):
    """Property: outcomes and feedback added, changed, moved and removed, requests deleted."""
    if not _db.session.scalar(select(R.id)):
        for _ in range(3):
            make_request(state="completed")
    requests = list(_db.session.scalars(select(R.id).order_by(R.id)))
    with transaction():
        _db.session.execute(delete(RequestOutcome))
        _db.session.execute(delete(RequestFeedback))
    assert kept() == recomputed()
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        choice = data.draw(st.sampled_from(["outcome", "feedback", "change", "move", "remove"]))
        request_id = data.draw(st.sampled_from(requests))
        with transaction():
            nested = _db.session.begin_nested()
            try:
                if choice == "outcome":
                    kind = data.draw(st.sampled_from(outcome_marks.KINDS))
                    _db.session.add(RequestOutcome(request_id=request_id, kind=kind))
                elif choice == "feedback":
                    _db.session.add(
                        RequestFeedback(
                            request_id=request_id,
                            side=data.draw(st.sampled_from(["student", "alumnus"])),
                            met=True,
                            usefulness=data.draw(st.integers(1, 5)),
                        )
                    )
                elif choice == "change":
                    _db.session.execute(
                        update(RequestFeedback)
                        .where(RequestFeedback.request_id == request_id)
                        .values(usefulness=data.draw(st.integers(1, 5)))
                    )
                    _db.session.execute(
                        update(RequestOutcome)
                        .where(RequestOutcome.request_id == request_id)
                        .values(kind=data.draw(st.sampled_from(outcome_marks.KINDS)))
                    )
                elif choice == "move":
                    for model in (RequestOutcome, RequestFeedback):
                        _db.session.execute(
                            update(model)
                            .where(model.request_id == request_id)
                            .values(request_id=data.draw(st.sampled_from(requests)))
                        )
                else:
                    model = data.draw(st.sampled_from([RequestOutcome, RequestFeedback]))
                    _db.session.execute(delete(model).where(model.request_id == request_id))
                _db.session.flush()
            except Exception:  # a pair that must stay unique: nothing changed
                nested.rollback()
        assert kept() == recomputed()
