"""Staff reports: each figure against a fixture whose numbers are known by construction."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from support.auth import unsigned

from careerlink.audit import AuditAction, AuditEntry
from careerlink.connections.models import ConnectionRequest, RequestFeedback, RequestOutcome
from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mentors.models import Industry, MentorProfile, StudentProfile
from careerlink.staff.reports import queries
from careerlink.staff.reports.filters import parse_filters
from careerlink.staff.reports.queries import percentile

SVG = "{http://www.w3.org/2000/svg}"


def filters(**args):
    return parse_filters({k: str(v) for k, v in args.items()})


def set_profile(user, programme: str, class_year: int) -> None:
    with transaction():
        _db.session.add(StudentProfile(user=user, programme=programme, class_year=class_year))


@pytest.fixture
def world(make_mentor, make_request):
    """Ten requests: eight introductions to a vet, two shadowing days with a physician."""
    vet = make_mentor(industry="veterinary", monthly_capacity=20)
    doctor = make_mentor(industry="healthcare", monthly_capacity=20)
    made = {
        state: make_request(mentor=vet, state=state)
        for state in (
            "submitted",
            "declined_by_staff",
            "withdrawn",
            "relayed",
            "declined_by_alumnus",
            "expired",
            "introduced",
            "completed",
        )
    }
    made["scheduled"] = make_request(mentor=doctor, kind="shadowing", state="scheduled")
    made["cancelled"] = make_request(mentor=doctor, kind="shadowing", state="cancelled")
    with transaction():  # the capacities the report shows (high while asking: "full this month")
        for profile, capacity in ((vet, 2), (doctor, 3)):
            _db.session.execute(
                update(MentorProfile)
                .where(MentorProfile.id == profile.id)
                .values(monthly_capacity=capacity)
            )
    set_profile(made["introduced"].student, "Biology", 2027)
    set_profile(made["scheduled"].student, "History", 2026)
    with transaction():
        for key, kind in (
            ("introduced", "job_offer"),
            ("introduced", "internship"),
            ("completed", "informational_interview"),
            ("scheduled", "internship"),
        ):
            _db.session.add(RequestOutcome(request_id=made[key].id, kind=kind))
        for key, side, score in (
            ("introduced", "student", 5),
            ("completed", "student", 4),
            ("completed", "alumnus", 4),
        ):
            _db.session.add(
                RequestFeedback(request_id=made[key].id, side=side, met=True, usefulness=score)
            )
    return made


def row(report, label):
    [found] = [r for r in report.rows if r[0] == label]
    return found


# --- the funnel ---------------------------------------------------------------------------------


def test_funnel_counts_each_step_and_loss(world):
    report = queries.funnel(filters())
    assert report.header[1:] == [
        "Asked",
        "Approved and relayed",
        "Accepted",
        "Completed",
        "Waiting for staff",
        "Declined by staff",
        "Withdrawn before relay",
        "Closed: the alumnus left",
        "Waiting for the alumnus",
        "Declined by the alumnus",
        "Expired",
        "Withdrawn after relay",
        "Cancelled",
    ]
    assert row(report, "Introductions") == [
        "Introductions",
        *(8, 5, 2, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0),
    ]
    assert row(report, "Shadowing days") == [
        "Shadowing days",
        *(2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    ]
    assert row(report, "Referrals") == ["Referrals", *(0,) * 13]
    assert report.series == [
        ("Introductions", [8, 5, 2, 1]),
        ("Shadowing days", [2, 2, 2, 0]),
        ("Informational interviews", [0, 0, 0, 0]),
        ("Résumé reviews", [0, 0, 0, 0]),
        ("Referrals", [0, 0, 0, 0]),
    ]


def test_funnel_counts_requests_closed_when_the_alumnus_left_apart(world, make_mentor):
    from careerlink.accounts import privacy

    leaving = make_mentor(industry="veterinary")
    with transaction():
        waiting = world["submitted"]
        _db.session.execute(
            update(ConnectionRequest)
            .where(ConnectionRequest.id == waiting.id)
            .values(alumnus_id=leaving.user_id)
        )
    with transaction():
        privacy.delete_account(leaving.user, leaving.user)
    report = queries.funnel(filters())
    declined_by_staff = report.header.index("Declined by staff")
    alumnus_left = report.header.index("Closed: the alumnus left")
    waiting_for_staff = report.header.index("Waiting for staff")
    intro = row(report, "Introductions")
    assert (intro[waiting_for_staff], intro[declined_by_staff], intro[alumnus_left]) == (0, 1, 1)


def test_funnel_by_programme_and_class_year(world):
    biology = queries.funnel(filters(programme="Biology"))
    assert row(biology, "Introductions")[1:5] == [1, 1, 1, 0]
    assert row(biology, "Shadowing days")[1] == 0
    history_2026 = queries.funnel(filters(class_year=2026))
    assert row(history_2026, "Introductions")[1] == 0
    assert row(history_2026, "Shadowing days")[1:5] == [1, 1, 1, 0]


def test_funnel_by_dates_leaves_out_requests_outside(world):
    with transaction():
        _db.session.execute(
            update(ConnectionRequest)
            .where(ConnectionRequest.id == world["submitted"].id)
            .values(created_at=datetime(2025, 1, 15, 12, tzinfo=UTC))
        )
    january = queries.funnel(filters(start="2025-01-01", end="2025-01-31"))
    assert row(january, "Introductions")[1:2] == [1]
    assert row(queries.funnel(filters()), "Introductions")[1] == 7


# --- supply and demand --------------------------------------------------------------------------


def test_supply_and_demand_per_industry(world):
    report = queries.supply_demand(filters())
    assert row(report, "Veterinary and animal care") == ["Veterinary and animal care", 1, 2, 8, 2]
    assert row(report, "Healthcare and medicine") == ["Healthcare and medicine", 1, 3, 2, 0]


def test_supply_and_demand_for_one_industry(world):
    report = queries.supply_demand(filters(industry="healthcare"))
    assert report.rows == [["Healthcare and medicine", 1, 3, 2, 0]]


def test_a_deleted_alumnus_s_requests_still_count_under_their_industry(world, make_request):
    from careerlink.accounts import privacy

    vet_user = world["submitted"].alumnus
    with transaction():
        privacy.delete_account(vet_user, vet_user)
    report = queries.supply_demand(filters())
    # No vet is listed any more; the eight requests made to her still count. Unmet: the one
    # she declined, the one that expired, and the relayed one her deletion declined; the one
    # not yet relayed was closed by the system (no one declined it): not unmet.
    assert row(report, "Veterinary and animal care") == ["Veterinary and animal care", 0, 0, 8, 3]
    vet_only = queries.funnel(filters(industry="veterinary"))
    assert row(vet_only, "Introductions")[1] == 8
    outcomes = queries.outcomes(filters())
    assert row(outcomes, "Veterinary and animal care")[1:] == [
        1,
        0,
        0,
        1,
        1,
    ]  # the referral column (0) second


def test_requests_keep_the_industry_they_were_made_under(world, make_mentor, make_request):
    """A later change to the alumnus's profile does not move past requests; a retired
    industry keeps its requests in the report."""
    from careerlink.staff.admin import services as admin_services

    vet_profile = world["submitted"].alumnus.mentor_profile
    health = _db.session.scalar(select(Industry).where(Industry.slug == "healthcare"))
    vet = _db.session.scalar(select(Industry).where(Industry.slug == "veterinary"))
    with transaction():
        profile = _db.session.get(MentorProfile, vet_profile.id)
        profile.industries = [health]
    with transaction():
        admin_services.set_industry_active(admin_actor(), vet, False)
    report = queries.supply_demand(filters())
    assert row(report, "Veterinary and animal care") == ["Veterinary and animal care", 0, 0, 8, 2]
    assert row(report, "Healthcare and medicine") == ["Healthcare and medicine", 2, 5, 2, 0]


def admin_actor():
    from careerlink.accounts.services import create_user
    from careerlink.permissions import Role

    with transaction():
        return create_user("reports-admin@example.edu", "Reports Admin", None, [Role.ADMIN])


# --- speed --------------------------------------------------------------------------------------


def test_percentile_interpolates_like_numpy():
    assert percentile([2.0, 4.0, 10.0], 0.5) == 4.0
    assert percentile([2.0, 4.0, 10.0], 0.9) == pytest.approx(8.8)
    assert percentile([7.0], 0.9) == 7.0


def test_the_sorted_array_percentile_is_the_list_one():
    import random

    import numpy as np

    from careerlink.staff.reports.queries import percentile_sorted

    rng = random.Random(14)
    for size in (1, 2, 3, 10, 101):
        values = sorted(rng.uniform(0, 1e6) for _ in range(size))
        for share in (0.5, 0.9):
            assert percentile_sorted(np.array(values), share) == percentile(values, share)


def test_speed_medians_and_90th_percentiles_per_month(make_mentor, make_request):
    vet = make_mentor(monthly_capacity=20)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for review_hours, answer_hours in ((2, 24), (4, 48), (10, 72)):
        req = make_request(mentor=vet, state="declined_by_alumnus")
        reviewed = start + timedelta(hours=review_hours)
        with transaction():
            _db.session.execute(
                update(ConnectionRequest)
                .where(ConnectionRequest.id == req.id)
                .values(
                    created_at=start,
                    reviewed_at=reviewed,
                    relayed_at=reviewed,
                    answered_at=reviewed + timedelta(hours=answer_hours),
                )
            )
    report = queries.speed(filters(start="2026-03-01", end="2026-03-31"))
    assert report.rows == [["2026-03", 3, 4.0, 8.8, 3, 48.0, 67.2]]


# --- responsiveness -----------------------------------------------------------------------------


def test_response_rates_in_buckets(world):
    report = queries.responsiveness(filters())
    # The vet answered 3 of 5 relayed requests (60%), the physician 2 of 2.
    assert report.rows == [
        ["0–19%", 0],
        ["20–39%", 0],
        ["40–59%", 0],
        ["60–79%", 1],
        ["80–100%", 1],
    ]
    silent, paused = report.extra_tables
    assert silent[2] == [] and paused[2] == []


def test_silent_alumni_and_those_paused_for_expiries(make_mentor, make_request):
    silent = make_mentor(industry="law")
    lapsed = make_mentor(industry="law")
    make_request(mentor=silent, state="expired")
    make_request(mentor=lapsed, state="declined_by_alumnus")
    make_request(mentor=lapsed, state="expired")  # relayed last, so her last answer is none
    with transaction():
        silent.accepting_requests = False  # as the clock's pause leaves it
        lapsed.accepting_requests = False
    report = queries.responsiveness(filters())
    silent_table, paused_table = report.extra_tables
    assert silent_table[2] == [[silent.user.display_name, 1, 0, 1, "0%"]]
    assert sorted(r[0] for r in paused_table[2]) == sorted(
        [silent.user.display_name, lapsed.user.display_name]
    )


def test_paused_alumnus_whose_last_request_was_answered_is_not_paused_for_expiries(
    make_mentor, make_request
):
    alumna = make_mentor(industry="law")
    expired = make_request(mentor=alumna, state="expired")
    answered = make_request(mentor=alumna, state="declined_by_alumnus")
    with transaction():
        for req, day in ((expired, 1), (answered, 2)):
            _db.session.execute(
                update(ConnectionRequest)
                .where(ConnectionRequest.id == req.id)
                .values(relayed_at=datetime(2026, 4, day, tzinfo=UTC))
            )
        alumna.accepting_requests = False
    report = queries.responsiveness(filters())
    assert report.extra_tables[1][2] == []


# --- outcomes -----------------------------------------------------------------------------------


def test_outcomes_by_industry_programme_and_ratings(world):
    report = queries.outcomes(filters())
    assert report.header == [
        "Industry",
        "Informational interview",
        "Referred",
        "Job interview",
        "Internship",
        "Job offer",
    ]
    assert report.rows == [
        ["Healthcare and medicine", 0, 0, 0, 1, 0],
        ["Veterinary and animal care", 1, 0, 0, 1, 1],
    ]
    by_programme, ratings = report.extra_tables
    assert by_programme[2] == [
        ["(not given)", 1, 0, 0, 0, 0],
        ["Biology", 0, 0, 0, 1, 1],
        ["History", 0, 0, 0, 1, 0],
    ]
    assert ratings[2] == [
        ["5 of 5", 1, 0],
        ["4 of 5", 1, 1],
        ["3 of 5", 0, 0],
        ["2 of 5", 0, 0],
        ["1 of 5", 0, 0],
    ]
    assert report.series == [("Outcomes reported", [1, 0, 0, 2, 1])]


# --- pages, charts, CSV -------------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(queries.REPORTS))
def test_each_report_page_has_its_chart_and_table(client, sign_in, staff, world, slug):
    sign_in(staff)
    page = client.get(f"/staff/reports/{slug}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'src="/staff/reports/{slug}.svg?' in body
    assert "<caption>" in body
    svg = client.get(f"/staff/reports/{slug}.svg")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.get_data(as_text=True))  # noqa: S314 (our own SVG)
    assert root[0].tag == f"{SVG}title" and root[0].text == queries.TITLES[slug]
    assert root[1].tag == f"{SVG}desc" and root[1].text.endswith(
        "The figures are in the table beside the chart."
    )
    assert root.get("role") == "img"
    assert list(root.iter(f"{SVG}script")) == []


def test_csv_download_is_escaped_and_audited(client, sign_in, staff, world):
    with transaction():
        _db.session.execute(
            update(Industry).where(Industry.slug == "healthcare").values(name="=HYPERLINK(1)")
        )
    sign_in(staff)
    resp = client.get("/staff/reports/supply.csv?start=2020-01-01")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Industry", "Listed alumni", "Monthly capacity", "Requests", "Unmet demand"]
    assert ["'=HYPERLINK(1)", "1", "3", "2", "0"] in rows
    [entry] = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.DATA_EXPORTED.value)
    ).all()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (staff.id, "report", "supply")


def test_responsiveness_csv_lists_every_alumnus(client, sign_in, staff, world):
    sign_in(staff)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/staff/reports/responsiveness.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0][-2:] == ["Silent", "Paused for expiries"]
    assert sorted(r[1:5] for r in rows[1:]) == [["2", "2", "0", "1.00"], ["5", "3", "1", "0.60"]]


def test_responsiveness_csv_streams_every_alumnus_by_name_escaped(
    client, sign_in, staff, make_user, make_mentor, make_request
):
    """Byte order of the names on both databases (PostgreSQL's own collation would put
    "adam" before "Zoe"), cells escaped, and the body streamed."""
    from careerlink.permissions import Role

    names = ["Zoe", "adam", "Émile", "Ádám", "=SUM(A1)", "Zoe"]
    for name in names:
        mentor = make_mentor(user=make_user(Role.ALUMNUS, name=name))
        make_request(mentor=mentor, state="declined_by_alumnus")
    sign_in(staff)
    resp = client.get("/staff/reports/responsiveness.csv")
    assert resp.is_streamed
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["'=SUM(A1)", "Zoe", "Zoe", "adam", "Ádám", "Émile"]
    assert {tuple(r[1:]) for r in rows[1:]} == {("1", "1", "0", "1.00", "no", "no")}


def test_the_streamed_csv_leaves_the_session_as_it_was(world, staff):
    """Its server-side cursor (PostgreSQL) is the statement's: the session writes afterwards."""
    from careerlink.audit import record

    header, rows = queries.responsiveness_csv(filters())
    assert len(list(rows)) == 2
    with transaction():
        record(AuditAction.DATA_EXPORTED, actor=staff, object_type="report", object_id="x")
    assert _db.session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.object_type == "report")
    ).all() == ["x"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-05-02&end=2026-05-01", "The start date is after the end date."),
        ("start=2026-02-30", "Give the start date as YYYY-MM-DD (2000 to 2100)."),
        ("end=9999-01-01", "Give the end date as YYYY-MM-DD (2000 to 2100)."),
        ("start=2000-01-01&end=2100-01-01", "Choose a range of at most ten years."),
        ("industry=astrology", "There is no industry “astrology”."),
        ("programme=Alchemy", "No student is in the programme “Alchemy”."),
        ("class_year=20x6", "Give the class year as four digits."),
    ],
)
def test_bad_filters_are_a_clear_400(client, sign_in, staff, query, message):
    sign_in(staff)
    for path in ("/staff/reports/funnel", "/staff/reports/funnel.csv"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400
        assert message in resp.get_data(as_text=True)
    svg = client.get(f"/staff/reports/funnel.svg?{query}")
    assert (svg.status_code, svg.get_data(as_text=True)) == (400, message)


def test_unknown_report_is_404(client, sign_in, staff):
    sign_in(staff)
    assert client.get("/staff/reports/salaries").status_code == 404
    assert client.get("/staff/reports/salaries.svg").status_code == 404


def test_students_cannot_see_reports(client, sign_in, student):
    sign_in(student)
    assert client.get("/staff/reports/funnel").status_code == 403


def test_a_cached_report_is_never_read_after_a_change(client, sign_in, staff, world, make_request):
    sign_in(staff)
    first = client.get("/staff/reports/funnel").get_data(as_text=True)
    assert '<th scope="row">Introductions</th><td>8</td>' in first
    cached = client.get("/staff/reports/funnel").get_data(as_text=True)
    assert unsigned(cached) == unsigned(first)
    make_request(state="submitted")
    again = client.get("/staff/reports/funnel").get_data(as_text=True)
    assert '<th scope="row">Introductions</th><td>9</td>' in again


def test_names_are_read_in_chunks(monkeypatch, world):
    """PostgreSQL takes at most 65,535 parameters: tens of thousands of alumni go in chunks."""
    monkeypatch.setattr(queries, "CHUNK", 1)
    header, rows = queries.responsiveness_csv(filters())
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        [
            (world["relayed"].alumnus.display_name, 5),
            (world["scheduled"].alumnus.display_name, 2),
        ]
    )
