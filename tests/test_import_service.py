"""The import run: dry run = real run, dedupe, re-imports, flags respected, nothing half-written."""

from __future__ import annotations

import csv
import gc
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careerlink.accounts.models import User
from careerlink.database import transaction
from careerlink.mentors.imports import presets, services
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.imports.reading import FileProblem
from careerlink.mentors.imports.samples import header_for, sample_rows, sample_values, write_csv
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.permissions import Role

pytestmark = pytest.mark.usefixtures("default_industries")

HEADER = header_for("generic")
COL = {name: HEADER.index(name) for name in HEADER}


def run(path, dry_run=False, layout=presets.GENERIC):
    if dry_run:
        return services.run_import(path, layout, dry_run=True)
    with transaction():
        return services.run_import(path, layout, dry_run=False)


def records(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AlumniRecord))


def edited(rows, index, **changes):
    for name, value in changes.items():
        rows[index][COL[name]] = value
    return rows


def test_the_dry_run_writes_nothing_and_the_real_run_gives_its_outcome(app, db, tmp_path):
    rows = list(sample_rows("generic", 5))
    rows.append(list(rows[0]))  # a duplicate
    edited(rows, 2, class_year="1850")
    path = write_csv(tmp_path / "a.csv", "generic", rows)
    preview = run(path, dry_run=True)
    db.session.rollback()
    assert records(db) == 0
    real = run(path)
    assert real.outcomes == preview.outcomes
    assert real.counts == {"create": 4, "update": 0, "skip": 1, "error": 1}
    assert records(db) == 4


def test_a_later_export_updates_and_says_what_changes(app, db, tmp_path):
    run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 3)))
    rows = edited(list(sample_rows("generic", 3)), 1, employer="Initech", class_year="1999")
    path = write_csv(tmp_path / "b.csv", "generic", rows)
    preview = run(path, dry_run=True)
    assert [(o.action, o.detail) for o in preview.outcomes] == [
        ("skip", "no change since the last import"),
        ("update", "Class year: 1971 → 1999; Employer: “City Hospital” → “Initech”"),
        ("skip", "no change since the last import"),
    ]
    db.session.rollback()
    run(path)
    record = db.session.scalar(select(AlumniRecord).where(AlumniRecord.external_id == "X0000001"))
    assert (record.employer, record.class_year) == ("Initech", 1999)
    assert records(db) == 3


def test_match_on_email_across_sources_never_makes_two_records(app, db, tmp_path):
    run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 1)))
    rows = edited(list(sample_rows("banner", 1)), 0)
    rows[0][header_for("banner").index("SPRIDEN_ID")] = "B-77"
    rows[0][header_for("banner").index("GOREMAL_EMAIL_ADDRESS")] = "ALUM0@alumni.example.org"
    report = run(write_csv(tmp_path / "b.csv", "banner", rows), layout=presets.BANNER)
    assert [o.action for o in report.outcomes] == ["skip"]
    assert records(db) == 1


def test_the_same_address_under_another_id_of_the_same_source_is_an_error(app, db, tmp_path):
    run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 1)))
    rows = edited(list(sample_rows("generic", 1)), 0, external_id="Y1")
    report = run(write_csv(tmp_path / "b.csv", "generic", rows))
    assert [(o.action, o.column, o.detail) for o in report.outcomes] == [
        (
            "error",
            "email",
            "the address alum0@alumni.example.org belongs to the record with external id "
            "X0000000 from the same source",
        )
    ]
    assert records(db) == 1


def test_an_existing_account_is_linked_not_duplicated(app, db, tmp_path, make_user):
    user = make_user(Role.ALUMNUS, email="alum1@alumni.example.org", name="Own Name")
    report = run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 2)))
    assert [o.detail for o in report.outcomes] == [
        "",
        "linked to the existing account with this address",
    ]
    record = db.session.scalar(select(AlumniRecord).where(AlumniRecord.user_id == user.id))
    assert record.external_id == "X0000001"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.get(User, user.id).display_name == "Own Name"


def test_the_alumnus_own_edits_win_over_a_later_export(app, db, tmp_path, make_user, make_mentor):
    user = make_user(Role.ALUMNUS, email="alum0@alumni.example.org")
    profile = make_mentor(user=user, employer="My Own Firm", city="Lille")
    rows = edited(list(sample_rows("generic", 1)), 0, employer="CRM Employer", city="Nantes")
    run(write_csv(tmp_path / "a.csv", "generic", rows))
    db.session.expire_all()
    profile = db.session.get(MentorProfile, profile.id)
    assert (profile.employer, profile.city) == ("My Own Firm", "Lille")
    record = db.session.scalar(select(AlumniRecord))
    assert (record.employer, record.city, record.user_id) == ("CRM Employer", "Nantes", user.id)


@pytest.mark.parametrize("flag", ["deceased", "do_not_contact", "confidential"])
def test_flags_take_a_listed_mentor_out_of_the_directory_and_the_api(
    app, db, client, tmp_path, make_user, make_mentor, flag
):
    from careerlink.api import tokens

    user = make_user(Role.ALUMNUS, email="alum0@alumni.example.org", name="Flagged Person")
    make_mentor(user=user)
    student = make_user(Role.STUDENT)
    with transaction():
        _token, raw = tokens.create_personal_token(student, "test", ["directory:read"], 30)
    assert "Flagged Person" in client.get("/mentors").get_data(as_text=True)
    assert "Flagged Person" in client.get("/embed/mentors").get_data(as_text=True)
    api = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/mentors", headers=api).json["total"] == 1
    run(
        write_csv(
            tmp_path / "a.csv",
            "generic",
            edited(list(sample_rows("generic", 1)), 0, **{flag: "yes"}),
        )
    )
    assert "Flagged Person" not in client.get("/mentors").get_data(as_text=True)
    assert "Flagged Person" not in client.get("/embed/mentors").get_data(as_text=True)
    assert client.get("/api/v1/mentors", headers=api).json["total"] == 0
    # Clearing the flag in a later export releases the hold.
    run(write_csv(tmp_path / "b.csv", "generic", sample_rows("generic", 1)))
    assert "Flagged Person" in client.get("/mentors").get_data(as_text=True)


def test_a_confidential_alumnus_who_joins_later_is_never_listed(
    app, db, tmp_path, make_user, make_mentor
):
    run(
        write_csv(
            tmp_path / "a.csv",
            "generic",
            edited(list(sample_rows("generic", 1)), 0, confidential="yes"),
        )
    )
    user = make_user(Role.ALUMNUS, email="ALUM0@alumni.example.org")
    profile = make_mentor(user=user)
    assert profile.withheld is True
    assert profile.directory_listed is False


def test_imported_people_get_no_account_and_are_never_listed(
    app, db, client, tmp_path, make_user, make_mentor
):
    from careerlink.api import tokens

    make_mentor(user=make_user(Role.ALUMNUS, name="Listed Before"))
    student = make_user(Role.STUDENT)
    with transaction():
        _token, raw = tokens.create_personal_token(student, "test", ["directory:read"], 30)
    api = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/mentors", headers=api).json["total"] == 1
    users = db.session.scalar(select(func.count()).select_from(User))
    run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 5)))
    assert records(db) == 5
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(MentorProfile)) == 1
    assert client.get("/api/v1/mentors", headers=api).json["total"] == 1
    assert "Álvarez" not in client.get("/embed/mentors").get_data(as_text=True)
    page = client.get("/mentors").get_data(as_text=True)
    assert "alum0@alumni.example.org" not in page and "Álvarez" not in page
    resp = client.post(
        "/signin", data={"email": "alum0@alumni.example.org", "password": "anything-at-all-1"}
    )
    assert resp.status_code == 200
    assert "That email and password do not match an account." in resp.get_data(as_text=True)


def test_a_crash_in_the_middle_writes_nothing(app, db, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", services.BATCH + 10))
    real_apply = services.Planner.apply
    calls = {"n": 0}

    def apply_then_fail(self, planned):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the database went away")
        real_apply(self, planned)

    monkeypatch.setattr(services.Planner, "apply", apply_then_fail)
    with pytest.raises(RuntimeError):
        run(path)
    assert calls["n"] == 2
    assert records(db) == 0


def test_mapping_an_industry_fixes_the_records_that_carry_it(app, db, tmp_path):
    rows = edited(list(sample_rows("generic", 2)), 0, industry="Bee keeping")
    report = run(write_csv(tmp_path / "a.csv", "generic", rows))
    assert report.unknown_industries == {"Bee keeping": 1}
    assert services.unmapped_industries() == [("Bee keeping", 1)]
    with transaction():
        fixed = services.map_industry("bee  KEEPING", "agriculture")
    assert fixed == 1
    assert services.unmapped_industries() == []
    # The next import of that value finds the mapping.
    rows2 = edited(list(sample_rows("generic", 3)), 2, industry="Bee Keeping")
    report = run(write_csv(tmp_path / "b.csv", "generic", rows2))
    assert report.unknown_industries == {}
    record = db.session.scalar(select(AlumniRecord).where(AlumniRecord.external_id == "X0000002"))
    assert record.industry.slug == "agriculture"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["careerlink", "alumni", *args])


def test_cli_dry_run_then_import_with_a_report(app, db, tmp_path):
    rows = edited(list(sample_rows("generic", 3)), 1, email="nope", employer="-2+3")
    path = write_csv(tmp_path / "a.csv", "generic", rows)
    result = cli(app, "import", str(path), "--preset", "generic", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "would create 2, would update 0, skipped 0, 1 with errors; nothing was written (dry run)"
    )
    assert "row 3 [email]: “nope” is not a valid email address" in result.output
    assert records(db) == 0
    report = tmp_path / "report.csv"
    result = cli(app, "import", str(path), "--report", str(report))
    assert result.output.splitlines()[-1] == "created 2, updated 0, skipped 0, 1 with errors"
    assert records(db) == 2
    assert report.read_text("utf-8").splitlines() == [
        "row,outcome,external id,column,detail",
        "2,create,X0000000,,",
        "3,error,X0000001,email,“nope” is not a valid email address",
        "4,create,X0000002,,",
    ]


def test_cli_refuses_a_file_problem_in_one_line(app, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Id,FirstName\n1,Ann\n", "utf-8")
    result = cli(app, "import", str(path), "--preset", "salesforce-eda")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: The file lacks a required column for the Salesforce EDA / Education Cloud "
        "(Contact) layout: Last name (column “LastName”)."
    )


def test_cli_map_industry(app, db, tmp_path):
    rows = edited(list(sample_rows("generic", 1)), 0, industry="Apiculture")
    cli(app, "import", str(write_csv(tmp_path / "a.csv", "generic", rows)))
    assert cli(app, "unmapped-industries").output == "1\tApiculture\n"
    result = cli(app, "map-industry", "Apiculture", "agriculture")
    assert result.output == "mapped “Apiculture” to agriculture; 1 records updated\n"
    assert cli(app, "unmapped-industries").output == "every industry value is mapped\n"


def test_two_rows_swapping_their_addresses_are_errors_and_change_nothing(app, db, tmp_path):
    run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 2)))
    rows = list(sample_rows("generic", 2))
    rows[0][COL["email"]], rows[1][COL["email"]] = rows[1][COL["email"]], rows[0][COL["email"]]
    report = run(write_csv(tmp_path / "b.csv", "generic", rows))
    assert [(o.action, o.detail) for o in report.outcomes] == [
        (
            "error",
            "the address alum1@alumni.example.org belongs to another record (generic X0000001)",
        ),
        (
            "error",
            "the address alum0@alumni.example.org belongs to another record (generic X0000000)",
        ),
    ]
    assert db.session.scalar(
        select(AlumniRecord.email).where(AlumniRecord.external_id == "X0000000")
    ) == ("alum0@alumni.example.org")


def test_a_record_written_meanwhile_by_someone_else_fails_the_file_cleanly(
    app, db, tmp_path, monkeypatch
):
    real_apply = services.Planner.apply

    def another_import_first(self, planned):
        # What a concurrent import commits between this run's plan and its write.
        db.session.add(
            AlumniRecord(
                source="other", external_id="9", last_name="X", email="alum1@alumni.example.org"
            )
        )
        db.session.flush()
        real_apply(self, planned)

    monkeypatch.setattr(services.Planner, "apply", another_import_first)
    with pytest.raises(FileProblem) as refused:
        run(write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 2)))
    assert refused.value.message.startswith(
        "The file could not be written, and nothing was: the database refused a change ("
    )
    assert records(db) == 0


def test_a_created_record_holds_every_value_of_its_row(app, db, tmp_path):
    # PostgreSQL writes new records with COPY, SQLite with INSERT: the same columns either way.
    header = [*HEADER, "Other emails"]
    row = [*next(sample_rows("generic", 1)), "Work@Employer.example; home@example.org"]
    row[COL["first_name"]] = "Zoë\tTab"  # a tab (made a space), then a backslash in COPY
    row[COL["job_title"]] = "C:\\ analyst, “quoted”"
    row[COL["confidential"]] = "yes"
    layout = presets.Layout(
        "test",
        "Test",
        "generic",
        {**presets.GENERIC.columns, "email": ("email", "Other emails")},
    )
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, row])
    run(path, layout=layout)
    db.session.expire_all()
    record = db.session.scalar(select(AlumniRecord))
    industry = db.session.scalar(
        select(Industry).where(Industry.name == sample_values(0)["industry"])
    )
    assert {
        c.name: getattr(record, c.key)
        for c in AlumniRecord.__table__.columns
        if c.name not in ("id", "created_at", "updated_at", "last_imported_at")
    } == {
        "source": "generic",
        "external_id": "X0000000",
        "user_id": None,
        "first_name": "Zoë Tab",
        "last_name": sample_values(0)["last_name"],
        "preferred_name": "",
        "email": "alum0@alumni.example.org",
        "other_emails": ["work@employer.example", "home@example.org"],
        "class_year": 1970,
        "degree": "BA",
        "programme": sample_values(0)["programme"],
        "employer": sample_values(0)["employer"],
        "job_title": "C:\\ analyst, “quoted”",
        "industry_value": sample_values(0)["industry"],
        "industry_id": industry.id,
        "city": "São Paulo",
        "country": "Brazil",
        "linkedin_url": "https://www.linkedin.com/in/alum-0",
        "deceased": False,
        "do_not_contact": False,
        "confidential": True,
        "invited_at": None,
        "invited_by_id": None,
        "reminded_at": None,
        "accepted_at": None,
        "unsubscribed_at": None,
    }
    assert record.created_at == record.updated_at == record.last_imported_at
    assert record.last_imported_at.utcoffset() == timedelta(0)
    again = run(path, layout=layout)
    assert [o.action for o in again.outcomes] == ["skip"]


def test_the_garbage_collector_runs_less_often_during_an_import_and_as_before_after(
    app, db, tmp_path
):
    path = write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 3))
    before = gc.get_threshold()
    during = []
    services.run_import(
        path, presets.GENERIC, dry_run=True, progress=lambda n: during.append(gc.get_threshold())
    )
    assert during == [(max(50_000, before[0]), 10, 10)]
    assert gc.get_threshold() == before


def test_an_update_writes_every_kind_of_column(app, db, tmp_path):
    # PostgreSQL updates a batch in one statement of arrays (text, integer, boolean, JSON).
    header = [*HEADER, "Other emails"]
    rows = [[*r, "work@employer.example"] for r in sample_rows("generic", 3)]
    layout = presets.Layout(
        "test", "Test", "generic", {**presets.GENERIC.columns, "email": ("email", "Other emails")}
    )
    path = tmp_path / "a.csv"

    def write(rows):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
        return path

    run(write(rows), layout=layout)
    rows[1][COL["first_name"]] = "Zoë \\ O’Neil"
    rows[1][COL["class_year"]] = ""
    rows[1][COL["linkedin_url"]] = ""
    rows[1][COL["confidential"]] = "yes"
    rows[1][-1] = "new@example.org; other@example.org"
    rows[2][COL["job_title"]] = "Senior analyst"
    rows[2][-1] = ""
    report = run(write(rows), layout=layout)
    assert [o.action for o in report.outcomes] == ["skip", "update", "update"]
    db.session.expire_all()
    found = {
        r.external_id: (
            r.first_name,
            r.class_year,
            r.linkedin_url,
            r.confidential,
            r.other_emails,
            r.job_title,
        )
        for r in db.session.scalars(select(AlumniRecord))
    }
    assert found == {
        "X0000000": (
            sample_values(0)["first_name"],
            1970,
            "https://www.linkedin.com/in/alum-0",
            False,
            ["work@employer.example"],
            "Analyst",
        ),
        "X0000001": (
            "Zoë \\ O’Neil",
            None,
            None,
            True,
            ["new@example.org", "other@example.org"],
            "Analyst",
        ),
        "X0000002": (
            sample_values(2)["first_name"],
            1972,
            "https://www.linkedin.com/in/alum-2",
            False,
            [],
            "Senior analyst",
        ),
    }
    assert [o.action for o in run(path, layout=layout).outcomes] == ["skip", "skip", "skip"]
