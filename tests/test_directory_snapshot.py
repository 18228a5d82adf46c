"""The directory snapshot: the same counts and order as SQL, caught up change by change.

The counts, facets and browse order come from each process's columnar snapshot. Here they are
checked against plain SQL over the same rows (the oracle: one GROUP BY or ORDER BY per question,
written for clarity, not speed), over a varied directory and many searches; then the snapshot's
catching up: by the changed rows only, whole again after a deletion, never with what a
transaction has not committed.
"""

from __future__ import annotations

import pickle
import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from flask import current_app
from sqlalchemy import BigInteger, case, cast, delete, func, or_, select, text

from careerlink.accounts.models import User
from careerlink.database import transaction
from careerlink.mentors import directory_snapshot, search
from careerlink.mentors import text as textfold
from careerlink.mentors.directory_snapshot import LIST_FACET_LIMIT, LIST_FACETS, PRIME
from careerlink.mentors.models import Industry, MentorProfile, Offer
from careerlink.mentors.search import SearchCriteria, day_seed, search_mentors
from careerlink.permissions import Role

P = MentorProfile
ON = date(2030, 6, 12)
PLACES = [
    ("Ireland", "Connacht", "Galway"),
    ("Ireland", "Leinster", "Dublin"),
    ("ireland", "leinster", "dublin"),  # the same place in another case: one filter, two facets
    ("France", "Île-de-France", "Paris"),
    ("", "", ""),
]
PROGRAMMES = ["Veterinary Medicine", "Law", "law", "", "Computer Science"]
INDUSTRIES = ["veterinary", "law", "software"]
WORDS = ["horses", "surgery", "contracts", "python", "gardens"]


@pytest.fixture
def directory(db, make_user, make_mentor):
    """About sixty alumni with every combination that matters, some of them not listed."""
    rng = random.Random(20301206)
    made = []
    asked_at = [None, None, datetime(2030, 5, 1, tzinfo=UTC), datetime(2030, 6, 1, tzinfo=UTC)]
    for n in range(60):
        country, region, city = rng.choice(PLACES)
        profile = make_mentor(
            make_user(Role.ALUMNUS, name=f"Alum {n} {rng.choice(WORDS)}"),
            offers=rng.sample([o.value for o in Offer], rng.randint(1, 3)),
            industry=rng.sample(INDUSTRIES, rng.randint(1, 2)),
            country=country,
            region=region,
            city=city,
            programme=rng.choice(PROGRAMMES),
            class_year=rng.choice([None, 1999, 2005, 2012, 2020]),
            open_to_remote=rng.random() < 0.4,
            bio=" ".join(rng.sample(WORDS, 2)),
            last_requested_at=rng.choice(asked_at),
            away_until=rng.choice([None, None, None, ON + timedelta(days=5), ON]),
            accepting_requests=rng.random() > 0.1,
            listed=rng.random() > 0.1,
        )
        made.append(profile)
    return made


CRITERIA = [
    SearchCriteria(),
    SearchCriteria(industries=["law"]),
    SearchCriteria(industries=["law", "software"], offers=[Offer.SHADOWING]),
    SearchCriteria(offers=[Offer.RESUME_REVIEW, Offer.INTRODUCTION], remote=True),
    SearchCriteria(country="IRELAND"),
    SearchCriteria(country="Ireland", city="dublin"),
    SearchCriteria(region="Île-de-France", programme="LAW"),
    SearchCriteria(class_year_min=2005),
    SearchCriteria(class_year_max=2005),
    SearchCriteria(class_year_min=2005, class_year_max=2012, accepting_now=True),
    SearchCriteria(accepting_now=True, remote=True, industries=["veterinary"]),
    SearchCriteria(q="horses"),
    SearchCriteria(q="surg", industries=["veterinary"], country="Ireland"),
    SearchCriteria(q="nobody-has-this-word"),
    SearchCriteria(city="Nowhere"),
    SearchCriteria(offers=[Offer.SHADOWING]),
    SearchCriteria(remote=True),
]


# --- the oracle: plain SQL ---------------------------------------------------------------------


def all_industries(db) -> list[Industry]:
    return list(db.session.scalars(select(Industry).order_by(Industry.id)))


def available_clause(on: date):
    return or_(P.unavailable_until.is_(None), P.unavailable_until <= on)


def oracle_groups(db, criteria: SearchCriteria, on: date = ON) -> dict:
    """One SQL clause per active filter group (AND between groups, OR inside a group)."""
    groups = {}
    if criteria.terms:
        groups["q"] = search._text_clause(criteria.terms, db.engine.dialect.name)
    ids = {i.slug: i.id for i in all_industries(db)}
    industry_ids = [ids[s] for s in criteria.industries if s in ids]
    if industry_ids:
        groups["industry"] = or_(*(P.industry_key.contains(f"|{i}|") for i in industry_ids))
    if criteria.offers:
        columns = directory_snapshot.OFFER_COLUMNS
        groups["offer"] = or_(*(getattr(P, columns[o]).is_(True) for o in criteria.offers))
    for name in LIST_FACETS:
        value = getattr(criteria, name)
        if value:
            groups[name] = func.lower(getattr(P, name)) == value.lower()
    if criteria.remote:
        groups["remote"] = P.open_to_remote.is_(True)
    if criteria.class_year_min is not None:
        groups["year_from"] = P.class_year >= criteria.class_year_min
    if criteria.class_year_max is not None:
        groups["year_to"] = P.class_year <= criteria.class_year_max
    if criteria.accepting_now:
        groups["accepting"] = available_clause(on)
    return groups


def oracle_count(db, criteria: SearchCriteria) -> tuple[int, dict]:
    groups = oracle_groups(db, criteria)
    listed = P.directory_listed.is_(True)

    def where(*leave_out):
        return [listed, *(c for name, c in groups.items() if name not in leave_out)]

    def count(*clauses, leave_out=()):
        return db.session.scalar(
            select(func.count()).select_from(P).where(*where(*leave_out), *clauses)
        )

    offer_column = {o: getattr(P, directory_snapshot.OFFER_COLUMNS[o]) for o in Offer}
    facets = {
        "offer": {o.value: count(offer_column[o].is_(True), leave_out=("offer",)) for o in Offer},
        "remote": {"yes": count(P.open_to_remote.is_(True), leave_out=("remote",))},
        "accepting": {"yes": count(available_clause(ON), leave_out=("accepting",))},
    }
    for name in LIST_FACETS:
        column = getattr(P, name)
        rows = db.session.execute(
            select(column, func.count()).where(*where(name), column != "").group_by(column)
        ).all()
        ranked = sorted(((value, n) for value, n in rows), key=lambda item: (-item[1], item[0]))
        facets[name] = dict(ranked[:LIST_FACET_LIMIT])
    industry_counts = {}
    for industry in all_industries(db):
        n = count(P.industry_key.contains(f"|{industry.id}|"), leave_out=("industry",))
        if n:
            industry_counts[industry.slug] = n
    facets["industry"] = industry_counts
    return count(), facets


def oracle_browse(db, criteria: SearchCriteria, seed: int, on: date = ON) -> list[int]:
    groups = oracle_groups(db, criteria, on)
    multiplier = 1 + seed % (PRIME - 1)
    offset = (seed * 2654435761) % PRIME
    shuffle = (cast(P.id, BigInteger) * multiplier + offset) % PRIME
    unavailable_last = case((available_clause(on), 0), else_=1)
    return list(
        db.session.scalars(
            select(P.id)
            .where(P.directory_listed.is_(True), *groups.values())
            .order_by(unavailable_last, P.last_requested_at.asc().nulls_first(), shuffle, P.id)
        )
    )


def oracle_ranked(db, criteria: SearchCriteria) -> list[int]:
    """A word search's order: who may be asked now, then the best match, then the id."""
    groups = oracle_groups(db, criteria)
    unavailable_last = case((available_clause(ON), 0), else_=1)
    terms = criteria.terms
    if db.engine.dialect.name == "sqlite":
        match = search._fts.c[search.FTS_TABLE].match(textfold.fts5_query(terms))
        stmt = (
            select(P.id)
            .join(search._fts, search._fts.c.rowid == P.id)
            .where(match, P.directory_listed.is_(True), *groups.values())
            .order_by(unavailable_last, search._fts.c.rank, P.id)
        )
    else:
        rank = func.ts_rank(search._pg_vector(), search._pg_query(terms))
        stmt = (
            select(P.id)
            .where(P.directory_listed.is_(True), *groups.values())
            .order_by(unavailable_last, rank.desc(), P.id)
        )
    return list(db.session.scalars(stmt))


# --- the same answers --------------------------------------------------------------------------


# One directory for all the searches (each test builds its own, and building is the slow part).


def test_counts_and_facets_are_what_sql_counts(db, directory):
    for criteria in CRITERIA:
        result = search_mentors(criteria, on=ON, per_page=100)
        assert (result.total, result.facets) == oracle_count(db, criteria), criteria


def test_every_browse_page_is_in_the_sql_order(db, directory, make_user):
    viewer = make_user(Role.STUDENT)
    for criteria in (c for c in CRITERIA if not c.q):
        expected = oracle_browse(db, criteria, day_seed(viewer.id, ON))
        pages = []
        for page in range(1, 11):  # 70 places for at most 60 alumni
            result = search_mentors(criteria, viewer=viewer, page=page, per_page=7, on=ON)
            if result.page == page:
                pages += [p.id for p in result.items]
        assert pages == expected, criteria


def test_every_word_search_page_is_in_the_sql_order(db, directory):
    for criteria in (c for c in CRITERIA if c.q):
        expected = oracle_ranked(db, criteria)
        pages = []
        for page in range(1, 11):
            result = search_mentors(criteria, page=page, per_page=7, on=ON)
            if result.page == page:
                pages += [p.id for p in result.items]
        assert pages == expected, criteria


def test_the_order_is_each_viewers_own_and_the_days_own(db, directory, make_user):
    """Equally unasked alumni are shuffled per viewer and per day, as SQL would order them."""
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    orders = {}
    for viewer in (first, second):
        for on in (ON, ON + timedelta(days=1)):
            found = search_mentors(viewer=viewer, on=on, per_page=100).items
            orders[viewer.id, on] = [p.id for p in found]
            assert orders[viewer.id, on] == oracle_browse(
                db, SearchCriteria(), day_seed(viewer.id, on), on
            )
    assert len({tuple(order) for order in orders.values()}) == 4


@pytest.mark.parametrize("walk_cost", [0, 10**12])  # the shuffle walked; the tie shuffled
def test_the_landing_pages_are_sqls_order_whether_the_shuffle_is_walked_or_not(
    db, directory, make_user, monkeypatch, walk_cost
):
    monkeypatch.setattr(directory_snapshot, "WALK_COST", walk_cost)
    for viewer in (make_user(Role.STUDENT), make_user(Role.STUDENT)):
        for criteria in (SearchCriteria(), SearchCriteria(accepting_now=True)):
            expected = oracle_browse(db, criteria, day_seed(viewer.id, ON))
            pages = []
            for page in range(1, 11):
                result = search_mentors(criteria, viewer=viewer, page=page, per_page=7, on=ON)
                if result.page == page:
                    pages += [p.id for p in result.items]
            assert pages == expected, criteria


# --- catching up -------------------------------------------------------------------------------


def holder():
    return current_app.extensions[directory_snapshot.EXTENSION]


def assert_same_as_a_fresh_read(db):
    structure, version = directory_snapshot.state()
    fresh = directory_snapshot.read_snapshot(structure, version)
    shared = holder().snapshot
    for criteria in CRITERIA:
        if criteria.q:
            continue
        answers = []
        for snapshot in (shared, fresh):
            available = snapshot.available(ON)
            industry_ids = [i.id for i in all_industries(db) if i.slug in criteria.industries]
            groups = snapshot.group_masks(
                criteria, industry_ids if criteria.industries else None, None, available
            )
            answers.append(
                (
                    snapshot.counts(groups, available, all_industries(db)),
                    snapshot.browse_page(snapshot.matching(groups), available, 7, 0, 100),
                )
            )
        assert answers[0] == answers[1]


def test_a_change_is_caught_up_by_its_rows_alone(
    db, directory, make_mentor, make_user, monkeypatch
):
    search_mentors(on=ON)
    shared = holder().snapshot
    read = []
    changed_since = directory_snapshot._changed_since

    def spy(version):
        rows = changed_since(version)
        read.append(sorted(row.id for row in rows))
        return rows

    monkeypatch.setattr(directory_snapshot, "_changed_since", spy)
    with transaction():
        directory[0].city = "Cork"
        directory[1].listed = False
        directory[2].last_requested_at = datetime(2030, 6, 11, tzinfo=UTC)
    newest = make_mentor(make_user(Role.ALUMNUS, name="Newest Alum"), city="Cork")
    result = search_mentors(SearchCriteria(city="cork"), on=ON)
    assert holder().snapshot is shared  # patched, not read again
    assert read == [sorted([directory[0].id, directory[1].id, directory[2].id, newest.id])]
    assert result.total == oracle_count(db, SearchCriteria(city="cork"))[0]
    assert_same_as_a_fresh_read(db)


def test_a_deleted_account_reads_the_snapshot_again(db, directory):
    search_mentors(on=ON)
    shared = holder().snapshot
    gone = directory[3]
    with transaction():
        db.session.execute(delete(P).where(P.id == gone.id))
        db.session.delete(db.session.get(User, gone.user_id))
    result = search_mentors(on=ON, per_page=100)
    assert holder().snapshot is not shared
    assert gone.id not in [p.id for p in result.items]
    assert_same_as_a_fresh_read(db)


def test_an_uncommitted_change_stays_out_of_the_shared_snapshot(db, directory):
    search_mentors(on=ON)
    shared_version = holder().snapshot.version
    listed = [p for p in directory if p.directory_listed]
    before = search_mentors(on=ON).total
    listed[0].listed = False
    db.session.flush()
    assert search_mentors(on=ON).total == before - 1  # this transaction sees its own change
    assert holder().snapshot.version == shared_version  # the shared snapshot does not
    db.session.rollback()
    assert search_mentors(on=ON).total == before
    assert_same_as_a_fresh_read(db)


def test_a_profile_id_below_the_highest_cannot_be_patched_in(db, directory):
    """A lower id committed after a higher one (PostgreSQL's sequences allow it): read again."""
    search_mentors(on=ON)
    snapshot = holder().snapshot
    row = db.session.execute(
        select(*directory_snapshot._columns(db.engine.dialect.name)).where(P.id == directory[5].id)
    ).one()
    assert snapshot.apply([SimpleNamespace(**{**row._asdict(), "id": 0})]) is False


def test_catching_up_reads_the_changed_profiles_through_their_index(db, directory):
    """The catch-up query of every search finds the changed profiles by an index, not a scan."""
    statement = select(*directory_snapshot._columns(db.engine.dialect.name)).where(
        P.directory_version > 1
    )
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(
            str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
        )
        assert "USING INDEX ix_careerlink_mentor_profiles_directory_version" in plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask the planner
        plan = " ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")))
        assert "ix_careerlink_mentor_profiles_directory_version" in plan


# --- the snapshot's own edges --------------------------------------------------------------------

NAMES = [
    "id",
    "directory_listed",
    "industry_key",
    *LIST_FACETS,
    "class_year",
    "open_to_remote",
    *directory_snapshot.OFFER_COLUMNS.values(),
    "unavailable_day",
    "requested_micros",
]


def row(profile_id: int, city: str = "Cork", industry_key: str = "|1|") -> tuple:
    """A row as the whole read returns it (see directory_snapshot._columns)."""
    return (
        profile_id,
        True,
        industry_key,
        "Ireland",
        "",
        city,
        "",
        0,
        False,
        True,
        False,
        False,
        False,
        False,
        0,
        -1,
    )


def patch(values: tuple) -> SimpleNamespace:
    """The same row as the catching-up query returns it (by attribute)."""
    return SimpleNamespace(**dict(zip(NAMES, values, strict=True)))


def cities(snapshot) -> dict[int, str]:
    return {
        int(snapshot.ids[i]): snapshot.values["city"][snapshot.codes["city"][i]]
        for i in range(snapshot.size)
    }


def test_rows_read_out_of_id_order_are_sorted_with_their_columns():
    snapshot = directory_snapshot.Snapshot(
        1, 1, NAMES, [row(3, "Cork"), row(1, "Galway"), row(2, "Sligo")]
    )
    assert cities(snapshot) == {1: "Galway", 2: "Sligo", 3: "Cork"}
    assert list(snapshot.ids[: snapshot.size]) == [1, 2, 3]


def test_new_profiles_past_the_snapshots_capacity_make_it_grow():
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, [row(1)])
    capacity = snapshot.ids.size
    assert snapshot.apply([patch(row(n, f"Town {n}")) for n in range(2, capacity + 12)]) is True
    assert snapshot.size == capacity + 11 and snapshot.ids.size > capacity
    assert cities(snapshot)[capacity + 11] == f"Town {capacity + 11}"
    assert int(snapshot.industries[1][: snapshot.size].sum()) == snapshot.size


def test_ids_the_snapshot_does_not_hold_match_nothing():
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, [row(2), row(5)])
    mask, scores = snapshot.rows_of([5, 7, 1])
    assert (mask.tolist(), scores) == ([False, True], None)
    criteria = SearchCriteria(industries=["nowhere"])
    groups = snapshot.group_masks(criteria, [999], None, snapshot.available(ON))
    assert groups["industry"].tolist() == [False, False]


@pytest.mark.parametrize(
    "asked",
    [
        [-1],  # nobody asked: one tie as large as the directory
        [-1, -1, -1, 5_000_000],  # most never asked
        [-1, 7_000_000, 8_000_000, 9_000_000],  # a few never asked: the page goes past them
        list(range(1_000_000, 1_000_010)),  # ten request times shared by many
    ],
)
def test_every_browse_page_is_the_fully_sorted_order_whatever_the_ties(asked):
    rng = random.Random(len(asked))
    rows = []
    for n in range(1, 301):
        values = list(row(n))
        values[NAMES.index("unavailable_day")] = rng.choice([0, 0, 0, ON.toordinal() + 3])
        values[NAMES.index("requested_micros")] = rng.choice(asked)
        rows.append(tuple(values))
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, rows)
    available = snapshot.available(ON)
    mask = snapshot.listed[: snapshot.size].copy()
    ids = snapshot.ids[: snapshot.size]
    seed = day_seed(7, ON)  # a small seed would leave small ids in their own order
    shuffle = directory_snapshot.tiebreak(ids, seed)
    everyone = np.lexsort((shuffle, snapshot.requested[: snapshot.size], ~available))
    expected = [int(i) for i in ids[everyone]]
    for per_page in (1, 7, 20, 300):
        pages = []
        for start in range(0, 300, per_page):
            pages += snapshot.browse_page(mask, available, seed, start, per_page)
        assert pages == expected, per_page


# --- the day's order and the shuffle's walk ------------------------------------------------------


@pytest.mark.parametrize("span", [1, 2, 3, 10, 97, 1000])
def test_walking_the_shuffle_gives_the_ids_in_the_shuffles_order(span):
    ids = np.arange(span, dtype=np.int64)
    # Seeds 0 and PRIME - 2 make the shuffle the identity and its reverse (a = 1, a = p - 1).
    for seed in (0, 1, PRIME - 2, *(day_seed(viewer, ON) for viewer in range(1, 6))):
        expected = ids[np.argsort(directory_snapshot.tiebreak(ids, seed), kind="stable")]
        assert list(directory_snapshot.shuffled_ids(seed, span)) == expected.tolist(), seed


def varied_snapshot(seed: int, count: int = 400) -> directory_snapshot.Snapshot:
    """Alumni with gaps in their ids, some unlisted, away, asked at shared or unique times."""
    rng = random.Random(seed)
    rows = []
    for n in range(1, count + 1):
        values = list(row(3 * n + rng.randint(0, 2)))
        values[NAMES.index("directory_listed")] = rng.random() > 0.1
        values[NAMES.index("unavailable_day")] = rng.choice([0, 0, 0, ON.toordinal() + 3])
        asked = rng.choice([-1, -1, -1, 5_000_000, 6_000_000, rng.randint(1, 10**9)])
        values[NAMES.index("requested_micros")] = asked
        rows.append(tuple(values))
    return directory_snapshot.Snapshot(1, 1, NAMES, rows)


def fully_sorted(snapshot, seed: int, on: date = ON, available_only: bool = False) -> list[int]:
    """Every listed alumnus in browse order, sorted whole (no tie left to chance)."""
    size = snapshot.size
    ids = snapshot.ids[:size]
    available = snapshot.available(on)
    keep = snapshot.listed[:size] & (available if available_only else True)
    rows = np.flatnonzero(keep)
    shuffle = directory_snapshot.tiebreak(ids[rows], seed)
    order = np.lexsort((shuffle, snapshot.requested[:size][rows], ~available[rows]))
    return [int(i) for i in ids[rows[order]]]


def read_in_pages(snapshot, seed: int, per_page: int, on: date = ON, **options) -> list[int]:
    pages: list[int] = []
    for start in range(0, snapshot.size + per_page, per_page):
        pages += snapshot.browse_listed(on, seed, start, per_page, **options)
    return pages


@pytest.mark.parametrize("walk_cost", [0, 10**12])  # always walk the shuffle; never walk it
@pytest.mark.parametrize("available_only", [False, True])
def test_the_days_order_gives_every_page_in_the_fully_sorted_order(
    monkeypatch, walk_cost, available_only
):
    monkeypatch.setattr(directory_snapshot, "WALK_COST", walk_cost)
    snapshot = varied_snapshot(11)
    for seed in (day_seed(7, ON), day_seed(8, ON), 0):
        expected = fully_sorted(snapshot, seed, available_only=available_only)
        for per_page in (1, 7, 20, 500):
            pages = read_in_pages(snapshot, seed, per_page, available_only=available_only)
            assert pages == expected, (seed, per_page)
        # The same as the general path (`browse_page`) over the same alumni.
        available = snapshot.available(ON)
        mask = snapshot.listed[: snapshot.size] & (available if available_only else True)
        assert snapshot.browse_page(mask, available, seed, 20, 20) == expected[20:40]


@pytest.mark.parametrize("walk_cost", [0, 10**12])
def test_the_days_order_follows_each_change_and_each_day(monkeypatch, walk_cost):
    monkeypatch.setattr(directory_snapshot, "WALK_COST", walk_cost)
    snapshot = varied_snapshot(12)
    seed = day_seed(9, ON)
    assert read_in_pages(snapshot, seed, 20) == fully_sorted(snapshot, seed)
    day = snapshot.day_order(ON)
    ids = [int(i) for i in snapshot.ids[: snapshot.size]]
    rng = random.Random(5)
    changed = []
    for profile_id in rng.sample(ids, 12):
        values = list(row(profile_id))
        values[NAMES.index("directory_listed")] = rng.random() > 0.3
        values[NAMES.index("unavailable_day")] = rng.choice([0, ON.toordinal() + 1])
        values[NAMES.index("requested_micros")] = rng.choice([-1, 5_000_000, 2 * 10**9])
        changed.append(patch(tuple(values)))
    new = [patch(row(ids[-1] + 10)), patch(row(ids[-1] + 11))]  # new alumni: ids only grow
    assert snapshot.apply(changed + new) is True
    assert snapshot.day_order(ON) is day  # moved row by row, not sorted again
    assert snapshot.size == len(ids) + 2
    expected = fully_sorted(snapshot, seed)
    assert read_in_pages(snapshot, seed, 20) == expected
    assert read_in_pages(snapshot, seed, 20, available_only=True) == fully_sorted(
        snapshot, seed, available_only=True
    )
    # The next day: the away come back, and the day's order is sorted again.
    later = ON + timedelta(days=4)
    assert read_in_pages(snapshot, seed, 20, on=later) == fully_sorted(snapshot, seed, later)
    assert snapshot.day_order(later) is not day
    # Many changes at once: sorted again when next used, with the same answer.
    many = [patch(row(profile_id)) for profile_id in ids[: directory_snapshot.DAY_ORDER_MOVES + 1]]
    assert snapshot.apply(many) is True
    assert read_in_pages(snapshot, seed, 20, on=later) == fully_sorted(snapshot, seed, later)


def test_the_listed_tallies_are_kept_row_by_row_as_a_fresh_count_gives_them():
    """The landing page's counts come from tallies patched by each change, never recounted."""
    rng = random.Random(3)
    towns, keys = ["Cork", "Sligo", "Galway"], ["|1|", "|2|", "|1|2|", ""]
    rows = {n: list(row(n, rng.choice(towns), rng.choice(keys))) for n in range(1, 200)}
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, [tuple(v) for v in rows.values()])
    industries = [SimpleNamespace(id=i, slug=f"industry-{i}") for i in (1, 2, 3)]
    single = [
        SearchCriteria(),
        SearchCriteria(city="Cork"),
        SearchCriteria(offers=[Offer.SHADOWING]),
        SearchCriteria(remote=True),
    ]

    def answers(snap) -> list:
        available = snap.available(ON)
        found = []
        for criteria in single:
            groups = snap.group_masks(criteria, None, None, available)
            found.append(snap.counts(groups, available, industries))
        groups = snap.group_masks(SearchCriteria(), [1], None, available)  # by industry alone
        return [*found, snap.counts(groups, available, industries)]

    answers(snapshot)  # the tallies are counted now, then kept
    for n in rng.sample(sorted(rows), 40):
        values = rows[n]
        values[NAMES.index("directory_listed")] = rng.random() > 0.4
        values[NAMES.index("city")] = rng.choice([*towns, "Tralee"])  # a value new to the snapshot
        values[NAMES.index("industry_key")] = rng.choice([*keys, "|3|", "|1|3|"])
        values[NAMES.index("open_to_remote")] = rng.random() > 0.5
        values[NAMES.index("offers_shadowing")] = rng.random() > 0.5
    rows[250] = list(row(250, "Tralee", "|3|"))
    changed = [patch(tuple(v)) for v in rows.values()]
    assert snapshot.apply(changed) is True
    fresh = directory_snapshot.Snapshot(1, 1, NAMES, [tuple(v) for v in rows.values()])
    assert answers(snapshot) == answers(fresh)
    listed_in_tralee = [n for n, v in rows.items() if v[1] and v[NAMES.index("city")] == "Tralee"]
    assert answers(fresh)[0][1]["city"]["Tralee"] == len(listed_in_tralee)


def test_word_matches_are_remembered_until_the_next_change():
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, [row(2), row(5), row(9)])
    asked = []

    def fetch(ids, scores):
        def run():
            asked.append(ids)
            return ids, scores

        return run

    mask, scores = snapshot.text_rows(["vet"], fetch([9, 2], [-2.0, -1.0]))
    assert (mask.tolist(), scores.tolist()) == ([True, False, True], [-1.0, np.inf, -2.0])
    again = snapshot.text_rows(["vet"], fetch([5], [-9.0]))  # not asked: remembered
    assert [a.tolist() for a in again] == [mask.tolist(), scores.tolist()]
    snapshot.text_rows(["law"], fetch([5], [-3.0]))
    assert asked == [[9, 2], [5]]
    assert snapshot.apply([]) is True  # nothing changed: still remembered
    snapshot.text_rows(["vet"], fetch([5], [-9.0]))
    assert asked == [[9, 2], [5]]
    assert snapshot.apply([patch(row(5, "Sligo"))]) is True  # any change forgets every answer
    mask, scores = snapshot.text_rows(["vet"], fetch([5], [-9.0]))
    assert asked == [[9, 2], [5], [5]]
    assert (mask.tolist(), scores.tolist()) == ([False, True, False], [np.inf, -9.0, np.inf])


def test_remembered_word_matches_are_bounded_and_not_shared(monkeypatch):
    monkeypatch.setattr(directory_snapshot, "TEXT_CACHE_MATCHES", 4)
    snapshot = directory_snapshot.Snapshot(1, 1, NAMES, [row(n) for n in range(1, 6)])
    snapshot.text_rows(["a"], lambda: ([1, 2], [0.0, 0.0]))
    snapshot.text_rows(["b"], lambda: ([3], [0.0]))
    snapshot.text_rows(["a"], lambda: ([], []))  # used again: now the most recent
    snapshot.text_rows(["c"], lambda: ([4, 5], [0.0, 0.0]))  # 5 held > 4: the oldest goes
    assert list(snapshot._text) == [("a",), ("c",)]
    assert snapshot._text_held == 4
    copy = pickle.loads(pickle.dumps(snapshot))  # noqa: S301 (our own bytes)
    assert (list(copy._text), copy._text_held) == ([], 0)
    assert copy.ids[: copy.size].tolist() == [1, 2, 3, 4, 5]


def test_a_word_search_sees_a_profile_whose_words_changed(db, directory):
    word = "zebrafish"
    assert search_mentors(SearchCriteria(q=word), on=ON).total == 0
    listed = next(p for p in directory if p.listed and p.directory_listed)
    with transaction():
        listed.headline = f"{word} geneticist"
    result = search_mentors(SearchCriteria(q=word), on=ON)
    assert [p.id for p in result.items] == [listed.id]


def test_a_row_that_cannot_be_patched_in_makes_the_search_read_the_snapshot_again(
    db, directory, monkeypatch
):
    search_mentors(on=ON)
    shared = holder().snapshot
    real = directory_snapshot._changed_since
    lower = row(0)  # below every id the snapshot holds
    monkeypatch.setattr(directory_snapshot, "_changed_since", lambda v: [patch(lower), *real(v)])
    result = search_mentors(on=ON, per_page=100)
    assert holder().snapshot is not shared
    assert result.total == oracle_count(db, SearchCriteria())[0]


# --- the directory index's own edges -----------------------------------------------------------


def test_an_industry_made_in_the_same_flush_gets_its_id_into_the_key(db, make_user):
    user = make_user(Role.ALUMNUS)
    with transaction():
        industry = Industry(slug="falconry", name="Falconry")
        profile = MentorProfile(user=user)
        profile.opt_in("I agree.")
        profile.industries = [industry]  # no id until the flush
        db.session.add(profile)
    db.session.expire_all()
    stored = db.session.get(MentorProfile, profile.id)
    assert stored.industry_key == f"|{industry.id}|"


def test_a_profile_made_by_owner_id_takes_the_owners_name_and_active_flag(db, make_user):
    owner = make_user(Role.ALUMNUS, name="Ottoline Owner")
    with transaction():
        db.session.get(User, owner.id).active = False
    db.session.expire_all()
    with transaction():
        profile = MentorProfile(user_id=owner.id, verification_status="approved")
        profile.opt_in("I agree.")
        db.session.add(profile)
    db.session.expire_all()
    stored = db.session.get(MentorProfile, profile.id)
    assert "ottoline" in stored.search_document.split()
    assert stored.directory_listed is False
