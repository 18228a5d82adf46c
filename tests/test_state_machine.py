"""The request state machine: a literal copy of its table, the diagram in docs, what derives."""

from __future__ import annotations

import re
from pathlib import Path

from careerlink.connections import machine
from careerlink.connections.models import (
    FEEDBACK_STATES,
    OPEN_STATES,
    STATE_LABELS,
    WITHDRAWABLE_STATES,
    ConnectionRequest,
    RequestState,
)
from careerlink.paths import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"

# A literal copy of machine.TRANSITIONS: (action, from-states, to-state, roles, kind).
# Change it only together with the table, on purpose.
TABLE = {
    ("submit", frozenset({None}), "submitted", frozenset({"student"}), None),
    ("approve", frozenset({"submitted"}), "relayed", frozenset({"staff"}), None),
    ("ask_for_info", frozenset({"submitted"}), "needs_info", frozenset({"staff"}), None),
    ("resubmit", frozenset({"needs_info"}), "submitted", frozenset({"student"}), None),
    (
        "decline_by_staff",
        frozenset({"submitted", "needs_info"}),
        "declined_by_staff",
        frozenset({"staff"}),
        None,
    ),
    ("accept", frozenset({"relayed"}), "introduced", frozenset({"alumnus"}), "introduction"),
    ("accept", frozenset({"relayed"}), "scheduled", frozenset({"alumnus"}), "shadowing"),
    (
        "accept",
        frozenset({"relayed"}),
        "scheduled",
        frozenset({"alumnus"}),
        "informational_interview",
    ),
    (
        "propose_slot",
        frozenset({"relayed"}),
        "slot_proposed",
        frozenset({"alumnus"}),
        "informational_interview",
    ),
    (
        "confirm_slot",
        frozenset({"slot_proposed"}),
        "scheduled",
        frozenset({"student"}),
        "informational_interview",
    ),
    (
        "reschedule",
        frozenset({"scheduled"}),
        "scheduled",
        frozenset({"alumnus"}),
        "informational_interview",
    ),
    (
        "ask_other_time",
        frozenset({"scheduled"}),
        "scheduled",
        frozenset({"student"}),
        "informational_interview",
    ),
    ("accept", frozenset({"relayed"}), "reviewed", frozenset({"alumnus"}), "resume_review"),
    ("accept", frozenset({"relayed"}), "referral_accepted", frozenset({"alumnus"}), "referral"),
    (
        "confirm_referral",
        frozenset({"referral_accepted"}),
        "referred",
        frozenset({"alumnus"}),
        "referral",
    ),
    (
        "decline_by_alumnus",
        frozenset({"relayed"}),
        "declined_by_alumnus",
        frozenset({"alumnus"}),
        None,
    ),
    ("remind", frozenset({"relayed"}), "relayed", frozenset({"system"}), None),
    (
        "withdraw",
        frozenset({"submitted", "needs_info", "relayed", "slot_proposed"}),
        "withdrawn",
        frozenset({"student"}),
        None,
    ),
    ("expire", frozenset({"relayed", "slot_proposed"}), "expired", frozenset({"system"}), None),
    (
        "cancel",
        frozenset({"scheduled"}),
        "cancelled",
        frozenset({"student", "alumnus", "staff"}),
        None,
    ),
    (
        "complete",
        frozenset({"introduced", "scheduled", "reviewed", "referred"}),
        "completed",
        frozenset({"system"}),
        None,
    ),
    (
        "close_alumnus_left",
        frozenset({"submitted", "needs_info"}),
        "alumnus_left",
        frozenset({"system"}),
        None,
    ),
}

# The SQL migration 0014 created (0013 had added alumnus_left); the derived text must not drift.
STATE_CHECK = (
    "state IN ('submitted', 'needs_info', 'declined_by_staff', 'relayed', 'slot_proposed', "
    "'declined_by_alumnus', 'expired', 'withdrawn', 'introduced', 'scheduled', 'reviewed', "
    "'referral_accepted', 'referred', 'cancelled', 'completed', 'alumnus_left')"
)
OPEN_SQL = "state IN ('submitted', 'needs_info', 'relayed', 'slot_proposed')"
KIND_CHECK = (
    "kind IN ('introduction', 'shadowing', 'informational_interview', 'resume_review', 'referral')"
)


def code_table() -> set[tuple]:
    """machine.TRANSITIONS in the literal copy's shape."""
    return {
        (
            t.action,
            frozenset(s.value if s is not None else None for s in t.sources),
            t.target.value,
            frozenset(t.roles),
            t.kind.value if t.kind else None,
        )
        for t in machine.TRANSITIONS
    }


def test_the_table_is_the_literal_copy():
    assert code_table() == TABLE
    assert len(machine.TRANSITIONS) == len(TABLE)  # no row twice


def test_roles_are_the_four_known_ones():
    assert {r for t in machine.TRANSITIONS for r in t.roles} == set(machine.ROLES)
    assert set(machine.ROLES) == {"student", "staff", "alumnus", "system"}


def test_only_a_reminder_has_a_guard_column():
    assert {t.action: t.unset for t in machine.TRANSITIONS if t.unset} == {
        "remind": ("reminded_at",)
    }


# --- the diagram --------------------------------------------------------------------------------

ARROW = re.compile(r"^(?P<src>\[\*\]|\w+)\s*-->\s*(?P<dst>\[\*\]|\w+)\s*(?::\s*(?P<label>.+))?$")
LABEL = re.compile(r"^(?P<action>\w+)(?: \((?P<kind>\w+)\))? by (?P<roles>\w+(?:, \w+)*)$")


def mermaid_block(text: str, heading: str) -> str:
    """The first ```mermaid block under the given `## ` heading."""
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```mermaid\n(.*?)```", section, re.S)
    assert match, f"no mermaid block under '## {heading}'"
    return match.group(1)


def parse_diagram(block: str) -> tuple[set[tuple], set[str]]:
    """The arrows of a stateDiagram-v2 as table rows, and the states drawn as final."""
    lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
    assert lines[0] == "stateDiagram-v2"
    rows: dict[tuple, set[str]] = {}
    final: set[str] = set()
    for line in lines[1:]:
        arrow = ARROW.match(line)
        assert arrow, f"not an arrow: {line!r}"
        src, dst, label = arrow["src"], arrow["dst"], arrow["label"]
        if dst == "[*]":
            assert label is None, f"a final arrow has no label: {line!r}"
            final.add(src)
            continue
        parts = LABEL.match(label or "")
        assert parts, f"label is not 'action (kind) by roles': {line!r}"
        key = (
            parts["action"],
            dst,
            frozenset(parts["roles"].split(", ")),
            parts["kind"],
        )
        rows.setdefault(key, set()).add(None if src == "[*]" else src)
    table = {
        (action, frozenset(sources), dst, roles, kind)
        for (action, dst, roles, kind), sources in rows.items()
    }
    return table, final


def test_the_diagram_in_the_docs_draws_the_table():
    table, final = parse_diagram(
        mermaid_block(ARCHITECTURE.read_text(), "The request state machine")
    )
    missing = code_table() - table
    extra = table - code_table()
    assert not missing, f"in the table, not in docs/ARCHITECTURE.md: {sorted(map(str, missing))}"
    assert not extra, f"in docs/ARCHITECTURE.md, not in the table: {sorted(map(str, extra))}"
    ends = {s.value for s in RequestState} - {
        s.value for t in machine.TRANSITIONS for s in t.sources if s is not None
    }
    assert final == ends


def test_the_diagram_check_catches_a_missing_and_an_extra_arrow():
    block = mermaid_block(ARCHITECTURE.read_text(), "The request state machine")
    dropped = block.replace("    relayed --> expired: expire by system\n", "")
    assert parse_diagram(dropped)[0] != code_table()
    added = block + "    expired --> relayed: revive by staff\n"
    assert parse_diagram(added)[0] != code_table()
    wrong_role = block.replace("approve by staff", "approve by student")
    assert parse_diagram(wrong_role)[0] != code_table()


# --- what is derived from the table ---------------------------------------------------------


def test_every_state_has_its_data_and_is_reached():
    assert set(machine.STATES) == set(RequestState)
    assert all(info.label and info.verb for info in machine.STATES.values())
    reached = {t.target for t in machine.TRANSITIONS}
    assert reached == set(RequestState)


def test_derived_state_sets():
    assert [s.value for s in OPEN_STATES] == ["submitted", "needs_info", "relayed", "slot_proposed"]
    assert WITHDRAWABLE_STATES == OPEN_STATES
    assert [s.value for s in FEEDBACK_STATES] == [
        "introduced",
        "scheduled",
        "reviewed",
        "referral_accepted",
        "referred",
        "completed",
    ]
    assert [s.value for s in machine.ANSWERED_STATES] == [
        "slot_proposed",
        "declined_by_alumnus",
        "introduced",
        "scheduled",
        "reviewed",
        "referral_accepted",
        "referred",
        "cancelled",
        "completed",
    ]
    assert STATE_LABELS[RequestState.RELAYED] == "Waiting for the alumnus"
    assert RequestState.NEEDS_INFO.label == "More detail needed from the student"


def test_the_check_constraint_and_the_open_sql_come_from_the_table():
    assert machine.STATE_CHECK_SQL == STATE_CHECK
    assert machine.OPEN_SQL == OPEN_SQL
    table = ConnectionRequest.__table__
    check = next(c for c in table.constraints if c.name == "ck_careerlink_requests_state_known")
    assert str(check.sqltext) == machine.STATE_CHECK_SQL
    index = next(i for i in table.indexes if i.name == "uq_careerlink_requests_open_pair")
    for dialect in ("sqlite", "postgresql"):
        assert str(index.dialect_options[dialect]["where"]) == machine.OPEN_SQL


def _migration_module(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / "versions" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_derived_sql_is_what_the_migrations_created():
    created = (MIGRATIONS_DIR / "versions" / "0003_requests.py").read_text()
    system_close = _migration_module("0013_request_industry_system_close.py")
    kinds = _migration_module("0014_request_kinds.py")
    # 0003 created the CHECK; 0013 added alumnus_left; 0014 the kinds' states: each widening
    # starts from what the one before left, and the last is the table's.
    assert f'"{system_close.OLD_STATES}"' in created
    assert kinds.OLD_STATES == system_close.NEW_STATES
    assert kinds.NEW_STATES == machine.STATE_CHECK_SQL
    assert kinds.NEW_OPEN == machine.OPEN_SQL
    assert machine.KIND_CHECK_SQL == KIND_CHECK
    assert kinds.NEW_KINDS == KIND_CHECK


def test_the_kind_check_comes_from_the_kinds():
    table = ConnectionRequest.__table__
    check = next(c for c in table.constraints if c.name == "ck_careerlink_requests_kind_known")
    assert str(check.sqltext) == KIND_CHECK


def test_the_sql_lists_follow_the_states_order():
    assert machine.sql_in(OPEN_STATES) == machine.OPEN_SQL
    assert machine.sql_in(tuple(RequestState)) == machine.STATE_CHECK_SQL
    assert tuple(s for s in RequestState if machine.STATES[s].open) == machine.OPEN_STATES
