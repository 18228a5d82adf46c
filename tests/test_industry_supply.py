"""The listed alumni and capacity kept per industry are always what a fresh count gives.

The triggers (careerlink/mentors/supply.py) keep them as profiles are listed, unlisted, change
their capacity or industries, are deleted (account deletion), and as industries merge or go.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update
from support.properties import database_property

from careerlink.database import transaction
from careerlink.extensions import db as _db
from careerlink.mentors import supply
from careerlink.mentors.models import Industry, MentorProfile, mentor_industries
from careerlink.mentors.supply import IndustrySupply
from careerlink.permissions import Role


def kept() -> list[tuple[int, int, int]]:
    """(industry id, listed, capacity) as the triggers left them (industries at zero left out)."""
    return sorted(
        tuple(row)
        for row in _db.session.execute(
            select(IndustrySupply.industry_id, IndustrySupply.listed, IndustrySupply.capacity)
        )
        if row[1] or row[2]
    )


def recounted() -> list[tuple[int, int, int]]:
    """The same from a fresh count of the profiles (the rebuild, rolled back)."""
    connection = _db.session.connection()
    nested = connection.begin_nested()
    try:
        supply.rebuild(connection)
        return kept()
    finally:
        nested.rollback()


def industry_id(slug: str) -> int:
    """An industry's id by its slug."""
    return _db.session.scalar(select(Industry.id).where(Industry.slug == slug))


def test_listing_unlisting_and_capacity(make_mentor):
    vet = make_mentor(industry="veterinary", monthly_capacity=3)
    make_mentor(industry=["veterinary", "software"], monthly_capacity=2)
    vet_id, software_id = industry_id("veterinary"), industry_id("software")
    assert kept() == sorted([(vet_id, 2, 5), (software_id, 1, 2)])
    with transaction():
        vet.monthly_capacity = 7
    assert kept() == sorted([(vet_id, 2, 9), (software_id, 1, 2)])
    with transaction():
        vet.listed = False  # the alumnus hides the profile: no longer in the directory
    assert kept() == sorted([(vet_id, 1, 2), (software_id, 1, 2)])
    assert kept() == recounted()


def test_an_alumnus_deleting_their_account_leaves_the_supply(make_mentor, staff):
    from careerlink.accounts.privacy import delete_account

    make_mentor(industry="veterinary", monthly_capacity=4)
    leaving = make_mentor(industry=["veterinary", "software"], monthly_capacity=2)
    with transaction():
        delete_account(staff, leaving.user)
    assert kept() == [(industry_id("veterinary"), 1, 4)]
    assert kept() == recounted()


def test_a_profile_deleted_outright_takes_its_share_once(make_mentor):
    gone = make_mentor(industry=["veterinary", "software"], monthly_capacity=2)
    make_mentor(industry="software", monthly_capacity=1)
    with transaction():  # the foreign key's cascade removes its industries
        _db.session.execute(delete(MentorProfile).where(MentorProfile.id == gone.id))
    assert kept() == [(industry_id("software"), 1, 1)]
    assert kept() == recounted()


def test_an_industry_merge_moves_the_supply(make_mentor, make_user):
    from careerlink.staff.admin.services import merge_industries

    make_mentor(industry="veterinary", monthly_capacity=3)
    make_mentor(industry=["veterinary", "software"], monthly_capacity=2)
    source = _db.session.scalar(select(Industry).where(Industry.slug == "veterinary"))
    target = _db.session.scalar(select(Industry).where(Industry.slug == "software"))
    with transaction():
        merge_industries(make_user(Role.ADMIN), source, target)
    assert kept() == [(target.id, 2, 5)]
    assert kept() == recounted()


# --- property: any sequence of changes ----------------------------------------------------------


@pytest.fixture
def profiles(make_mentor):
    """Four alumni's profiles over three industries."""
    made = [
        make_mentor(industry="veterinary"),
        make_mentor(industry="software"),
        make_mentor(industry=["software", "healthcare"]),
        make_mentor(industry="healthcare"),
    ]
    return [p.id for p in made]


def _step(industry_ids, data) -> None:
    """One change: listed or not, a capacity, an industry added or removed, a deletion."""
    alive = list(_db.session.scalars(select(MentorProfile.id).order_by(MentorProfile.id)))
    if not alive:
        return
    pid = data.draw(st.sampled_from(alive))
    choice = data.draw(st.sampled_from(["listed", "capacity", "add", "remove", "delete"]))
    P, links = MentorProfile, mentor_industries
    if True:
        if choice == "listed":
            _db.session.execute(
                update(P).where(P.id == pid).values(directory_listed=data.draw(st.booleans()))
            )
        elif choice == "capacity":
            capacity = data.draw(st.integers(min_value=0, max_value=9))
            _db.session.execute(update(P).where(P.id == pid).values(monthly_capacity=capacity))
        elif choice == "add":
            have = set(
                _db.session.scalars(select(links.c.industry_id).where(links.c.profile_id == pid))
            )
            free = [i for i in industry_ids if i not in have]
            if free:
                _db.session.execute(
                    insert(links).values(
                        profile_id=pid, industry_id=data.draw(st.sampled_from(free))
                    )
                )
        elif choice == "remove":
            have = sorted(
                _db.session.scalars(select(links.c.industry_id).where(links.c.profile_id == pid))
            )
            if have:
                gone = data.draw(st.sampled_from(have))
                _db.session.execute(
                    delete(links).where(links.c.profile_id == pid, links.c.industry_id == gone)
                )
        else:
            _db.session.execute(delete(P).where(P.id == pid))


@database_property()
@given(data=st.data())
def test_after_any_sequence_of_changes_the_kept_supply_equals_a_recount(profiles, data):
    """Property: listing, capacities, industries and deletions in any order."""
    industry_ids = sorted(_db.session.scalars(select(Industry.id)))
    # Each example runs in a savepoint rolled back at its end: the next starts from the same
    # four listed profiles (the fixture outlives the examples).
    example = _db.session.begin_nested()
    try:
        assert sorted(_db.session.scalars(select(MentorProfile.id))) == sorted(profiles)
        for _ in range(data.draw(st.integers(min_value=1, max_value=10), label="steps")):
            _step(industry_ids, data)
        assert kept() == recounted()
    finally:
        example.rollback()
