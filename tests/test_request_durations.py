"""Each request's review and answer durations (what the speed report reads) always equal a
fresh computation from its times: through the state machine, changes behind the
application's back, account deletion, the retention purge and any sequence of changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from support.properties import database_property
from test_request_counts import _step, cast  # noqa: F401  (the property's fixture and steps)

from careerlink.connections import durations
from careerlink.connections.models import ConnectionRequest, RequestEvent
from careerlink.database import transaction
from careerlink.extensions import db as _db

R = ConnectionRequest
COLUMNS = (
    R.id,
    R.review_minute,
    R.review_seconds,
    R.answer_minute,
    R.answer_seconds,
    R.relay_answer,
    R.review_month,  # kept for the previous release (UTC, YYYYMM)
    R.answer_month,
)


def kept() -> list[tuple]:
    """Every request's durations as the triggers left them."""
    _db.session.expire_all()
    return [tuple(row) for row in _db.session.execute(select(*COLUMNS).order_by(R.id))]


def recomputed() -> list[tuple]:
    """Every request's durations as a fresh computation gives them (the rebuild, rolled back)."""
    connection = _db.session.connection()
    nested = connection.begin_nested()
    try:
        durations.rebuild(connection)
        return kept()
    finally:
        nested.rollback()


def retime(req, **times) -> None:
    """Set a request's times behind the application's back."""
    with transaction():
        _db.session.execute(update(R).where(R.id == req.id).values(**times))


def minute(moment: datetime) -> int:
    """Whole minutes since 1970 (UTC) of a time: what the triggers store."""
    return int(moment.timestamp()) // 60


def durations_of(req) -> tuple:
    """(review minute, review seconds, answer minute, answer seconds) of one request."""
    [row] = [r for r in kept() if r[0] == req.id]
    return row[1:5]


def test_a_new_request_has_no_durations_until_reviewed_and_answered(make_request):
    req = make_request(state="submitted")
    assert durations_of(req) == (None, None, None, None)
    made = datetime(2026, 3, 31, 22, tzinfo=UTC)
    retime(req, created_at=made, reviewed_at=made + timedelta(hours=3), relayed_at=None)
    # Reviewed at 01:00 on 1 April (UTC), three hours after it was made.
    april = minute(datetime(2026, 4, 1, 1, tzinfo=UTC))
    assert durations_of(req) == (april, 3 * 3600, None, None)
    retime(
        req,
        relayed_at=made + timedelta(hours=3),
        answered_at=made + timedelta(hours=3, minutes=30, seconds=0.6),
    )
    # Answered at 01:30:00.6: still the minute 01:30.
    assert durations_of(req) == (april, 3 * 3600, april + 30, 1801)
    assert kept() == recomputed()


def test_the_state_machine_s_moves_set_the_durations(make_request):
    req = make_request(state="completed")
    review_minute, review_seconds, answer_minute, answer_seconds = durations_of(req)
    _db.session.refresh(req)
    assert review_minute == minute(req.reviewed_at)
    assert answer_minute == minute(req.answered_at)
    assert (review_seconds, answer_seconds) == (
        round((req.reviewed_at - req.created_at).total_seconds()),
        round((req.answered_at - req.relayed_at).total_seconds()),
    )
    assert kept() == recomputed()


def test_a_negative_duration_is_zero_and_a_direct_write_is_corrected(make_request):
    req = make_request(state="relayed")
    made = datetime(2026, 5, 10, 12, tzinfo=UTC)
    retime(req, created_at=made, reviewed_at=made - timedelta(seconds=5))
    assert durations_of(req)[:2] == (minute(made) - 1, 0)  # 11:59:55
    retime(req, review_seconds=999, answer_minute=190001)
    assert durations_of(req)[:3] == (minute(made) - 1, 0, None)
    assert kept() == recomputed()


def test_account_deletion_and_the_retention_purge_keep_the_durations(make_request, student, staff):
    from careerlink.accounts.privacy import delete_account, purge_closed_messages

    make_request(student=student, state="relayed")
    make_request(student=student, state="completed")
    make_request(state="declined_by_alumnus")
    with transaction():
        delete_account(staff, student)
    assert kept() == recomputed()
    with transaction():
        purge_closed_messages(months=1, now=datetime(2100, 1, 1, tzinfo=UTC))
    assert kept() == recomputed()
    assert sum(1 for row in kept() if row[2] is not None) == 3


def test_the_rebuild_recomputes_durations_made_wrong(app, make_request):
    make_request(state="completed")
    expected = kept()
    with transaction():  # wrong values behind the triggers' back (as a bulk load leaves them)
        durations.drop_triggers(_db.session.connection())
        _db.session.execute(update(R).values(review_seconds=None, answer_minute=1))
        durations.create_triggers(_db.session.connection())
    assert kept() != expected
    result = app.test_cli_runner().invoke(args=["careerlink", "reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "; timed 1 reviewed requests; 0 requests have outcomes or feedback."
    )
    assert kept() == expected


TIMES = ["created_at", "reviewed_at", "relayed_at", "answered_at"]
MOMENTS = [
    None,
    datetime(2025, 1, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2025, 2, 1, 0, 0, 0, 400_000, tzinfo=UTC),
    datetime(2025, 3, 15, 8, 30, tzinfo=UTC),
]


@database_property()
@given(data=st.data())
def test_after_any_sequence_of_changes_the_durations_equal_a_recomputation(cast, data):  # noqa: F811
    """Property: transitions, redated requests, times changed directly and deletions."""
    with transaction():
        for model in (RequestEvent, R):
            _db.session.execute(delete(model))
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        requests = list(_db.session.scalars(select(R.id).order_by(R.id)))
        if requests and data.draw(st.booleans(), label="retime"):
            column = data.draw(st.sampled_from(TIMES))
            moment = data.draw(st.sampled_from(MOMENTS[1:] if column == "created_at" else MOMENTS))
            with transaction():
                _db.session.execute(
                    update(R)
                    .where(R.id == data.draw(st.sampled_from(requests)))
                    .values({column: moment})
                )
        else:
            _step(cast, data)
        _db.session.expire_all()
    assert kept() == recomputed()
    assert kept() == from_python()


def from_python() -> list[tuple]:
    """Every request's stamps and durations computed in Python from its times (not the
    triggers' SQL): the minute each ended in, its whole seconds and its UTC month."""
    found = []
    for req in _db.session.scalars(select(R).order_by(R.id)):
        row, months = [req.id], []
        for later, earlier in (
            (req.reviewed_at, req.created_at),
            (req.answered_at, req.relayed_at),
        ):
            if later is None or earlier is None:
                row += [None, None]
                months.append(None)
            else:
                seconds = max(0, round((later - earlier).total_seconds()))
                row += [int(later.timestamp()) // 60, seconds]
                months.append(int(later.astimezone(UTC).strftime("%Y%m")))
        found.append((*row, req.relay_answer, *months))
    return found


def test_the_answer_class_of_each_request(make_request):
    made = {
        state: make_request(state=state)
        for state in ("submitted", "relayed", "declined_by_alumnus", "completed", "expired")
    }
    assert {state: _answer_class(req) for state, req in made.items()} == {
        "submitted": None,
        "relayed": 0,
        "declined_by_alumnus": 1,
        "completed": 1,
        "expired": 2,
    }
    # A proposed time the student let lapse: the alumnus had answered.
    retime(made["expired"], answered_at=datetime(2026, 5, 1, tzinfo=UTC))
    assert _answer_class(made["expired"]) == 1
    assert kept() == recomputed()


def _answer_class(req) -> int | None:
    _db.session.expire_all()
    return _db.session.scalar(select(R.relay_answer).where(R.id == req.id))
