"""CareerLink mounted inside a portal's own Flask application, as the README shows.

The portal has its own Flask-SQLAlchemy instance, its own models and its own database. Its
sessions must never run CareerLink's flush listeners (the directory index), and both
applications must keep working side by side.
"""

from __future__ import annotations

import flask_sqlalchemy.session
import pytest
import sqlalchemy.orm
from conftest import DEFAULT_PASSWORD, IsolatedClient
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from test_mentors import make_profile, profile_form
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from careerlink.mentors import directory_index
from careerlink.mentors.search import SearchCriteria, search_mentors
from careerlink.models import CareerLinkSession
from careerlink.permissions import Role

LISTENERS = [
    ("before_flush", directory_index._refresh_search_documents),
    ("after_flush", directory_index._fill_pending_industry_keys),
]


class PortalBase(DeclarativeBase):
    """The portal's own declarative base, metadata and naming."""


portal_db = SQLAlchemy(model_class=PortalBase)


class Announcement(portal_db.Model):
    """A row of the portal's own."""

    __tablename__ = "portal_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


def make_portal(careerlink_app: Flask, path) -> Flask:
    """A campus portal with its own database, mounting CareerLink under /careers."""
    portal = Flask("portal")
    portal.config.update(
        TESTING=True,
        SECRET_KEY="portal-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path / 'portal.sqlite3'}",
    )
    portal_db.init_app(portal)

    @portal.route("/announcements", methods=["GET", "POST"])
    def announcements():
        if request.method == "POST":
            portal_db.session.add(Announcement(title=request.form["title"]))
            portal_db.session.commit()
            return "created", 201
        titles = portal_db.session.scalars(select(Announcement.title).order_by(Announcement.id))
        return {"titles": list(titles)}

    with portal.app_context():
        portal_db.create_all()
    portal.wsgi_app = DispatcherMiddleware(portal.wsgi_app, {"/careers": careerlink_app.wsgi_app})
    portal.test_client_class = IsolatedClient
    return portal


@pytest.fixture
def portal(app, tmp_path):
    """The portal application, its database removed afterwards."""
    application = make_portal(app, tmp_path)
    yield application
    with application.app_context():
        portal_db.drop_all()
        portal_db.engine.dispose()


@pytest.fixture
def listener_calls(monkeypatch):
    """How many times CareerLink's flush listeners did their work, by event."""
    calls = {"before_flush": 0, "after_flush": 0}
    index_changes = directory_index.index_changes
    fill_keys = directory_index.fill_pending_industry_keys

    def counting_index_changes(session):
        calls["before_flush"] += 1
        index_changes(session)

    def counting_fill_keys(session):
        calls["after_flush"] += 1
        fill_keys(session)

    monkeypatch.setattr(directory_index, "index_changes", counting_index_changes)
    monkeypatch.setattr(directory_index, "fill_pending_industry_keys", counting_fill_keys)
    return calls


def test_listeners_are_on_careerlinks_session_class_only():
    for name, listener in LISTENERS:
        assert event.contains(CareerLinkSession, name, listener)
        assert not event.contains(sqlalchemy.orm.Session, name, listener)
        assert not event.contains(flask_sqlalchemy.session.Session, name, listener)


def test_the_portals_flushes_do_not_run_careerlinks_listeners(portal, db, listener_calls):
    with portal.app_context():
        session = portal_db.session()
        assert not isinstance(session, CareerLinkSession)
        portal_db.session.add(Announcement(title="Welcome week"))
        portal_db.session.flush()
        portal_db.session.commit()
        row = portal_db.session.scalar(select(Announcement))
        row.title = "Welcome week, updated"
        portal_db.session.commit()
        portal_db.session.delete(row)
        portal_db.session.commit()
    client = portal.test_client()
    assert client.post("/announcements", data={"title": "Careers fair"}).status_code == 201
    assert client.get("/announcements").get_json() == {"titles": ["Careers fair"]}
    assert listener_calls == {"before_flush": 0, "after_flush": 0}


def test_both_apps_work_side_by_side(portal, db, make_user, industries, listener_calls):
    alumna = make_user(Role.ALUMNUS, email="alma@alumni.example.org", name="Alma Alumna")
    profile = make_profile(db, alumna, bio="I love sailing.")
    client = portal.test_client()

    assert client.post("/announcements", data={"title": "Meet the alumni"}).status_code == 201
    directory = client.get("/careers/mentors")
    assert directory.status_code == 200
    html = directory.data.decode()
    assert "1 alumnus found" in html and "Alma Alumna" in html
    assert f'href="/careers/mentors/{profile.id}"' in html  # links carry the mount prefix

    # A profile change made through CareerLink still reaches its search index.
    signed_in = client.post(
        "/careers/signin", data={"email": alumna.email, "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert "/careers/signin" not in signed_in.headers["Location"]
    before = dict(listener_calls)
    saved = client.post(
        f"/careers/mentors/{profile.id}/edit", data=profile_form(bio="Now I go gliding.")
    )
    assert saved.status_code == 302, saved.data.decode()[:2000]
    assert saved.headers["Location"].endswith(f"/careers/mentors/{profile.id}/edit")
    assert listener_calls["before_flush"] > before["before_flush"]
    assert listener_calls["after_flush"] > before["after_flush"]
    db.session.expire_all()
    assert search_mentors(SearchCriteria(q="gliding")).total == 1
    assert search_mentors(SearchCriteria(q="sailing")).total == 0
    found = client.get("/careers/mentors", query_string={"q": "gliding"}).data.decode()
    assert "1 alumnus found" in found and "Alma Alumna" in found

    # ...and the portal's own rows are where it left them.
    assert client.get("/announcements").get_json() == {"titles": ["Meet the alumni"]}
    with portal.app_context():
        calls = dict(listener_calls)
        portal_db.session.add(Announcement(title="After the edit"))
        portal_db.session.commit()
        assert listener_calls == calls
