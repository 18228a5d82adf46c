"""The staff queue's body cache: served again only while nothing it shows can have changed.

Every change the queue shows (a request made, moved or given another deadline, a person's name,
a deleted account, an alumnus's load) shows on the next GET; so does the clock (a day more of
waiting, a deadline passing, a request reaching the minimum wait) without any change of data.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import other_app, sign_in_session
from sqlalchemy import update
from support.auth import unsigned

from careerlink.accounts.models import User
from careerlink.connections import queue_cache, queue_version, services
from careerlink.connections import views as connection_views
from careerlink.connections.models import ConnectionRequest
from careerlink.extensions import db as _db
from careerlink.mentors.facet_cache import facet_cache
from careerlink.mentors.models import MentorProfile
from careerlink.models import utcnow
from careerlink.permissions import Role

QUEUE = "/staff/requests"


@pytest.fixture
def rendered(monkeypatch):
    """How many times the body was rendered (not served from the cache)."""
    calls: list[str] = []
    real = connection_views._queue_body

    def spy(*args, **kw):
        calls.append("body")
        return real(*args, **kw)

    monkeypatch.setattr(connection_views, "_queue_body", spy)
    return calls


@pytest.fixture
def queue(client, staff, sign_in):
    """queue(url=QUEUE, **get_kwargs) -> the page's HTML, as the signed-in staff member (signed
    in again at each visit: a test that moves the clock by days outlives a session)."""

    def get(url: str = QUEUE, **kw) -> str:
        sign_in(staff)
        response = client.get(url, **kw)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


def row(html: str, request_id: int) -> str | None:
    """The text of the request's row, cells separated by " | " (None: not listed)."""
    match = re.search(rf'<tr>\s*<td><input[^>]*value="{request_id}"[^>]*>(.*?)</tr>', html, re.S)
    if match is None:
        return None
    cells = re.findall(r"<td>(.*?)</td>", match.group(1), re.S)
    return " | ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells)


def pills(html: str) -> list[str]:
    nav = html.split('<ul class="pill-list">', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", nav)]


def test_the_same_page_is_rendered_once_while_nothing_changes(queue, make_request, rendered):
    req = make_request()
    first, second = queue(), queue()
    assert unsigned(second) == unsigned(first)
    assert row(second, req.id).startswith(f"#{req.id} | ")
    assert rendered == ["body"]
    queue(f"{QUEUE}?state=")  # another query string is another body
    assert rendered == ["body", "body"]


def test_a_new_request_shows_on_the_next_request(queue, make_request, rendered):
    first = make_request()
    assert row(queue(), first.id) is not None
    second = make_request()
    html = queue()
    assert (row(html, first.id) is not None, row(html, second.id) is not None) == (True, True)
    assert pills(html)[0] == "Waiting for review (2)"
    assert rendered == ["body", "body"]


def test_a_moved_request_shows_on_the_next_request(db, queue, staff, make_request):
    req = make_request()
    assert pills(queue())[:3] == [
        "Waiting for review (1)",
        "With the student (0)",
        "Waiting on alumni (0)",
    ]
    services.approve_request(req, staff)
    db.session.commit()
    html = queue()
    assert row(html, req.id) is None
    assert pills(html)[:3] == [
        "Waiting for review (0)",
        "With the student (0)",
        "Waiting on alumni (1)",
    ]
    assert row(queue(f"{QUEUE}?state=relayed"), req.id).split(" | ")[4] == "Waiting for the alumnus"


def test_a_new_deadline_shows_on_the_next_request(db, queue, make_request):
    req = make_request(state="relayed")
    assert "overdue" not in row(queue(f"{QUEUE}?state=relayed"), req.id)
    # A bulk UPDATE, as a migration or a script would write it: no flush sees it.
    db.session.execute(
        update(ConnectionRequest)
        .where(ConnectionRequest.id == req.id)
        .values(respond_by=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    html = queue(f"{QUEUE}?state=relayed")
    assert row(html, req.id).split(" | ")[4] == "Waiting for the alumnus overdue"
    assert pills(html)[3] == "Overdue (1)"


@pytest.mark.parametrize("side", ["student", "alumnus"])
def test_a_new_name_shows_on_the_next_request(db, queue, make_request, side):
    req = make_request()
    column = {"student": 1, "alumnus": 2}[side]
    assert row(queue(), req.id).split(" | ")[column] == getattr(req, side).display_name
    getattr(req, side).display_name = "Renamed Person"
    db.session.commit()
    assert row(queue(), req.id).split(" | ")[column].startswith("Renamed Person")


def test_a_deleted_account_shows_on_the_next_request(db, queue, staff, make_request):
    from careerlink.accounts.privacy import delete_account

    req = make_request(state="relayed")
    assert row(queue(f"{QUEUE}?state="), req.id).split(" | ")[1] == req.student.display_name
    delete_account(staff, req.student)
    db.session.commit()
    assert row(queue(f"{QUEUE}?state="), req.id).split(" | ")[1] == "Deleted account"


def test_a_new_industry_and_an_alumnus_s_new_industry_show_on_the_next_request(
    db, queue, make_request
):
    from careerlink.mentors.models import Industry

    req = make_request()
    assert 'value="zoology"' not in queue()
    db.session.add(Industry(slug="zoology", name="Zoology"))
    db.session.commit()
    assert '<option value="zoology">Zoology</option>' in queue()
    assert row(queue(f"{QUEUE}?industry=zoology"), req.id) is None
    req.mentor_profile.industries = [
        db.session.scalar(db.select(Industry).filter_by(slug="zoology"))
    ]
    db.session.commit()
    assert row(queue(f"{QUEUE}?industry=zoology"), req.id) is not None


def _set_profile(db, req, core: bool, **values):
    if core:  # a bulk UPDATE (an import's): no flush sees it
        db.session.execute(
            update(MentorProfile).where(MentorProfile.user_id == req.alumnus_id).values(**values)
        )
    else:
        for name, value in values.items():
            setattr(req.mentor_profile, name, value)
    db.session.commit()


@pytest.mark.parametrize("core", [False, True], ids=["orm", "bulk"])
def test_an_alumnus_s_load_shows_on_the_next_request(db, queue, make_request, core):
    req = make_request()
    load = lambda: row(queue(), req.id).split(" | ")[6:]  # noqa: E731
    assert load() == ["0 waiting · 1 of 5 this month", "no history yet"]  # this one
    _set_profile(db, req, core, monthly_capacity=7)
    assert load() == ["0 waiting · 1 of 7 this month", "no history yet"]
    _set_profile(db, req, core, month_start=utcnow().date().replace(day=1), month_request_count=3)
    assert load() == ["0 waiting · 3 of 7 this month", "no history yet"]
    _set_profile(db, req, core, response_rate=0.5)
    assert load() == ["0 waiting · 3 of 7 this month", "50% answered"]
    _set_profile(db, req, core, accepting_requests=False)
    assert row(queue(), req.id).split(" | ")[2].endswith(" paused")


def test_another_request_relayed_to_the_alumnus_shows_in_its_load(
    db, queue, staff, make_request, make_user
):
    req = make_request()
    other = make_request(student=make_user(Role.STUDENT), mentor=req.mentor_profile)
    assert row(queue(), req.id).split(" | ")[6].startswith("0 waiting · ")
    services.approve_request(other, staff)
    db.session.commit()
    # Relaying counts against the month too.
    assert row(queue(), req.id).split(" | ")[6].startswith("1 waiting · ")


# --- the clock ----------------------------------------------------------------------------------


MID_MONTH = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


@time_machine.travel(MID_MONTH, tick=False)
def test_a_day_more_of_waiting_shows_without_any_change(queue, make_request, rendered):
    start = utcnow()
    req = make_request()
    assert row(queue(), req.id).split(" | ")[5] == "today"
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert row(queue(), req.id).split(" | ")[5] == "today"
    assert rendered == ["body"]  # still true: served again
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        assert row(queue(), req.id).split(" | ")[5] == "1 day"
    assert rendered == ["body", "body"]


@time_machine.travel(MID_MONTH, tick=False)
def test_a_new_month_shows_without_any_change(queue, make_request, rendered):
    req = make_request()
    assert row(queue(), req.id).split(" | ")[6] == "0 waiting · 1 of 5 this month"
    with time_machine.travel(datetime(2026, 11, 30, 23, 59, tzinfo=UTC), tick=False):
        assert row(queue(), req.id).split(" | ")[6] == "0 waiting · 1 of 5 this month"
    with time_machine.travel(datetime(2026, 12, 1, 0, 1, tzinfo=UTC), tick=False):
        assert row(queue(), req.id).split(" | ")[6] == "0 waiting · 0 of 5 this month"
    # Rendered again for the days of waiting (20 days, then 21 days) and the month.
    assert rendered == ["body", "body", "body"]


def test_a_passing_deadline_shows_without_any_change(queue, make_request, rendered):
    req = make_request(state="relayed")
    html = queue(f"{QUEUE}?state=relayed")
    assert (row(html, req.id).split(" | ")[4], pills(html)[3]) == (
        "Waiting for the alumnus",
        "Overdue (0)",
    )
    assert row(queue(f"{QUEUE}?state=overdue"), req.id) is None
    with time_machine.travel(req.respond_by + timedelta(minutes=1), tick=False):
        html = queue(f"{QUEUE}?state=relayed")
        assert (row(html, req.id).split(" | ")[4], pills(html)[3]) == (
            "Waiting for the alumnus overdue",
            "Overdue (1)",
        )
        assert row(queue(f"{QUEUE}?state=overdue"), req.id) is not None


def test_a_passing_deadline_shows_on_a_page_without_that_request(db, queue, make_request, rendered):
    """The review list (empty here) counts the overdue in its state links: the deadline alone
    ends its cached body, with no row of its own to change."""
    req = make_request(state="relayed")
    deadline = req.relayed_at + timedelta(days=2, hours=5)
    db.session.execute(
        update(ConnectionRequest).where(ConnectionRequest.id == req.id).values(respond_by=deadline)
    )
    db.session.commit()
    with time_machine.travel(deadline - timedelta(hours=1), tick=False):
        assert pills(queue())[3] == "Overdue (0)"
        assert "No requests match these filters." in queue()
    assert rendered == ["body"]
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        assert pills(queue())[3] == "Overdue (1)"
    assert rendered == ["body", "body"]


def test_a_request_reaching_the_minimum_wait_shows_without_any_change(
    queue, make_request, rendered
):
    start = utcnow()
    req = make_request()
    assert row(queue(f"{QUEUE}?min_days=2"), req.id) is None
    with time_machine.travel(start + timedelta(days=1, hours=12), tick=False):
        assert row(queue(f"{QUEUE}?min_days=2"), req.id) is None
    with time_machine.travel(start + timedelta(days=2, minutes=1), tick=False):
        assert row(queue(f"{QUEUE}?min_days=2"), req.id) is not None


# --- what a body is kept for --------------------------------------------------------------------


def test_languages_zones_and_prefixes_do_not_share_a_body(db, queue, staff, make_request, rendered):
    req = make_request()
    english = queue()
    french = queue(headers={"Accept-Language": "fr"})
    assert "<h1>Requests</h1>" in english and "<h1>Demandes</h1>" in french
    prefixed = queue(base_url="http://localhost/careers")
    assert f'<a href="/careers/staff/requests/{req.id}">' in prefixed
    assert f'<a href="/staff/requests/{req.id}">' in queue()  # the root's, served again
    staff.time_zone = "America/Toronto"
    db.session.commit()
    queue()
    assert rendered == ["body"] * 4


def test_each_staff_member_gets_their_own_token(
    app, db, client, staff, make_user, make_request, rendered, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    make_request()
    other = make_user(Role.STAFF, name="Other Staff")
    second_client = app.test_client()
    sign_in_session(client, staff)
    sign_in_session(second_client, other)
    tokens = []
    for browser in (client, second_client, client):
        html = browser.get(QUEUE).get_data(as_text=True)
        form = html.split('action="/staff/requests/bulk">', 1)[1]
        tokens.append(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1])
    assert rendered == ["body"]
    # A token is the session's secret signed with the time in seconds: compare the
    # secrets, since two requests may fall on either side of a second.
    secrets = [token.split(".", 1)[0] for token in tokens]
    assert secrets[0] != secrets[1]
    assert secrets[2] == secrets[0]


def test_the_token_is_what_the_bulk_form_renders(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context(QUEUE):
        from careerlink.connections.forms import BulkForm

        assert connection_views.bulk_hidden_fields() == BulkForm().hidden_tag()
        assert "csrf_token" in connection_views.bulk_hidden_fields()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    with app.test_request_context(QUEUE):
        assert connection_views.bulk_hidden_fields() == BulkForm().hidden_tag() == ""


def test_switched_off_renders_every_time(db, database, tmp_path, staff, make_request, rendered):
    req = make_request()
    db.session.commit()
    with other_app(database, tmp_path, CAREERLINK_DIRECTORY_CACHE_SIZE=0) as uncached:
        browser = uncached.test_client()
        sign_in_session(browser, staff)
        pages = [browser.get(QUEUE).get_data(as_text=True) for _ in range(2)]
    assert row(pages[0], req.id) == row(pages[1], req.id) != None  # noqa: E711
    assert rendered == ["body", "body"]


def test_an_unreachable_cache_renders_the_page(queue, make_request, caplog, broken_cache):
    req = make_request()
    with caplog.at_level(logging.WARNING, logger="careerlink.mentors.facet_cache"):
        html = queue()
    assert row(html, req.id) is not None
    assert "staff queue cache unavailable; rendering the page" in caplog.text
    assert "staff queue cache unavailable; page not stored" in caplog.text


def test_a_damaged_entry_is_rendered_again(app, queue, make_request, rendered):
    req_id = make_request().id
    with app.test_request_context(QUEUE):
        key = queue_cache.key_for()
        facet_cache().set(key, (utcnow().timestamp() + 3600, b"not zlib"))
    assert row(queue(), req_id) is not None
    assert rendered == ["body"]


def test_nothing_is_kept_from_inside_an_uncommitted_change(app, db, make_request):
    req = make_request()
    db.session.commit()
    with app.test_request_context(QUEUE):
        assert queue_cache.key_for() is not None
        # A bulk UPDATE (no flush), then an object's change: each is this transaction's own.
        _db.session.execute(
            update(ConnectionRequest).where(ConnectionRequest.id == req.id).values(kind="shadowing")
        )
        assert queue_version.has_uncommitted_changes(_db.session)
        assert queue_cache.key_for() is None
        _db.session.rollback()
        assert queue_cache.key_for() is not None
        _db.session.get(User, req.student_id).display_name = "Not Yet"
        _db.session.flush()
        assert queue_cache.key_for() is None
        _db.session.rollback()
        # A change the queue does not show (a sign-in time) keeps it.
        _db.session.get(User, req.student_id).last_sign_in_at = utcnow()
        _db.session.flush()
        assert queue_cache.key_for() is not None
        _db.session.rollback()
        _db.session.remove()


def test_a_rolled_back_change_leaves_a_version_that_never_comes_back(db, make_request):
    make_request()
    db.session.commit()
    before = queue_version.queue_version()
    seen = set()
    for _ in range(5):
        db.session.execute(update(ConnectionRequest).values(kind="shadowing"))
        seen.add(queue_version.queue_version())
        db.session.rollback()
    assert queue_version.queue_version() == before
    assert before not in seen and len(seen) == 5
