"""One role-by-object table for the same actions on the pages and in the API.

`EXPECTED[action][role]` is what happens when that person tries that action on a request in
the action's starting state: `done` (the request moved, or the page or resource was shown),
`refused` (the person may see the request but not do this: 403, 409 or the page's refusal,
nothing changed), `hidden` (they may not know it exists: 404) or `sign-in` (anonymous: the
sign-in page, or 401). test_api_parity.py runs every cell through both faces, so the pages
and the API cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from support.factories import MESSAGE

ROLES = ("student", "other_student", "alumnus", "other_alumnus", "staff", "admin", "anonymous")


@dataclass(frozen=True)
class Action:
    """One action: the state it starts from, where it ends, and how each face asks for it."""

    start: str
    target: str | None  # None: a read
    html: tuple[str, str, dict]
    api: tuple[str, str, dict]
    kind: str = "introduction"


def _later(prefix: str = "new_") -> dict:
    """An interview time ten days ahead at 16:00 office time, as a page's fields or a body."""
    from datetime import date, timedelta

    day = (date.today() + timedelta(days=10)).isoformat()
    if prefix:
        return {"new_day": day, "new_start": "16:00", "new_minutes": "30"}
    return {"day": day, "start": "16:00", "minutes": 30}


ACTIONS = {
    "view": Action(
        "relayed", None, ("GET", "/requests/{id}", {}), ("GET", "/api/v1/requests/{id}", {})
    ),
    "withdraw": Action(
        "submitted",
        "withdrawn",
        ("POST", "/requests/{id}/withdraw", {}),
        ("POST", "/api/v1/requests/{id}/withdraw", {}),
    ),
    "approve": Action(
        "submitted",
        "relayed",
        ("POST", "/staff/requests/{id}/approve", {"message": MESSAGE}),
        ("POST", "/api/v1/staff/requests/{id}/approve", {}),
    ),
    "ask_info": Action(
        "submitted",
        "needs_info",
        ("POST", "/staff/requests/{id}/ask-info", {"question": "Which dates?"}),
        ("POST", "/api/v1/staff/requests/{id}/ask-info", {"question": "Which dates?"}),
    ),
    "staff_decline": Action(
        "submitted",
        "declined_by_staff",
        ("POST", "/staff/requests/{id}/decline", {"reason": "Not this time."}),
        ("POST", "/api/v1/staff/requests/{id}/decline", {"reason": "Not this time."}),
    ),
    "accept": Action(
        "relayed",
        "introduced",
        ("POST", "/requests/{id}/accept", {}),
        ("POST", "/api/v1/requests/{id}/accept", {}),
    ),
    "alumnus_decline": Action(
        "relayed",
        "declined_by_alumnus",
        ("POST", "/requests/{id}/decline", {}),
        ("POST", "/api/v1/requests/{id}/decline", {}),
    ),
    "propose_time": Action(
        "relayed",
        "slot_proposed",
        ("POST", "/requests/{id}/propose-time", _later()),
        ("POST", "/api/v1/requests/{id}/propose-time", _later("")),
        kind="informational_interview",
    ),
    "confirm_time": Action(
        "slot_proposed",
        "scheduled",
        ("POST", "/requests/{id}/confirm-time", {}),
        ("POST", "/api/v1/requests/{id}/confirm-time", {}),
        kind="informational_interview",
    ),
    "confirm_referral": Action(
        "referral_accepted",
        "referred",
        ("POST", "/requests/{id}/referred", {}),
        ("POST", "/api/v1/requests/{id}/referred", {}),
        kind="referral",
    ),
}

STAFF_ONLY = {
    "student": "refused",
    "other_student": "refused",
    "alumnus": "refused",
    "other_alumnus": "refused",
    "staff": "done",
    "admin": "done",
    "anonymous": "sign-in",
}
ALUMNUS_ANSWERS = {
    "student": "refused",
    "other_student": "hidden",
    "alumnus": "done",
    "other_alumnus": "hidden",
    "staff": "refused",
    "admin": "refused",
    "anonymous": "sign-in",
}
EXPECTED: dict[str, dict[str, str]] = {
    "view": {
        "student": "done",
        "other_student": "hidden",
        "alumnus": "done",
        "other_alumnus": "hidden",
        "staff": "done",
        "admin": "done",
        "anonymous": "sign-in",
    },
    "withdraw": {
        "student": "done",
        "other_student": "hidden",
        "alumnus": "hidden",  # still with the career office: the alumnus does not know of it
        "other_alumnus": "hidden",
        "staff": "refused",
        "admin": "refused",
        "anonymous": "sign-in",
    },
    "approve": STAFF_ONLY,
    "ask_info": STAFF_ONLY,
    "staff_decline": STAFF_ONLY,
    "accept": ALUMNUS_ANSWERS,
    "alumnus_decline": ALUMNUS_ANSWERS,
    "propose_time": ALUMNUS_ANSWERS,
    "confirm_referral": ALUMNUS_ANSWERS,
    "confirm_time": {
        "student": "done",
        "other_student": "hidden",
        "alumnus": "refused",
        "other_alumnus": "hidden",
        "staff": "refused",
        "admin": "refused",
        "anonymous": "sign-in",
    },
}
