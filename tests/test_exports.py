"""Every CSV the app writes escapes cells a spreadsheet would run as formulas."""

import csv
import io

import pytest

from careerlink.exports import STREAM_ROWS, csv_chunks, csv_response, csv_text, safe_cell


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


def test_csv_chunks_write_the_header_before_reading_any_row():
    read = []

    def rows():
        for i in range(2 * STREAM_ROWS + 5):
            read.append(i)
            yield [f"=cell {i}", i, -i]

    chunks = csv_chunks(["name", "n", "minus"], rows())
    assert next(chunks) == "\ufeffname,n,minus\r\n"
    assert read == []
    rest = list(chunks)
    assert len(rest) == 3  # two full chunks and the five rows left
    assert "".join(rest) == csv_text([], ([f"=cell {i}", i, -i] for i in read)).lstrip("\r\n")
    assert rest[0].startswith("'=cell 0,0,0\r\n'=cell 1,1,'-1\r\n")
