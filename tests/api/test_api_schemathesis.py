"""Schemathesis against the API (in process, through WSGI): every operation, anonymous and
with a token of each role, valid and invalid inputs. No answer is a 5xx, every status is
documented, every body has the documented content type and matches its schema.

Examples are bounded (a few per operation, mode and role) so the whole run stays under a
minute; it runs once per database (SQLite by default, PostgreSQL in the second CI pass).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from careerlink.api.spec import OPERATIONS
from careerlink.permissions import Role

ROLES = ("anonymous", "student", "alumnus", "staff", "service")
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(make_request, make_mentor, make_user, make_token, make_service_token, staff):
    """Objects in several states and a token for each role; returns role -> headers."""
    relayed = make_request(state="relayed", kind="shadowing")
    student = relayed.student
    make_request(student=student, state="submitted")
    make_request(student=student, state="needs_info", kind="shadowing")
    make_request(state="scheduled", kind="shadowing")
    make_mentor(offers=("introduction",), industry="software")
    tokens = {
        "student": make_token(student),
        "alumnus": make_token(relayed.alumnus),
        "staff": make_token(staff),
        "service": make_service_token(["directory:read"]),
    }
    make_user(Role.ADMIN)
    return {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()} | {
        "anonymous": {}
    }


def _run(operation, mode: GenerationMode, headers: dict) -> None:
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    try:
        check()
    except Unsatisfiable:
        # Nothing to make invalid: an operation without parameters or body.
        assert mode is GenerationMode.NEGATIVE


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_conforms_to_the_description(app, db, world, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)  # every API view is described
    for operation in operations:
        for mode in EXAMPLES:
            _run(operation, mode, world[role])
