"""Generated import files in each preset's layout, for the tests, the benchmark and demos."""

from __future__ import annotations

import csv
from pathlib import Path

from careerlink.mentors.imports.presets import FIELDS, PRESETS
from careerlink.mentors.industries import DEFAULT_INDUSTRIES

FIRST = ("Ana", "Bilal", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustav", "Hana", "Idris", "Jo")
LAST = ("Álvarez", "Brown", "Chen", "Diallo", "Eriksen", "Fischer", "García", "O'Neil", "Kim")
EMPLOYERS = ("Acme, Inc.", "City Hospital", "Northwind", "Globex", "Riverside Veterinary")
PROGRAMMES = ("Biology", "Economics", "Journalism", "Mechanical Engineering", "History")
# How each CRM writes a true and a false flag in its exports.
FLAG_WORDS = {
    "generic": ("yes", "no"),
    "raisers-edge": ("Yes", "No"),
    "salesforce-eda": ("true", "false"),
    "banner": ("Y", "N"),
}


def sample_values(index: int, preset: str = "generic") -> dict[str, str]:
    """The field values of generated alumnus number `index` (deterministic)."""
    yes, no = FLAG_WORDS[preset]
    first, last = FIRST[index % len(FIRST)], LAST[index // len(FIRST) % len(LAST)]
    industry = DEFAULT_INDUSTRIES[index % len(DEFAULT_INDUSTRIES)][1]
    return {
        "external_id": f"X{index:07d}",
        "first_name": first,
        "last_name": last,
        "preferred_name": first if index % 5 else "",
        "email": f"alum{index}@alumni.example.org",
        "class_year": str(1970 + index % 55),
        "degree": "BSc" if index % 2 else "BA",
        "programme": PROGRAMMES[index % len(PROGRAMMES)],
        "employer": EMPLOYERS[index % len(EMPLOYERS)],
        "job_title": "Analyst",
        "industry": industry,
        "city": "Lyon" if index % 3 else "São Paulo",
        "country": "France" if index % 3 else "Brazil",
        "linkedin_url": f"https://www.linkedin.com/in/alum-{index}",
        "deceased": no,
        "do_not_contact": "" if preset == "banner" else no,
        "confidential": yes if index % 97 == 13 else no,
    }


def header_for(preset: str) -> list[str]:
    """The columns a generated file of that preset has: the first name of each field's columns."""
    layout = PRESETS[preset]
    return [layout.columns[name][0] for name in FIELDS if name in layout.columns]


def sample_rows(preset: str, count: int, start: int = 0):
    """The generated rows (lists of cells) in the preset's column order."""
    layout = PRESETS[preset]
    names = [name for name in FIELDS if name in layout.columns]
    for index in range(start, start + count):
        values = sample_values(index, preset)
        yield [values[name] for name in names]


def write_csv(path: Path, preset: str, rows, *, delimiter: str = ",", encoding: str = "utf-8"):
    """Write a CSV with the preset's header and the given rows."""
    with Path(path).open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header_for(preset))
        writer.writerows(rows)
    return Path(path)


def write_xlsx(path: Path, preset: str, rows):
    """Write an XLSX workbook (one sheet) with the preset's header and the given rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Alumni")
    sheet.append(header_for(preset))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return Path(path)
