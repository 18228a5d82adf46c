"""One pagination type: `paginate()` over any SELECT, bounded input, and the template."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import event, func, select
from sqlalchemy.orm import selectinload

from careerlink.mentors.industries import DEFAULT_INDUSTRIES, ensure_default_industries
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.pagination import Page, bounded_per_page, count_rows, page_number, paginate

NAMES = sorted(name for _, name in DEFAULT_INDUSTRIES)  # 27 industries


@pytest.fixture
def industries(db):
    """The 27 default industries."""
    ensure_default_industries(db.session.connection())
    db.session.commit()
    assert len(NAMES) == 27


@pytest.fixture
def statements(db):
    """The SQL statements run while the fixture is active."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield seen
    event.remove(db.engine, "before_cursor_execute", before)


def by_name():
    return select(Industry).order_by(Industry.name)


def test_pages_of_entities(industries, db):
    first = paginate(by_name(), page=1, per_page=10)
    assert [i.name for i in first.items] == NAMES[:10]
    assert (first.page, first.per_page, first.total, first.pages) == (1, 10, 27, 3)
    assert (first.has_prev, first.has_next, first.prev_num, first.next_num) == (
        False,
        True,
        None,
        2,
    )
    assert (first.first_index, first.last_index) == (1, 10)
    last = paginate(by_name(), page=3, per_page=10)
    assert [i.name for i in last.items] == NAMES[20:]
    assert (last.has_prev, last.has_next, last.prev_num, last.next_num) == (True, False, 2, None)
    assert (last.first_index, last.last_index) == (21, 27)
    assert list(last) == last.items
    seen = []
    for number in range(1, 4):
        seen += [i.name for i in paginate(by_name(), page=number, per_page=10)]
    assert seen == NAMES


def test_one_column_gives_values_and_several_give_rows(industries, db):
    slugs = paginate(select(Industry.slug).order_by(Industry.slug), page=2, per_page=5)
    assert slugs.items == sorted(slug for slug, _ in DEFAULT_INDUSTRIES)[5:10]
    rows = paginate(select(Industry.slug, Industry.name).order_by(Industry.name), 1, 2)
    assert [tuple(r) for r in rows.items] == [
        (slug, name) for slug, name in sorted(DEFAULT_INDUSTRIES, key=lambda p: p[1])[:2]
    ]
    counted = paginate(select(func.count(Industry.id)), page=1, per_page=5)
    assert counted.items == [27] and counted.total == 1


def test_eager_loaded_entities_are_not_repeated(industries, db, make_user):
    from careerlink.permissions import Role

    law, vet = (
        db.session.scalar(select(Industry).where(Industry.slug == slug))
        for slug in ("law", "veterinary")
    )
    for n in range(3):
        profile = MentorProfile(user=make_user(Role.ALUMNUS), headline=f"Mentor {n}")
        profile.industries = [law, vet]
        db.session.add(profile)
    db.session.commit()
    stmt = select(MentorProfile).options(selectinload(MentorProfile.industries))
    page = paginate(stmt.order_by(MentorProfile.id), page=1, per_page=2)
    assert [p.headline for p in page.items] == ["Mentor 0", "Mentor 1"]
    assert page.total == 3 and page.pages == 2
    assert [i.slug for i in page.items[0].industries] == ["law", "veterinary"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("1.5", 1),
        ("0", 1),
        ("-3", 1),
        (-3, 1),
        ("2", 2),
        (7, 7),
        ("99999999999999999999", 99999999999999999999),
        (float("inf"), 1),
    ],
)
def test_page_numbers_are_bounded(raw, expected):
    assert page_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 20), ("abc", 20), ("0", 1), (-5, 1), ("7", 7), (100, 100), ("100000", 100)],
)
def test_page_sizes_are_bounded(raw, expected):
    assert bounded_per_page(raw) == expected


@pytest.mark.parametrize("page", ["4", 28, "99999999999999999999", 2**63, 10**30])
def test_a_page_past_the_end_is_empty_and_never_queried(industries, db, statements, page):
    result = paginate(by_name(), page=page, per_page=10)
    assert result.items == [] and result.total == 27 and result.pages == 3
    assert result.has_prev and not result.has_next
    assert (result.first_index, result.last_index) == (0, 0)
    assert len(statements) == 1  # the count only: no OFFSET reaches the database


def test_bad_page_and_size_fall_back(industries, db):
    result = paginate(by_name(), page="-5", per_page="100000")
    assert (result.page, result.per_page, len(result.items)) == (1, 100, 27)
    assert result.pages == 1 and not result.has_next


def test_a_known_total_skips_the_count(industries, db, statements):
    result = paginate(by_name(), page=2, per_page=10, total=27)
    assert [i.name for i in result.items] == NAMES[10:20]
    assert len(statements) == 1


def test_empty_list_is_one_empty_page(db, statements):
    result = paginate(by_name(), page=1, per_page=10)
    assert (result.items, result.total, result.pages, result.page) == ([], 0, 1, 1)
    assert not result.has_prev and not result.has_next
    assert len(statements) == 1
    assert count_rows(by_name()) == 0


def test_page_defaults():
    page = Page()
    assert (page.items, page.page, page.per_page, page.total, page.pages) == ([], 1, 20, 0, 1)


def render(app, page: Page, query: str = "") -> str:
    with app.test_request_context("/mentors" + query):
        return render_template("careerlink/_pagination.html", pagination=page)


def test_the_template_renders_a_page(app, industries, db):
    middle = paginate(by_name(), page=2, per_page=10)
    html = render(app, middle, "?q=vet&page=2")
    assert "Page 2 of 3" in html
    assert 'rel="prev" href="/mentors?q=vet&amp;page=1"' in html
    assert 'rel="next" href="/mentors?q=vet&amp;page=3"' in html
    first = render(app, paginate(by_name(), page=1, per_page=10))
    assert 'rel="prev"' not in first and 'rel="next" href="/mentors?page=2"' in first
    last = render(app, paginate(by_name(), page=3, per_page=10))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert render(app, paginate(by_name(), page=1, per_page=50)).strip() == ""
