"""Pages whose statements must not grow with what they list (measured in bench/http.py)."""

from __future__ import annotations

from support.auth import unsigned
from support.sql import statements

from careerlink.permissions import Role


def test_the_staff_queue_reads_a_page_in_the_same_statements_whatever_its_length(
    app, db, client, staff, sign_in, make_user, make_mentor, make_request
):
    """Each alumnus's load, each request's history: a few queries for the page, not per row;
    the page served again from the cache reads only its data versions."""
    sign_in(staff)

    def page_with(count: int) -> tuple[int, int, int]:
        for _ in range(count):
            make_request(student=make_user(Role.STUDENT), mentor=make_mentor())
        db.session.commit()
        with statements(db.engine) as sent:
            page = client.get("/staff/requests")
        with statements(db.engine) as sent_again:
            again = client.get("/staff/requests")
        assert page.status_code == again.status_code == 200
        assert unsigned(again.get_data(as_text=True)) == unsigned(page.get_data(as_text=True))
        return len(sent), len(sent_again), page.data.decode().count('name="request_ids"')

    (few, few_again, shown_few), (more, more_again, shown_more) = page_with(2), page_with(6)
    assert (shown_few, shown_more) == (2, 8)
    assert (few, few_again) == (more, more_again)
    # Rendered: the session with its user and roles; the queue's and the directory's data
    # versions (the cache key) in one statement; the four counts of the state links in one
    # statement, whose count of the listed state is also the page's total; the page as rows
    # with its people's names, each request's last event and its alumnus's load (profile
    # columns, relayed requests, last answer); the industries of the filter; the next moment
    # the clock changes the page (a deadline). No objects, and nobody's roles but the
    # visitor's.
    assert few == 6
    # Served from the cache: the session and the data versions.
    assert few_again == 2


def test_the_queues_total_is_the_count_of_its_state_or_counted_when_filtered(
    app, db, client, staff, sign_in, make_user, make_mentor, make_request
):
    """The state links' counts give the page's total; another filter counts its own."""
    sign_in(staff)
    mentor = make_mentor(industry="law")
    for _ in range(3):
        make_request(student=make_user(Role.STUDENT), mentor=mentor)
    make_request(student=make_user(Role.STUDENT), state="needs_info")
    db.session.commit()

    def caption_and_statements(url: str) -> tuple[str, int]:
        with statements(db.engine) as sent:
            page = client.get(url).get_data(as_text=True)
        return page.split("<caption>")[1].split("</caption>")[0], len(sent)

    plain, plain_statements = caption_and_statements("/staff/requests")
    assert plain == "3 requests"
    assert caption_and_statements("/staff/requests?state=needs_info")[0] == "1 request"
    # Filtered by industry: the same page and one count more, of its own.
    by_industry, filtered_statements = caption_and_statements(
        "/staff/requests?state=submitted&industry=law"
    )
    assert by_industry == "3 requests"
    assert filtered_statements == plain_statements + 1


def test_loads_of_several_alumni_match_each_alone(db, make_user, make_mentor, make_request):
    """The page's batch of loads says what the request page says of each alumnus."""
    from careerlink.connections import services

    busy = make_mentor()
    idle = make_mentor()
    make_request(mentor=busy, state="relayed")
    make_request(mentor=busy)
    answered = make_request(mentor=busy, state="introduced")
    no_profile = make_user(Role.ALUMNUS)
    db.session.commit()
    ids = [busy.user_id, idle.user_id, no_profile.id]
    together = services.loads_of(ids)
    assert together == {i: services.load_of(i) for i in ids}
    assert together[busy.user_id].open_relayed == 1
    # The last answer as the column reads it (timezone-aware), through the grouped query.
    assert together[busy.user_id].last_answer_at == answered.answered_at
    assert together[busy.user_id].last_answer_at.tzinfo is not None
    assert together[idle.user_id].last_answer_at is None
    assert together[no_profile.id].capacity is None
    assert services.loads_of([]) == {}


def test_the_queues_rows_say_what_each_request_and_load_say(
    db, make_user, make_mentor, make_request
):
    """The page's rows (no objects) give each request's wait, deadline and alumnus's load as
    the request itself and `load_of` do, in the queue's order."""
    from datetime import timedelta

    from careerlink.connections import services
    from careerlink.connections.models import ConnectionRequest
    from careerlink.database import transaction
    from careerlink.models import utcnow

    busy, paused = make_mentor(), make_mentor()
    made = [
        make_request(mentor=busy, state="relayed"),
        make_request(mentor=busy),
        make_request(mentor=busy, state="introduced"),
        make_request(mentor=busy, state="needs_info"),
        make_request(mentor=paused),
    ]
    with transaction():
        paused.accepting_requests = False
        paused.monthly_capacity = 3
        # An overdue one, and one whose events' times do not follow their ids.
        made[0].respond_by = utcnow() - timedelta(hours=1)
        made[3].events[0].created_at = made[3].events[-1].created_at + timedelta(days=2)
    db.session.commit()
    db.session.expire_all()
    now = utcnow()
    for state in ("", "open", "overdue", "relayed", "submitted"):
        filters = services.QueueFilters(state=state)
        rows = db.session.execute(services.queue_rows_query(filters, now)).all()
        requests = db.session.scalars(services.queue_query(filters, now)).all()
        assert [r.id for r in rows] == [r.id for r in requests]
        for row, req in zip(rows, requests, strict=True):
            assert (row.kind, row.state, row.respond_by) == (req.kind, req.state, req.respond_by)
            assert (row.student_name, row.alumnus_name) == (
                req.student.display_name,
                req.alumnus.display_name,
            )
            assert services.queue_waiting_since(row) == req.waiting_since()
            assert ConnectionRequest.is_overdue(row, now) == req.is_overdue(now)
            assert services.queue_load(row) == services.load_of(req.alumnus_id)
    overdue = db.session.execute(
        services.queue_rows_query(services.QueueFilters(state="overdue"), now)
    ).all()
    assert [r.id for r in overdue] == [made[0].id]
    assert services.queue_load(overdue[0]).open_relayed == 1
    everything = db.session.execute(
        services.queue_rows_query(services.QueueFilters(state=""), now)
    ).all()
    answered = next(r for r in everything if r.id == made[2].id)
    assert services.queue_load(answered).last_answer_at == made[2].answered_at
    assert (
        services.queue_waiting_since(next(r for r in everything if r.id == made[3].id))
        == made[3].events[-1].created_at
    )
    waiting = next(r for r in everything if r.id == made[4].id)
    assert services.queue_load(waiting).accepting is False
    assert services.queue_load(waiting).capacity == 3


def test_the_account_pages_lists_say_what_the_requests_say(
    db, make_user, make_mentor, make_request
):
    """A student's requests newest first with each alumnus's name; those relayed to an
    alumnus newest relay first with each student's name; one still under review is not
    shown to its alumnus."""
    from careerlink.connections import services

    student, mentor = make_user(Role.STUDENT), make_mentor()
    first = make_request(student=student, state="introduced")
    second = make_request(student=student, mentor=mentor, state="relayed")
    other = make_request(mentor=mentor, state="declined_by_alumnus")
    make_request(mentor=mentor)  # under review: not the alumnus's to see yet
    db.session.commit()

    def line(req, name_of):
        return (req.id, req.kind, req.state, req.created_at, req.respond_by, name_of(req))

    asked, received = services.requests_of(student)
    assert received == []
    assert [(r.id, r.kind, r.state, r.created_at, r.respond_by, r.alumnus_name) for r in asked] == [
        line(req, lambda r: r.alumnus.display_name) for req in (second, first)
    ]
    assert asked[0].state_enum.label == second.state_enum.label
    assert asked[0].kind_enum.heading == second.kind_enum.heading
    asked, received = services.requests_of(mentor.user)
    assert asked == []
    assert [
        (r.id, r.kind, r.state, r.created_at, r.respond_by, r.student_name) for r in received
    ] == [
        line(req, lambda r: r.student.display_name)
        for req in sorted((second, other), key=lambda r: (r.relayed_at, r.id), reverse=True)
    ]


def test_the_openings_pages_read_a_page_in_the_same_statements_whatever_its_length(
    app, db, client, staff, sign_in, make_user, make_mentor
):
    """Each opening's industry and poster: one query for the page's, not one per card."""
    from datetime import timedelta

    from careerlink.database import transaction
    from careerlink.mentors.models import today
    from careerlink.openings import services

    industries = ["veterinary", "healthcare", "software", "education", "law", "retail"]

    def pages_with(count: int) -> tuple[int, int]:
        for n in range(count):
            poster = make_mentor(industry=industries[n % len(industries)]).user
            values = {
                "title": f"Opening {n}",
                "organisation": "Riverside Clinic",
                "url": "https://jobs.example.org/1",
                "location": "Riverside",
                "industry": industries[n % len(industries)],
                "closes_on": today() + timedelta(days=30),
            }
            with transaction():
                opening = services.post_opening(poster, values)
                if n % 2 == 0:
                    services.approve_opening(staff, opening)
        db.session.commit()
        sign_in(staff)
        with statements(db.engine) as browse:
            assert client.get("/openings").status_code == 200
        with statements(db.engine) as queue:
            assert client.get("/staff/openings").status_code == 200
        return len(browse), len(queue)

    assert pages_with(2) == pages_with(4)


def test_a_mentors_page_reads_the_profile_its_owner_and_industries_in_two_statements(
    app, client, db, make_user, sign_in
):
    from test_mentors import make_profile

    from careerlink.mentors.industries import ensure_default_industries

    ensure_default_industries(db.session.connection())
    db.session.commit()
    profile = make_profile(
        db, make_user(Role.ALUMNUS, name="Ann Page"), industries=("law", "veterinary")
    )

    url = f"/mentors/{profile.id}"

    def page_statements() -> list[str]:
        with statements(db.engine) as sent:
            page = client.get(url).get_data(as_text=True)
        assert "<h1>Ann Page</h1>" in page
        return sent

    # The profile's version (the page's cache key), then, the body not being cached yet, the
    # profile joined to its owner and its industries: not the owner's roles.
    anonymous = page_statements()
    assert len(anonymous) == 1 + 2
    assert "careerlink_directory_state" in anonymous[0]
    assert not any("careerlink_user_roles" in sql for sql in anonymous)
    # Now cached: the version alone (mentors.profile_page).
    assert len(page_statements()) == 1
    sign_in(make_user(Role.STUDENT))
    # Signed in as a student: the visitor's session with their user and roles first (one
    # statement), the version, and what the ask buttons need: the student's open requests
    # (one statement says whether one is with this alumnus and how many there are against the
    # limit) and the programme's settings (the limit itself).
    assert len(page_statements()) == 1 + 1 + 2


def test_a_mentors_page_with_an_open_request_links_to_it(
    client, db, make_user, make_mentor, make_request, sign_in
):
    """The open request to this alumnus is read by its id, and linked."""
    student = make_user(Role.STUDENT)
    mentor = make_mentor()
    other = make_mentor()
    req = make_request(student=student, mentor=mentor)
    make_request(student=student, mentor=other)
    db.session.commit()
    sign_in(student)
    asked, not_asked = f"/mentors/{mentor.id}", f"/mentors/{make_mentor().id}"
    db.session.commit()
    with statements(db.engine) as sent:
        page = client.get(asked).get_data(as_text=True)
    assert f'href="/requests/{req.id}">Follow your request</a>' in page
    # The session, the page's version, the profile (not cached yet: two statements), the open
    # requests, then that one by its id; the limit (programme settings) is not needed.
    assert len(sent) == 1 + 1 + 2 + 1 + 1
    with statements(db.engine) as sent:
        page = client.get(not_asked).get_data(as_text=True)
    assert "Follow your request" not in page
    assert len(sent) == 1 + 1 + 2 + 2


def test_the_account_page_reads_a_students_requests_in_the_same_statements_whatever_their_number(
    client, db, make_user, make_mentor, make_request, sign_in
):
    """The session with its user and roles, the devices, the ways to sign in (identities), the
    student profile, and the requests asked and received in one statement with their people
    (whose roles are not shown)."""
    student = make_user(Role.STUDENT)
    sign_in(student)

    def account_page() -> tuple[int, int]:
        with statements(db.engine) as sent:
            page = client.get("/account").get_data(as_text=True)
        return len(sent), page.count('href="/requests/')

    none = account_page()
    make_request(student=student)
    db.session.commit()
    one = account_page()
    make_request(student=student, state="relayed")
    make_request(student=student, state="declined_by_staff")
    db.session.commit()
    three = account_page()
    assert (none[1], one[1], three[1]) == (0, 1, 3)
    assert none[0] == one[0] == three[0] == 5
