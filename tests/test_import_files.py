"""Reading alumni import files: dialects, encodings, XLSX, presets, and every bad input."""

from __future__ import annotations

import csv

import pytest

from careerlink.mentors.imports import presets, services
from careerlink.mentors.imports.models import AlumniRecord
from careerlink.mentors.imports.reading import FileProblem
from careerlink.mentors.imports.samples import (
    header_for,
    sample_rows,
    sample_values,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.usefixtures("default_industries")

PRESET_NAMES = list(presets.PRESETS)


def dry(path, preset="generic", **kw):
    return services.run_import(path, presets.preset(preset), dry_run=True, **kw)


def outcomes(report):
    return [(o.row, o.action, o.column, o.detail) for o in report.outcomes]


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_each_preset_layout_is_read_field_by_field(app, db, tmp_path, preset):
    path = write_csv(tmp_path / "a.csv", preset, sample_rows(preset, 3))
    report = services.run_import(path, presets.preset(preset), dry_run=False)
    assert report.counts == {"create": 3, "update": 0, "skip": 0, "error": 0}
    record = db.session.scalars(db.select(AlumniRecord).order_by(AlumniRecord.external_id)).first()
    expected = sample_values(0, preset)
    assert record.source == presets.PRESETS[preset].source
    assert (record.external_id, record.first_name, record.last_name) == (
        "X0000000",
        expected["first_name"],
        expected["last_name"],
    )
    assert record.email == "alum0@alumni.example.org"
    assert record.class_year == 1970
    assert record.employer == "Acme, Inc."
    assert record.linkedin_url == "https://www.linkedin.com/in/alum-0"
    assert record.industry.slug == "accounting"
    assert (record.deceased, record.do_not_contact, record.confidential) == (False, False, False)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_files_with_quoted_commas_and_line_breaks(
    app, db, tmp_path, delimiter
):
    rows = list(sample_rows("generic", 2))
    rows[0][8] = "Acme; Sons, and\nDaughters"  # employer: the delimiter, a comma, a line break
    path = write_csv(tmp_path / "a.csv", "generic", rows, delimiter=delimiter)
    report = services.run_import(path, presets.GENERIC, dry_run=False)
    assert report.counts["create"] == 2
    record = db.session.scalar(
        db.select(AlumniRecord).where(AlumniRecord.external_id == "X0000000")
    )
    assert record.employer == "Acme; Sons, and Daughters"
    assert [o.row for o in report.outcomes] == [2, 3]


def test_utf8_with_a_byte_order_mark(app, db, tmp_path):
    path = write_csv(tmp_path / "a.csv", "generic", sample_rows("generic", 1), encoding="utf-8-sig")
    assert dry(path).counts["create"] == 1


def test_windows_1252_is_named_and_converted_on_request(app, db, tmp_path):
    rows = list(sample_rows("generic", 3))
    path = write_csv(tmp_path / "a.csv", "generic", rows, encoding="cp1252")
    with pytest.raises(FileProblem) as refused:
        dry(path)
    assert refused.value.message.startswith("The file is not UTF-8: it looks like Windows-1252")
    report = services.run_import(path, presets.GENERIC, dry_run=False, convert="cp1252")
    assert report.counts["create"] == 3
    names = set(db.session.scalars(db.select(AlumniRecord.first_name)))
    assert "Chloé" in names


def test_bytes_in_no_known_encoding(app, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"external_id,last_name\n1,\x81\x8d\xff\xfe\n")
    with pytest.raises(FileProblem) as refused:
        dry(path)
    assert refused.value.message == (
        "The file is not text in UTF-8 or Windows-1252; is it a CSV or XLSX file?"
    )


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_xlsx_in_each_preset(app, db, tmp_path, preset):
    path = write_xlsx(tmp_path / "a.xlsx", preset, sample_rows(preset, 4))
    report = dry(path, preset)
    assert report.counts == {"create": 4, "update": 0, "skip": 0, "error": 0}


def test_xlsx_formula_and_numbers(app, db, tmp_path):
    rows = list(sample_rows("generic", 2))
    rows[0][5] = 2001  # class year typed as a number
    rows[1][1] = '=HYPERLINK("http://evil.example","x")'
    path = write_xlsx(tmp_path / "a.xlsx", "generic", rows)
    report = dry(path)
    assert outcomes(report) == [
        (2, "create", "", ""),
        (3, "error", "first_name", "the cell holds a spreadsheet formula"),
    ]


def test_missing_required_column_is_named(app, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Id,FirstName,Email\n1,Ann,ann@example.org\n", encoding="utf-8")
    with pytest.raises(FileProblem) as refused:
        dry(path, "salesforce-eda")
    assert refused.value.message == (
        "The file lacks a required column for the Salesforce EDA / Education Cloud (Contact) "
        "layout: Last name (column “LastName”)."
    )


def test_empty_file_and_header_only(app, db, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileProblem) as refused:
        dry(empty)
    assert refused.value.message == "The file is empty."
    header_only = write_csv(tmp_path / "h.csv", "generic", [])
    with pytest.raises(FileProblem) as refused:
        dry(header_only)
    assert refused.value.message == "The file has a header but no rows."


def test_a_200_mb_file_is_refused_before_it_is_read(app, db, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(200_000_000)  # sparse: the size is what is checked
    with pytest.raises(FileProblem) as refused:
        dry(path)
    assert refused.value.message == (
        "The file is 200 MB; the limit is 100 MB (CAREERLINK_IMPORT_MAX_BYTES). "
        "Split it, or export fewer columns."
    )


def test_duplicate_column_names_are_a_file_error(app, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("external_id,last_name,Last_Name\n1,A,B\n", encoding="utf-8")
    with pytest.raises(FileProblem) as refused:
        dry(path)
    assert refused.value.message == "The column “Last_Name” appears twice (columns 2 and 3)."


def test_bad_rows_are_reported_and_the_rest_of_the_file_still_read(app, db, tmp_path):
    header = header_for("generic")
    good = list(sample_rows("generic", 9))
    good[1][4] = "not-an-address"  # invalid email
    good[2][5] = "1850"  # class year
    good[3][5] = "2099"
    good[4][3 - 3] = good[0][0]  # same external id as row 2, other content
    good[4][1] = "Someone"
    good[5] = list(good[0])  # the same row again
    good[6][4] = good[0][4].upper()  # the same address in another case
    good[7][10] = "Beekeeping"  # an industry not in the taxonomy
    good[8][1] = "=1+1"  # a formula
    lines = [",".join(header)]
    for row in good[:4]:
        lines.append(",".join(f'"{c}"' for c in row))
    lines.append("only,three,cells")  # a malformed row in the middle
    for row in good[4:]:
        lines.append(",".join(f'"{c}"' for c in row))
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = dry(path)
    assert outcomes(report) == [
        (2, "create", "", ""),
        (3, "error", "email", "“not-an-address” is not a valid email address"),
        (
            4,
            "error",
            "class_year",
            f"“1850” is not a class year between 1900 and {services.utcnow().year + 1}",
        ),
        (
            5,
            "error",
            "class_year",
            f"“2099” is not a class year between 1900 and {services.utcnow().year + 1}",
        ),
        (6, "error", "", "the row has 3 cells but the header has 17"),
        (7, "error", "external id", "the external id is also on row 2"),
        (8, "skip", "", "the same as row 2"),
        (
            9,
            "error",
            "email",
            "the address alum0@alumni.example.org is also on row 2 "
            "(addresses are compared without regard to case)",
        ),
        (10, "create", "", "industry “Beekeeping” is not mapped yet"),
        (11, "error", "first_name", "the cell holds a spreadsheet formula"),
    ]
    assert report.unknown_industries == {"Beekeeping": 1}
    assert db.session.scalar(db.select(db.func.count()).select_from(AlumniRecord)) == 0


def test_flags_in_each_vendor_spelling(app, db, tmp_path):
    rows = list(sample_rows("banner", 3))
    header = header_for("banner")
    rows[0][header.index("SPBPERS_DEAD_IND")] = "Y"
    rows[1][header.index("APREXCL_EXCL_CODE")] = "NOC"  # any exclusion code: do not contact
    rows[2][header.index("SPBPERS_CONFID_IND")] = "maybe"
    path = write_csv(tmp_path / "a.csv", "banner", rows)
    report = services.run_import(path, presets.BANNER, dry_run=False)
    assert outcomes(report)[2] == (4, "error", "SPBPERS_CONFID_IND", "“maybe” is not yes or no")
    flags = {
        ext: dead
        for ext, dead in db.session.execute(
            db.select(AlumniRecord.external_id, AlumniRecord.deceased)
        )
    }
    assert flags == {"X0000000": True, "X0000001": False}
    record = db.session.scalar(
        db.select(AlumniRecord).where(AlumniRecord.external_id == "X0000001")
    )
    assert record.do_not_contact is True


def test_emails_preferred_first_and_the_others_kept(app, db, tmp_path):
    header = [*header_for("salesforce-eda"), "hed__AlternateEmail__c", "hed__WorkEmail__c"]
    row = [*next(sample_rows("salesforce-eda", 1)), "Personal@Example.org", "Work@Employer.example"]
    row[header.index("Email")] = ""
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, row])
    services.run_import(path, presets.SALESFORCE_EDA, dry_run=False)
    record = db.session.scalar(db.select(AlumniRecord))
    assert record.email == "personal@example.org"
    assert record.other_emails == ["work@employer.example"]


def test_a_saved_mapping_reads_any_layout(app, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Student No,Surname,Given,E-mail\n7,Okafor,Ada,ada@example.org\n", "utf-8")
    mapping = tmp_path / "registry.json"
    mapping.write_text(
        '{"source": "registry", "columns": {"external_id": "Student No", "last_name": "Surname",'
        ' "first_name": "Given", "email": ["E-mail"]}}',
        "utf-8",
    )
    layout = presets.load_mapping(mapping)
    services.run_import(path, layout, dry_run=False)
    record = db.session.scalar(db.select(AlumniRecord))
    assert (record.source, record.external_id, record.display_name, record.email) == (
        "registry",
        "7",
        "Ada Okafor",
        "ada@example.org",
    )


def test_a_mapping_to_an_unknown_field_is_refused(app, db):
    from careerlink.errors import DomainError

    with pytest.raises(DomainError) as refused:
        presets.layout_from_mapping({"source": "x", "columns": {"shoe_size": "Size"}})
    assert refused.value.message.startswith("“shoe_size” is not a field; the fields are ")
