"""The staff import pages: upload, match columns, dry run in the background, import, report."""

from __future__ import annotations

import io

import pytest
from conftest import sign_in_session
from sqlalchemy import func, select

from careerlink.mentors.imports import jobs
from careerlink.mentors.imports.models import AlumniRecord, ImportJob, ImportMapping
from careerlink.mentors.imports.presets import FIELDS
from careerlink.mentors.imports.samples import header_for, sample_rows, write_csv

pytestmark = pytest.mark.usefixtures("default_industries")


@pytest.fixture
def staff_client(client, staff):
    sign_in_session(client, staff)
    return client


def csv_bytes(tmp_path, preset="generic", count=3, rows=None) -> bytes:
    path = write_csv(
        tmp_path / "f.csv", preset, rows if rows is not None else sample_rows(preset, count)
    )
    return path.read_bytes()


def upload(client, data: bytes, layout="preset:generic", name="alumni.csv", **extra):
    return client.post(
        "/staff/imports/",
        data={"file": (io.BytesIO(data), name), "layout": layout, **extra},
        content_type="multipart/form-data",
    )


def records(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AlumniRecord))


def test_upload_dry_run_then_import_for_real(app, db, staff_client, tmp_path):
    resp = upload(staff_client, csv_bytes(tmp_path, count=3))
    assert resp.status_code == 302
    job = db.session.scalar(select(ImportJob))
    assert resp.headers["Location"] == f"/staff/imports/{job.id}"
    page = staff_client.get(f"/staff/imports/{job.id}").get_data(as_text=True)
    assert "Waiting for the import worker" in page
    assert f'href="/staff/imports/{job.id}">Refresh to see the progress' in page
    assert jobs.work_once().state == "done"
    assert records(db) == 0
    page = staff_client.get(f"/staff/imports/{job.id}").get_data(as_text=True)
    assert "would create 3, would update 0, skipped 0, 0 with errors; nothing was written" in page
    assert staff_client.get(f"/staff/imports/{job.id}/progress.json").json == {
        "state": "done",
        "done": 3,
        "expected": 4,
        "finished": True,
        "text": "3 of about 4 rows",
    }
    resp = staff_client.post(f"/staff/imports/{job.id}/import")
    real = db.session.scalar(select(ImportJob).where(ImportJob.dry_run.is_(False)))
    assert resp.headers["Location"] == f"/staff/imports/{real.id}"
    assert jobs.work_once().id == real.id
    assert records(db) == 3
    db.session.expire_all()
    assert db.session.get(ImportJob, real.id).counts == {
        "create": 3,
        "update": 0,
        "skip": 0,
        "error": 0,
    }


def test_the_report_download_escapes_formulas(app, db, staff_client, tmp_path):
    rows = list(sample_rows("generic", 2))
    rows[1][header_for("generic").index("first_name")] = "=HYPERLINK(1)"
    upload(staff_client, csv_bytes(tmp_path, rows=rows))
    job = jobs.work_once()
    resp = staff_client.get(f"/staff/imports/{job.id}/report.csv")
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="alumni-dry-run-{job.id}-report.csv"'
    )
    assert resp.get_data(as_text=True).splitlines() == [
        "\ufeffrow,outcome,external id,column,detail",
        "2,create,X0000000,,",
        "3,error,X0000001,first_name,the cell holds a spreadsheet formula",
    ]
    page = staff_client.get(f"/staff/imports/{job.id}?outcome=error").get_data(as_text=True)
    assert "1 row: Error" in page


def test_a_file_problem_is_shown_on_the_form_and_nothing_is_queued(app, db, staff_client):
    resp = upload(staff_client, b"Id,FirstName\n1,Ann\n", layout="preset:salesforce-eda")
    assert resp.status_code == 422
    assert (
        "The file lacks a required column for the Salesforce EDA / Education Cloud (Contact) "
        "layout: Last name (column “LastName”)." in resp.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


@pytest.mark.parametrize(
    "data,message",
    [
        ({}, "Choose the file to import."),
        ({"file": (io.BytesIO(b""), "empty.csv")}, "The file is empty."),
    ],
)
def test_an_empty_upload_is_refused_with_422(app, db, staff_client, data, message):
    resp = staff_client.post(
        "/staff/imports/",
        data={"layout": "preset:generic", **data},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_windows_1252_is_named_then_converted_when_asked(app, db, staff_client, tmp_path):
    data = "external_id,last_name,first_name\n1,Müller,Zoë\n".encode("cp1252")
    resp = upload(staff_client, data)
    assert "it looks like Windows-1252" in resp.get_data(as_text=True)
    resp = upload(staff_client, data, convert="y")
    assert resp.status_code == 302
    jobs.work_once()
    job = db.session.scalar(select(ImportJob))
    staff_client.post(f"/staff/imports/{job.id}/import")
    jobs.work_once()
    assert db.session.scalar(select(AlumniRecord.last_name)) == "Müller"


def test_map_columns_save_the_mapping_and_reuse_it(app, db, staff_client):
    data = b"Student No;Surname;Given;E-mail\n7;Okafor;Ada;ada@example.org\n"
    resp = upload(staff_client, data, layout="custom")
    job = db.session.scalar(select(ImportJob))
    assert resp.headers["Location"] == f"/staff/imports/{job.id}/columns"
    page = staff_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<option value="Surname">Surname</option>' in page
    form = {f"col_{name}": "" for name in FIELDS}
    form.update(
        col_external_id="Student No",
        col_last_name="Surname",
        col_first_name="Given",
        col_email="E-mail",
        source="registry",
        save_as="Registry export",
    )
    resp = staff_client.post(f"/staff/imports/{job.id}/columns", data=form)
    assert resp.headers["Location"] == f"/staff/imports/{job.id}"
    saved = db.session.scalar(select(ImportMapping))
    assert (saved.name, saved.source, saved.columns["last_name"]) == (
        "Registry export",
        "registry",
        ["Surname"],
    )
    assert jobs.work_once().counts["create"] == 1
    # The saved mapping is offered for the next file.
    page = staff_client.get("/staff/imports/").get_data(as_text=True)
    assert f'<option value="mapping:{saved.id}">Saved mapping: Registry export</option>' in page
    resp = upload(staff_client, data, layout=f"mapping:{saved.id}")
    assert resp.status_code == 302


def test_a_mapping_without_the_required_columns_is_refused(app, db, staff_client):
    upload(staff_client, b"A,B\n1,2\n", layout="custom")
    job = db.session.scalar(select(ImportJob))
    form = {f"col_{name}": "" for name in FIELDS}
    form.update(col_external_id="A", source="x")
    resp = staff_client.post(f"/staff/imports/{job.id}/columns", data=form)
    assert resp.status_code == 200
    assert (
        "The file lacks a required column for the mapping “mapping” layout: Last name"
        in resp.get_data(as_text=True)
    )


def test_a_crash_marks_the_job_failed_and_writes_nothing(
    app, db, staff_client, tmp_path, monkeypatch
):
    upload(staff_client, csv_bytes(tmp_path, count=3))
    dry = jobs.work_once()
    staff_client.post(f"/staff/imports/{dry.id}/import")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "run_import", boom)
    job = jobs.work_once()
    assert (job.state, job.error) == ("failed", str(jobs.UNEXPECTED))
    assert records(db) == 0
    page = staff_client.get(f"/staff/imports/{job.id}").get_data(as_text=True)
    assert "Nothing was written." in page


@pytest.mark.parametrize(
    "path", ["/staff/imports/", "/staff/imports/1", "/staff/imports/1/report.csv"]
)
def test_students_are_refused(app, db, client, make_user, path):
    from careerlink.permissions import Role

    sign_in_session(client, make_user(Role.STUDENT))
    assert client.get(path).status_code == 403


def test_unknown_jobs_and_unfinished_reports_are_404(app, db, staff_client, tmp_path):
    assert staff_client.get("/staff/imports/999").status_code == 404
    assert staff_client.get("/staff/imports/999/columns").status_code == 404
    upload(staff_client, csv_bytes(tmp_path))
    job = db.session.scalar(select(ImportJob))
    assert staff_client.get(f"/staff/imports/{job.id}/report.csv").status_code == 404
    assert staff_client.get(f"/staff/imports/{job.id}?page=abc&outcome=zzz").status_code == 200


def test_cli_worker_runs_queued_jobs(app, db, staff_client, tmp_path):
    upload(staff_client, csv_bytes(tmp_path, count=2), name="x.csv")
    job = db.session.scalar(select(ImportJob))
    result = app.test_cli_runner().invoke(args=["careerlink", "alumni", "work"])
    assert result.output == (
        f"import #{job.id} (x.csv): would create 2, would update 0, skipped 0, 0 with errors; "
        "nothing was written (dry run)\n"
    )


# --- mapping an unknown industry from the page --------------------------------------------------


def dry_run_with_unknown_industry(db, staff_client, tmp_path, count=3):
    """A finished dry run whose first two rows carry the unknown industry “Bee keeping”."""
    rows = list(sample_rows("generic", count))
    column = header_for("generic").index("industry")
    rows[0][column] = "Bee keeping"
    rows[1][column] = "BEE  keeping"
    upload(staff_client, csv_bytes(tmp_path, rows=rows))
    return jobs.work_once()


def test_staff_map_an_unknown_industry_from_the_job_page(app, db, staff_client, tmp_path):
    from careerlink.audit import AuditAction, AuditEntry

    preview = dry_run_with_unknown_industry(db, staff_client, tmp_path)
    page = staff_client.get(f"/staff/imports/{preview.id}").get_data(as_text=True)
    assert '<input type="hidden" name="value" value="Bee keeping">' in page
    assert '<option value="agriculture">' in page
    resp = staff_client.post(
        f"/staff/imports/{preview.id}/industries",
        data={"value": "Bee keeping", "industry": "agriculture"},
    )
    assert resp.headers["Location"] == f"/staff/imports/{preview.id}"
    page = staff_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "“Bee keeping” now maps to Agriculture and food; 0 records updated." in page
    # Both spellings of the value share the mapping (the dry run wrote no record yet).
    assert page.count("mapped to Agriculture and food.") == 2
    # The real import finds the mapping: both spellings of the value follow.
    staff_client.post(f"/staff/imports/{preview.id}/import")
    real = jobs.work_once()
    assert real.unknown_industries in (None, {})
    bees = db.session.scalars(
        select(AlumniRecord).where(func.lower(AlumniRecord.industry_value).like("bee%"))
    ).all()
    assert [r.industry.slug for r in bees] == ["agriculture", "agriculture"]
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.INDUSTRY_MAPPED.value)
    ).all()
    assert (entry.actor_id, entry.detail) == (
        staff_user_id(db),
        "“Bee keeping” → Agriculture and food: 0 records",
    )


def test_mapping_after_the_real_import_updates_every_record_carrying_the_value(
    app, db, staff_client, tmp_path
):
    preview = dry_run_with_unknown_industry(db, staff_client, tmp_path)
    staff_client.post(f"/staff/imports/{preview.id}/import")
    real = jobs.work_once()
    assert real.unknown_industries == {"Bee keeping": 1, "BEE keeping": 1}
    resp = staff_client.post(
        f"/staff/imports/{real.id}/industries",
        data={"value": "Bee keeping", "industry": "agriculture"},
    )
    assert resp.status_code == 302
    page = staff_client.get(resp.headers["Location"]).get_data(as_text=True)
    # One mapping covers both spellings: both records follow.
    assert "“Bee keeping” now maps to Agriculture and food; 2 records updated." in page
    db.session.expire_all()
    carrying = db.session.scalars(
        select(AlumniRecord).where(func.lower(AlumniRecord.industry_value).like("bee%"))
    ).all()
    assert [r.industry.slug for r in carrying] == ["agriculture", "agriculture"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"value": "Bee keeping", "industry": ""}, "Choose a CareerLink industry for this value."),
        ({"value": "Bee keeping", "industry": "astrology"}, "There is no industry “astrology”."),
        ({"value": "Bee keeping", "industry": "retired"}, "is retired; choose an industry in use."),
        (
            {"value": "Not in the file", "industry": "agriculture"},
            "Choose one of the industry values listed for this import.",
        ),
        ({"value": "", "industry": "agriculture"}, "Choose one of the industry values listed"),
        ({"value": "x" * 500, "industry": "agriculture"}, "Choose one of the industry values"),
    ],
)
def test_bad_mappings_are_refused_with_a_clear_message(
    app, db, staff_client, tmp_path, data, message
):
    from careerlink.mentors.models import Industry

    industry = db.session.scalar(select(Industry).where(Industry.slug == "agriculture"))
    if data["industry"] == "retired":
        industry.active = False
        db.session.commit()
        data = {**data, "industry": "agriculture"}
    preview = dry_run_with_unknown_industry(db, staff_client, tmp_path)
    resp = staff_client.post(f"/staff/imports/{preview.id}/industries", data=data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    from careerlink.mentors.imports.models import IndustryAlias

    assert db.session.scalar(select(func.count()).select_from(IndustryAlias)) == 0


def staff_user_id(db) -> int:
    from careerlink.accounts.models import User

    return db.session.scalar(select(User.id).where(User.display_name == "Sam Staff"))


def test_mapping_an_unknown_job_is_404(app, db, staff_client):
    resp = staff_client.post(
        "/staff/imports/999999/industries", data={"value": "x", "industry": "agriculture"}
    )
    assert resp.status_code == 404
