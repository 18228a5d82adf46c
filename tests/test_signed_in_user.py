"""The signed-in person as pages read them (accounts.signin.SignedInUser, issue 9).

Every signed-in request finds its session, its user and their roles in one Core statement and
builds no ORM object for them. What a service changes about that person in the request shows
at once through `current_user`, as when it was the ORM user itself.
"""

from __future__ import annotations

import pytest
from conftest import sign_in_session
from flask_login import current_user, login_user
from sqlalchemy import delete
from sqlalchemy.orm.exc import UnmappedInstanceError
from support.sql import statements
from werkzeug.exceptions import Unauthorized

from careerlink.accounts.models import User, UserRole
from careerlink.accounts.signin import SignedInUser, signed_in_user
from careerlink.database import transaction
from careerlink.mentors.models import StudentProfile
from careerlink.permissions import Role


def signed_in_request(app, client, path: str = "/account"):
    """A request context carrying the client's session cookie (the user is not loaded yet)."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    return app.test_request_context(path, headers={"Cookie": f"{name}={cookie}"})


def held_users(db) -> list[User]:
    """The User objects the request's database session holds."""
    return [o for o in db.session.identity_map.values() if isinstance(o, User)]


@pytest.fixture
def staff_member(make_user):
    return make_user(Role.STAFF, Role.ALUMNUS, email="sam@careers.example.edu", name="Sam Staff")


def test_the_signed_in_person_is_read_in_one_statement_and_no_orm_object(
    app, client, db, staff_member
):
    sign_in_session(client, staff_member)
    db.session.expunge_all()
    with signed_in_request(app, client), statements(db.engine) as sent:
        person = current_user._get_current_object()
        read = (
            person.display_name,
            person.email,
            person.is_staff,
            person.has_role(Role.ALUMNUS),
            person.has_role(Role.STUDENT),
            person.email_verified,
            person.get_id(),
        )
        assert isinstance(person, SignedInUser)
        assert held_users(db) == []
    assert read == (
        "Sam Staff",
        "sam@careers.example.edu",
        True,
        True,
        False,
        True,
        str(staff_member.id),
    )
    assert len(sent) == 1
    assert "careerlink_user_roles" in sent[0]


def test_services_get_the_orm_record_once_and_the_snapshot_follows_it(app, client, db, student):
    sign_in_session(client, student)
    db.session.expunge_all()
    with signed_in_request(app, client):
        person = current_user._get_current_object()
        record = signed_in_user()
        assert type(record) is User
        assert record is db.session.get(User, student.id)
        assert signed_in_user() is record
        record.display_name = "Stella Renamed"
        record.locale = "fr"
        assert (current_user.display_name, person.locale) == ("Stella Renamed", "fr")


def test_the_snapshot_follows_a_record_any_query_loaded(app, client, db, student):
    sign_in_session(client, student)
    db.session.expunge_all()
    with signed_in_request(app, client):
        assert current_user.display_name == "Stella Student"
        db.session.get(User, student.id).display_name = "Loaded Elsewhere"
        assert current_user.display_name == "Loaded Elsewhere"


def test_roles_changed_in_the_request_show_at_once_and_after_the_commit(
    app, client, db, staff_member
):
    sign_in_session(client, staff_member)
    db.session.expunge_all()
    with signed_in_request(app, client):
        assert current_user.is_staff is True
        with transaction():
            signed_in_user().remove_role(Role.STAFF)
            assert current_user.is_staff is False
        # Committed (the record expired): read again from the database, not from the row.
        assert current_user.is_staff is False
        assert current_user.has_role(Role.ALUMNUS) is True
        with transaction():
            signed_in_user().add_role(Role.STUDENT)
        assert current_user.has_role(Role.STUDENT) is True


def test_roles_the_record_loaded_are_read_from_it(app, client, db, staff_member):
    sign_in_session(client, staff_member)
    db.session.expunge_all()
    with signed_in_request(app, client):
        assert current_user.is_staff is True
        # A bulk DELETE (which no ORM object sees) takes the role away; a record loaded after
        # it reads the roles from the database, and the snapshot reads them from the record.
        db.session.execute(
            delete(UserRole).where(
                UserRole.user_id == staff_member.id, UserRole.role == Role.STAFF.value
            )
        )
        record = db.session.get(User, staff_member.id)
        assert {r.role for r in record.role_rows} == {"alumnus"}
        assert current_user.is_staff is False


def test_anything_else_is_read_from_the_record(app, client, db, student):
    with transaction():
        db.session.add(StudentProfile(user_id=student.id, programme="Law", class_year=2027))
    sign_in_session(client, student)
    db.session.expunge_all()
    with signed_in_request(app, client):
        assert held_users(db) == []
        assert current_user.student_profile.programme == "Law"
        assert current_user.mentor_profile is None
        assert [u.id for u in held_users(db)] == [student.id]


def test_the_orm_refuses_the_snapshot_where_an_entity_belongs(app, client, db, student):
    sign_in_session(client, student)
    with signed_in_request(app, client):
        with pytest.raises(UnmappedInstanceError):
            db.session.add(current_user._get_current_object())
        with pytest.raises(AttributeError):
            _ = current_user._not_a_column


def test_a_user_signed_in_during_the_request_is_their_own_record(app, client, db, student):
    with app.test_request_context("/signin"):
        login_user(student)
        assert signed_in_user() is student


def test_an_account_deleted_during_the_request_is_signed_out(app, client, db, student):
    sign_in_session(client, student)
    db.session.expunge_all()
    with signed_in_request(app, client):
        assert current_user.is_authenticated
        db.session.execute(delete(User).where(User.id == student.id))
        with pytest.raises(Unauthorized):
            signed_in_user()
        db.session.rollback()


def test_a_saved_language_speaks_the_confirmation_in_it(client, db, student):
    sign_in_session(client, student)
    response = client.post(
        "/account/preferences", data={"language": "fr", "time_zone": "America/Toronto"}
    )
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert (
        '<p class="flash flash-success">Votre langue et votre fuseau horaire sont enregistrés.</p>'
        in page
    )
