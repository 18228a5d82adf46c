"""The request state machine as data: every state, every transition, and what follows from them.

`ConnectionRequest.apply` (in models.py) is the one method that moves a request; it looks the
move up here. The CHECK constraint on `state`, the open-states SQL of the partial unique index,
OPEN_STATES, WITHDRAWABLE_STATES, FEEDBACK_STATES, ANSWERED_STATES and the labels are all
derived from the two tables below, and docs/ARCHITECTURE.md draws the same table (a test keeps
the drawing and the table in step).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext


class RequestKind(enum.StrEnum):
    """What the student asks the alumnus for."""

    # The values are the Offer values (careerlink.mentors.models.Offer) that allow each kind,
    # so the directory's "what they offer" filter and the ask buttons cannot disagree.
    INTRODUCTION = "introduction"
    SHADOWING = "shadowing"
    INFORMATIONAL_INTERVIEW = "informational_interview"
    RESUME_REVIEW = "resume_review"
    REFERRAL = "referral"

    @property
    def label(self):
        """A human name for the kind, with its article ("an introduction"; lazy, translated)."""
        return KIND_LABELS[self][0]

    @property
    def heading(self):
        """A human name for the kind, capitalised and without article ("Introduction"; lazy)."""
        return KIND_LABELS[self][1]


# Lazy: each is translated when it is shown, in the reader's language (an email's recipient's).
KIND_LABELS: dict[RequestKind, tuple] = {
    RequestKind.INTRODUCTION: (_l("an introduction"), _l("Introduction")),
    RequestKind.SHADOWING: (_l("a shadowing day"), _l("Shadowing day")),
    RequestKind.INFORMATIONAL_INTERVIEW: (
        _l("an informational interview"),
        _l("Informational interview"),
    ),
    RequestKind.RESUME_REVIEW: (_l("a résumé review"), _l("Résumé review")),
    RequestKind.REFERRAL: (_l("a referral"), _l("Referral")),
}


class RequestState(enum.StrEnum):
    """Where a request is in the state machine (the order is the CHECK constraint's order)."""

    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    DECLINED_BY_STAFF = "declined_by_staff"
    RELAYED = "relayed"
    SLOT_PROPOSED = "slot_proposed"
    DECLINED_BY_ALUMNUS = "declined_by_alumnus"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    INTRODUCED = "introduced"
    SCHEDULED = "scheduled"
    REVIEWED = "reviewed"
    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRED = "referred"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ALUMNUS_LEFT = "alumnus_left"

    @property
    def label(self):
        """A human name for the state (lazy, translated when shown)."""
        return STATES[self].label


@dataclass(frozen=True)
class StateInfo:
    """One state: its label, whether it is open, and the refusal of a move into it.

    Open means not yet answered by the alumnus (nor ended by staff or the student): open
    requests count against the student's limit and the one-request-per-alumnus rule.
    `verb` is the whole sentence a refused move into this state starts with ("This request
    cannot be approved."); labels and verbs are lazy, translated when shown.
    """

    label: object
    open: bool
    verb: object


S = RequestState
STATES: dict[RequestState, StateInfo] = {
    S.SUBMITTED: StateInfo(
        _l("Waiting for the career office"),
        True,
        _l("This request cannot be sent back to the career office."),
    ),
    S.NEEDS_INFO: StateInfo(
        _l("More detail needed from the student"),
        True,
        _l("This request cannot be sent back for more detail."),
    ),
    S.DECLINED_BY_STAFF: StateInfo(
        _l("Declined by the career office"), False, _l("This request cannot be declined.")
    ),
    S.RELAYED: StateInfo(
        _l("Waiting for the alumnus"), True, _l("This request cannot be approved.")
    ),
    # Open: the student has not agreed to the alumnus's time yet (and may still withdraw).
    S.SLOT_PROPOSED: StateInfo(
        _l("Another time proposed by the alumnus"),
        True,
        _l("This request cannot be given another time."),
    ),
    S.DECLINED_BY_ALUMNUS: StateInfo(
        _l("Declined by the alumnus"), False, _l("This request cannot be declined.")
    ),
    S.EXPIRED: StateInfo(
        _l("Expired without an answer"), False, _l("This request cannot be expired.")
    ),
    S.WITHDRAWN: StateInfo(
        _l("Withdrawn by the student"), False, _l("This request cannot be withdrawn.")
    ),
    S.INTRODUCED: StateInfo(_l("Introduced"), False, _l("This request cannot be accepted.")),
    S.SCHEDULED: StateInfo(_l("Scheduled"), False, _l("This request cannot be scheduled.")),
    S.REVIEWED: StateInfo(_l("Résumé reviewed"), False, _l("This request cannot be reviewed.")),
    S.REFERRAL_ACCEPTED: StateInfo(
        _l("Referral accepted, to be passed on"), False, _l("This request cannot be accepted.")
    ),
    S.REFERRED: StateInfo(
        _l("Referred to the employer"),
        False,
        _l("This request cannot be marked as passed on."),
    ),
    S.CANCELLED: StateInfo(
        lazy_pgettext("the state of one request", "Cancelled"),
        False,
        _l("This request cannot be cancelled."),
    ),
    S.COMPLETED: StateInfo(
        lazy_pgettext("the state of one request", "Completed"),
        False,
        _l("This request cannot be completed."),
    ),
    S.ALUMNUS_LEFT: StateInfo(
        _l("Closed: the alumnus has left the network"),
        False,
        _l("This request cannot be closed."),
    ),
}

STUDENT, STAFF, ALUMNUS, SYSTEM = "student", "staff", "alumnus", "system"
ROLES = (STUDENT, STAFF, ALUMNUS, SYSTEM)
# Who acted, as a refusal or a timeline names them (lazy).
ROLE_LABELS = {
    STUDENT: _l("Student"),
    STAFF: _l("Career office"),
    ALUMNUS: _l("Alumnus"),
    SYSTEM: _l("CareerLink (automatic)"),
}


@dataclass(frozen=True)
class Transition:
    """One move: `action` takes a request from one of `sources` to `target`.

    `roles` may act (the role recorded in the history row); `kind`, when set, limits the move
    to requests of that kind (accepting an introduction introduces, accepting a shadowing day
    schedules it). `unset` names columns that must still be NULL: the same condition is in the
    UPDATE's WHERE, so of two concurrent callers only one moves (a reminder is sent once).
    `verb` overrides the target state's refusal (a reminder does not "approve"): a whole
    sentence, lazy.
    A source of None is the creation of the request.
    """

    action: str
    sources: tuple[RequestState | None, ...]
    target: RequestState
    roles: tuple[str, ...]
    kind: RequestKind | None = None
    unset: tuple[str, ...] = ()
    verb: object = None
    # The refusal when a must-be-NULL column is set already (a second reminder); lazy.
    repeated: object = None

    @property
    def refusal_verb(self):
        """The sentence saying this move cannot be made ("This request cannot be approved.")."""
        return self.verb or STATES[self.target].verb


K = RequestKind
TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (None,), S.SUBMITTED, (STUDENT,)),
    Transition("approve", (S.SUBMITTED,), S.RELAYED, (STAFF,)),
    Transition("ask_for_info", (S.SUBMITTED,), S.NEEDS_INFO, (STAFF,)),
    Transition("resubmit", (S.NEEDS_INFO,), S.SUBMITTED, (STUDENT,)),
    Transition("decline_by_staff", (S.SUBMITTED, S.NEEDS_INFO), S.DECLINED_BY_STAFF, (STAFF,)),
    Transition("accept", (S.RELAYED,), S.INTRODUCED, (ALUMNUS,), kind=K.INTRODUCTION),
    Transition("accept", (S.RELAYED,), S.SCHEDULED, (ALUMNUS,), kind=K.SHADOWING),
    Transition("accept", (S.RELAYED,), S.SCHEDULED, (ALUMNUS,), kind=K.INFORMATIONAL_INTERVIEW),
    Transition(
        "propose_slot", (S.RELAYED,), S.SLOT_PROPOSED, (ALUMNUS,), kind=K.INFORMATIONAL_INTERVIEW
    ),
    Transition(
        "confirm_slot",
        (S.SLOT_PROPOSED,),
        S.SCHEDULED,
        (STUDENT,),
        kind=K.INFORMATIONAL_INTERVIEW,
        verb=_l("This request cannot be confirmed."),
    ),
    Transition(
        "reschedule",
        (S.SCHEDULED,),
        S.SCHEDULED,
        (ALUMNUS,),
        kind=K.INFORMATIONAL_INTERVIEW,
        verb=_l("This request cannot be rescheduled."),
    ),
    # The student asks to move a scheduled interview: the time stays until the alumnus moves it
    # (reschedule) or either side cancels; the alumnus's calendar is theirs to change.
    Transition(
        "ask_other_time",
        (S.SCHEDULED,),
        S.SCHEDULED,
        (STUDENT,),
        kind=K.INFORMATIONAL_INTERVIEW,
        verb=_l("No other time can be asked for on this request."),
    ),
    # The alumnus's acceptance of a résumé review is the review itself (comments, a file).
    Transition("accept", (S.RELAYED,), S.REVIEWED, (ALUMNUS,), kind=K.RESUME_REVIEW),
    Transition("accept", (S.RELAYED,), S.REFERRAL_ACCEPTED, (ALUMNUS,), kind=K.REFERRAL),
    # Passing the résumé on is a state of its own: the student is told when it happened.
    Transition("confirm_referral", (S.REFERRAL_ACCEPTED,), S.REFERRED, (ALUMNUS,), kind=K.REFERRAL),
    Transition("decline_by_alumnus", (S.RELAYED,), S.DECLINED_BY_ALUMNUS, (ALUMNUS,)),
    Transition(
        "remind",
        (S.RELAYED,),
        S.RELAYED,
        (SYSTEM,),
        unset=("reminded_at",),
        verb=_l("No reminder can be sent for this request."),
        repeated=_l("This request was already reminded."),
    ),
    Transition(
        "withdraw",
        (S.SUBMITTED, S.NEEDS_INFO, S.RELAYED, S.SLOT_PROPOSED),
        S.WITHDRAWN,
        (STUDENT,),
    ),
    # A time the alumnus proposed that the student does not confirm within the answer window
    # (or before it starts) lapses too; the row keeps the alumnus's answered_at, which is how
    # the reports and the pause rule tell the student's silence from the alumnus's.
    Transition("expire", (S.RELAYED, S.SLOT_PROPOSED), S.EXPIRED, (SYSTEM,)),
    Transition("cancel", (S.SCHEDULED,), S.CANCELLED, (STUDENT, ALUMNUS, STAFF)),
    Transition(
        "complete",
        (S.INTRODUCED, S.SCHEDULED, S.REVIEWED, S.REFERRED),
        S.COMPLETED,
        (SYSTEM,),
    ),
    # The alumnus deleted their account before the request reached them: no one declined it.
    Transition("close_alumnus_left", (S.SUBMITTED, S.NEEDS_INFO), S.ALUMNUS_LEFT, (SYSTEM,)),
)
del S, K


def transitions_for(action: str) -> list[Transition]:
    """Every row of the table for an action (one per kind for accept, one otherwise)."""
    found = [t for t in TRANSITIONS if t.action == action]
    if not found:
        raise KeyError(f"no transition named {action!r}")
    return found


def transition_for(action: str, kind: str | None) -> Transition | None:
    """The row for an action on a request of this kind, or None if the kind has none."""
    for t in transitions_for(action):
        if t.kind is None or t.kind.value == kind:
            return t
    return None


def _after(states: set[RequestState]) -> set[RequestState]:
    """The states, and every state reachable from them."""
    reached = set(states)
    while True:
        more = {t.target for t in TRANSITIONS if set(t.sources) & reached} - reached
        if not more:
            return reached
        reached |= more


def _in_order(states: set[RequestState]) -> tuple[RequestState, ...]:
    return tuple(s for s in RequestState if s in states)


def sql_in(states: tuple[RequestState, ...]) -> str:
    """`state IN ('a', 'b')` for these states, in the table's order."""
    return "state IN (" + ", ".join(f"'{s.value}'" for s in states) + ")"


# --- derived --------------------------------------------------------------------------------

STATE_LABELS: dict[RequestState, str] = {state: info.label for state, info in STATES.items()}
OPEN_STATES: tuple[RequestState, ...] = tuple(s for s, info in STATES.items() if info.open)
# The student may withdraw exactly while the request is open.
WITHDRAWABLE_STATES: tuple[RequestState, ...] = transitions_for("withdraw")[0].sources
_CANCELLED = transitions_for("cancel")[0].target
_WITHDRAWN = transitions_for("withdraw")[0].target
_EXPIRED = transitions_for("expire")[0].target
# Feedback and outcomes open once the alumnus has accepted, and stay open through whatever
# follows (a referral passed on, completion), but not once the meeting was cancelled.
FEEDBACK_STATES: tuple[RequestState, ...] = _in_order(
    _after({t.target for t in transitions_for("accept")}) - {_CANCELLED}
)
# The alumnus answered: an accept, a decline or another time, and whatever followed it (but a
# withdrawal is the student's, and an expiry is counted by answered_at: one from a relayed
# request was never answered, one from a proposed time was).
ANSWERED_STATES: tuple[RequestState, ...] = _in_order(
    _after(
        {t.target for t in TRANSITIONS if ALUMNUS in t.roles and RequestState.RELAYED in t.sources}
    )
    - {_WITHDRAWN, _EXPIRED}
)
KIND_CHECK_SQL = "kind IN (" + ", ".join(f"'{k.value}'" for k in RequestKind) + ")"
STATE_CHECK_SQL = sql_in(tuple(RequestState))
OPEN_SQL = sql_in(OPEN_STATES)
