"""Creating a token refuses each bad input with its own message, on its own field."""

from __future__ import annotations

import pytest

from careerlink.api import tokens
from careerlink.errors import DomainError, NotAllowed
from careerlink.permissions import Role

LONG_NAME = "n" * (tokens.NAME_MAX + 1)


@pytest.mark.parametrize(
    ("name", "scopes", "days", "field", "message"),
    [
        ("   ", ["directory:read"], 30, "name", "Give the token a name"),
        (LONG_NAME, ["directory:read"], 30, "name", f"Keep the name under {tokens.NAME_MAX}"),
        ("Laptop", ["everything"], 30, "scopes", "Unknown scope 'everything'."),
        ("Laptop", [], 30, "scopes", "Choose at least one scope."),
        ("Laptop", ["directory:read"], None, "days", "Choose when the token expires."),
        ("Laptop", ["directory:read"], "soon", "days", "Choose when the token expires."),
        ("Laptop", ["directory:read"], 0, "days", "A token lasts between 1 and"),
        ("Laptop", ["staff"], 30, "scopes", "Only career-office staff can give"),
    ],
    ids=[
        "blank name",
        "long name",
        "unknown scope",
        "no scope",
        "no expiry",
        "odd expiry",
        "zero days",
        "staff scope",
    ],
)
def test_each_bad_input_is_refused_on_its_field(db, make_user, name, scopes, days, field, message):
    student = make_user(Role.STUDENT)
    with pytest.raises(DomainError) as refused:
        tokens.create_personal_token(student, name, scopes, days)
    assert refused.value.field == field
    assert str(refused.value).startswith(message)


def test_a_deactivated_account_gets_no_token(db, make_user):
    student = make_user(Role.STUDENT)
    student.active = False
    with pytest.raises(NotAllowed, match="Sign in to create a token."):
        tokens.create_personal_token(student, "Laptop", ["directory:read"], 30)
