"""Role rules and attribute parsing, without a provider: the small pieces of campus sign-in."""

from __future__ import annotations

import pytest

from careerlink.accounts.sso.assertion import Assertion, SignInRefused, build, values
from careerlink.accounts.sso.environ import _split
from careerlink.accounts.sso.roles import granted_roles, matches, relevant_to
from careerlink.accounts.sso.settings import Rule
from careerlink.permissions import Role

STAFF_URN = "urn:mace:example.edu:careers-staff"
RULES = (
    Rule("affiliation", "student", Role.STUDENT),
    Rule("affiliation", "alum@example.edu", Role.ALUMNUS),
    Rule("entitlement", STAFF_URN, Role.STAFF),
    Rule("group", "CareerLink-Admins", Role.ADMIN),
)


def person(**values) -> Assertion:
    """An assertion with these attribute values."""
    return Assertion(provider="campus", subject="s", email="s@example.edu", name=None, **values)


@pytest.mark.parametrize(
    "attrs,roles",
    [
        ({"affiliations": ("student",)}, {Role.STUDENT}),
        ({"affiliations": ("Student@Example.EDU",)}, {Role.STUDENT}),
        ({"affiliations": ("alum@example.edu",)}, {Role.ALUMNUS}),
        ({"affiliations": ("alum@other.example",)}, set()),  # the rule names its scope
        ({"affiliations": ("alum",)}, set()),
        ({"entitlements": (STAFF_URN.upper(),)}, {Role.STAFF}),
        ({"entitlements": (STAFF_URN + ":extra",)}, set()),
        ({"groups": ("careerlink-admins", "other")}, {Role.ADMIN}),
        ({"affiliations": ("staff@example.edu", "member@example.edu")}, set()),
        ({}, set()),
    ],
)
def test_rules_match_values(attrs, roles):
    """Case-insensitive, whole values; a scoped rule value matches only that scope."""
    assert set(granted_roles(person(**attrs), RULES)) == roles


def test_any_matches_everyone_and_the_first_rule_is_kept():
    """`any` speaks of everyone; each role remembers the first rule that granted it."""
    rules = (Rule("affiliation", "alum", Role.ALUMNUS), Rule("any", "", Role.ALUMNUS))
    assert matches(rules[1], person())
    assert granted_roles(person(affiliations=("alum",)), rules)[Role.ALUMNUS] is rules[0]
    assert granted_roles(person(), rules)[Role.ALUMNUS] is rules[1]


def test_relevant_to_keeps_only_values_a_rule_matches():
    """What a pending link keeps in the cookie: only values that decide a role."""
    many = tuple(f"urn:mace:example.edu:group-{i}" for i in range(100))
    kept = relevant_to(
        person(
            affiliations=("member@example.edu", "student@example.edu"),
            entitlements=(*many, STAFF_URN),
            groups=("careerlink-admins", "library"),
        ),
        RULES,
    )
    assert kept.affiliations == ("student@example.edu",)
    assert kept.entitlements == (STAFF_URN,)
    assert kept.groups == ("careerlink-admins",)
    assert Assertion.from_dict(kept.to_dict()) == kept


def test_values_are_bounded_and_cleaned():
    """One string is one value; lists keep order; empty, NUL or overlong values are dropped."""
    assert values(None) == () and values("") == ()
    assert values("student") == ("student",)
    assert values(["a", " b ", "", "x\x00", "y" * 301, 7]) == ("a", "b", "7")
    assert len(values([str(i) for i in range(1500)])) == 1000


def test_multi_valued_saml_attributes_split_on_semicolons():
    """The SP joins values with ';' and escapes a ';' inside a value."""
    assert _split("member@example.edu;student@example.edu") == [
        "member@example.edu",
        "student@example.edu",
    ]
    assert _split(r"a\;b;c; ;") == ["a;b", "c"]


@pytest.mark.parametrize(
    "kwargs,reason",
    [
        ({"subject": ""}, "no_subject"),
        ({"subject": "x" * 256}, "subject_unusable"),
        ({"email": None}, "no_email"),
        ({"email": "not-an-address"}, "email_unusable"),
        ({"email_verified": False}, "email_unverified"),
        ({"affiliations": ["student@elsewhere.example"]}, "scope_not_allowed"),
        ({"subject": "someone@elsewhere.example"}, "scope_not_allowed"),
    ],
)
def test_build_refuses_with_a_reason(kwargs, reason):
    """Each fault in what a provider sent is refused with its own reason."""
    sent = {
        "subject": "s@example.edu",
        "email": "s@example.edu",
        "email_verified": True,
        "name": "  Sam   Person ",
        "affiliations": ["student@example.edu"],
        "allowed_domains": ("example.edu",),
    }
    sent.update(kwargs)
    with pytest.raises(SignInRefused) as refused:
        build("campus", **sent)
    assert refused.value.reason == reason


def test_build_normalises_what_it_keeps():
    """The address is lower-cased, the name's spaces tidied, values split into tuples."""
    made = build(
        "campus",
        subject="s@example.edu",
        email=" S@Example.edu ",
        email_verified=True,
        name="  Sam   Person ",
        affiliations="student@example.edu",
    )
    assert (made.email, made.name, made.affiliations) == (
        "s@example.edu",
        "Sam Person",
        ("student@example.edu",),
    )
