"""Every CSV the app writes escapes cells a spreadsheet would run as formulas."""

import csv
import io

import pytest

from careerlink.exports import csv_response, csv_text, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ada = Lovelace", "Ada = Lovelace"),
        (None, ""),
        (2024, "2024"),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_csv_text_round_trips_quotes_commas_and_line_breaks():
    text = csv_text(["name", "note"], [["Lovelace, Ada", 'said "hi"\nthen left'], ["=1+1", "ok"]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "note"],
        ["Lovelace, Ada", 'said "hi"\nthen left'],
        ["'=1+1", "ok"],
    ]


def test_csv_response_is_an_attachment_with_a_bom(app):
    with app.test_request_context():
        response = csv_response("report.csv", ["a"], [["é"]])
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True) == "\ufeffa\r\né\r\n"
