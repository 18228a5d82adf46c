"""Sign-in edge cases: every casing of the address, unknown addresses, deactivated accounts.

The address is matched whatever its case, but the password never is: a wrong password with any
casing of an existing address fails, the right one with any casing succeeds. An unknown address
gets the same answer as a wrong password, after the same work (a real Argon2 check against a
dummy hash made with the same parameters).
"""

from __future__ import annotations

import itertools

import pytest
from argon2 import PasswordHasher
from conftest import DEFAULT_PASSWORD
from sqlalchemy import func, select

from careerlink.accounts import passwords
from careerlink.accounts import services as accounts
from careerlink.accounts.models import User, UserSession
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.permissions import Role

EMAIL = "jo@ex.io"
MISMATCH = "That email and password do not match an account."
DEACTIVATED = "This account has been deactivated. Contact the career office."
WRONG = "correct horse battery!"  # one character from the right one


def casings(address: str) -> list[str]:
    """Every upper/lower-case spelling of an address (2 ** letters of them)."""
    options = [(c.lower(), c.upper()) if c.isalpha() else (c,) for c in address]
    return sorted({"".join(chars) for chars in itertools.product(*options)})


def session_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession))


@pytest.fixture
def jo(make_user):
    return make_user(Role.STUDENT, email=EMAIL, name="Jo Short")


def test_casings_are_every_spelling():
    assert len(casings(EMAIL)) == 2**6
    assert "JO@EX.IO" in casings(EMAIL) and "jO@eX.iO" in casings(EMAIL)


def test_a_wrong_password_fails_with_every_casing_of_the_address(db, jo):
    for spelling in [*casings(EMAIL), f"  {EMAIL.upper()}  "]:
        assert accounts.authenticate(spelling, WRONG) is None, spelling
        assert accounts.authenticate(spelling, DEFAULT_PASSWORD.upper()) is None, spelling
        assert accounts.authenticate(spelling, "") is None, spelling
    db.session.rollback()
    assert db.session.get(User, jo.id).last_sign_in_at is None


def test_the_right_password_succeeds_with_every_casing_of_the_address(db, jo):
    for spelling in [*casings(EMAIL), f"  {EMAIL.upper()}  "]:
        assert accounts.authenticate(spelling, DEFAULT_PASSWORD) is jo, spelling


@pytest.mark.parametrize("spelling", ["JO@EX.IO", "Jo@Ex.Io", "jO@ex.IO"])
def test_the_sign_in_page_refuses_a_wrong_password_whatever_the_casing(client, db, jo, spelling):
    resp = client.post("/signin", data={"email": spelling, "password": WRONG})
    assert resp.status_code == 200
    assert MISMATCH in resp.get_data(as_text=True)
    assert session_count(db) == 0
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


@pytest.mark.parametrize("spelling", ["JO@EX.IO", "Jo@Ex.Io", " jo@ex.io "])
def test_the_sign_in_page_accepts_the_right_password_whatever_the_casing(client, db, jo, spelling):
    resp = client.post("/signin", data={"email": spelling, "password": DEFAULT_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"
    assert session_count(db) == 1
    with client.session_transaction() as sess:
        assert sess["_user_id"] == str(jo.id)


class Spy:
    """Records every (stored hash, password) the password checker is given."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[str | None, str]] = []
        self.verified: list[str] = []
        real_check = passwords.check_password
        real_verify = PasswordHasher.verify

        def check(stored, password):
            self.calls.append((stored, password))
            return real_check(stored, password)

        def verify(hasher, stored, password):
            self.verified.append(stored)
            return real_verify(hasher, stored, password)

        monkeypatch.setattr(accounts, "check_password", check)
        monkeypatch.setattr(PasswordHasher, "verify", verify)


def parameters(argon2_hash: str) -> str:
    """The algorithm, version and cost parts of an Argon2 hash (not its salt or digest)."""
    return "$".join(argon2_hash.split("$")[:4])


def test_an_unknown_address_does_the_same_work_as_a_wrong_password(db, jo, monkeypatch):
    spy = Spy(monkeypatch)
    assert accounts.authenticate("nobody@ex.io", WRONG) is None
    [(stored, password)] = spy.calls
    assert password == WRONG
    assert stored == accounts._dummy_hash() and stored != jo.password_hash
    # A real Argon2 verification ran, with the same costs as a real account's hash.
    assert spy.verified == [stored]
    assert parameters(stored) == parameters(jo.password_hash)

    spy.calls.clear()
    spy.verified.clear()
    assert accounts.authenticate(EMAIL, WRONG) is None
    assert spy.calls == [(jo.password_hash, WRONG)]
    assert spy.verified == [jo.password_hash]


def test_the_dummy_hash_costs_what_a_real_password_costs(app, db, monkeypatch):
    """With production costs (the suite hashes cheaply), the dummy hash uses them too."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_FAST", False)
    monkeypatch.setattr(accounts, "_dummy", {})
    real = passwords.hash_password("a real password 1")
    assert parameters(real) == parameters(PasswordHasher().hash("x"))  # argon2's defaults
    assert parameters(accounts._dummy_hash()) == parameters(real)


def test_the_dummy_hash_is_made_once_and_never_matches(db):
    first = accounts._dummy_hash()
    assert first.startswith("$argon2id$") and accounts._dummy_hash() is first
    assert passwords.check_password(first, "") is False
    assert passwords.check_password(first, DEFAULT_PASSWORD) is False


def test_an_unknown_address_gets_the_same_page_as_a_wrong_password(client, db, jo):
    wrong = client.post("/signin", data={"email": EMAIL, "password": WRONG})
    unknown = client.post("/signin", data={"email": "nobody@ex.io", "password": WRONG})
    assert wrong.status_code == unknown.status_code == 200
    wrong_page = wrong.get_data(as_text=True).replace(EMAIL, "ADDRESS")
    unknown_page = unknown.get_data(as_text=True).replace("nobody@ex.io", "ADDRESS")
    assert MISMATCH in unknown_page
    assert wrong_page == unknown_page
    assert session_count(db) == 0


def deactivate(db, user) -> None:
    with transaction():
        db.session.get(User, user.id).active = False


def test_a_deactivated_account_is_told_so_and_no_session_starts(client, db, jo):
    deactivate(db, jo)
    resp = client.post("/signin", data={"email": "JO@ex.io", "password": DEFAULT_PASSWORD})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert DEACTIVATED in html and MISMATCH not in html
    assert session_count(db) == 0
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    db.session.expire_all()
    assert db.session.get(User, jo.id).last_sign_in_at is None  # rolled back with the refusal


def test_a_deactivated_account_with_a_wrong_password_says_only_mismatch(client, db, jo):
    """Whether an account is deactivated is told only to someone who knows its password."""
    deactivate(db, jo)
    resp = client.post("/signin", data={"email": EMAIL, "password": WRONG})
    html = resp.get_data(as_text=True)
    assert MISMATCH in html and DEACTIVATED not in html
    with pytest.raises(DomainError, match="deactivated"):
        accounts.authenticate(EMAIL, DEFAULT_PASSWORD)


def test_an_account_without_a_password_cannot_sign_in(db, make_user, monkeypatch):
    """An imported account (no password yet) refuses every password, the empty one too."""
    user = make_user(Role.ALUMNUS, email="imported@ex.io")
    with transaction():
        db.session.get(User, user.id).password_hash = None
    spy = Spy(monkeypatch)
    for attempt in ("", DEFAULT_PASSWORD, "None"):
        assert accounts.authenticate("imported@ex.io", attempt) is None
    assert spy.verified == []  # nothing to verify against: refused before Argon2
