"""What a token may do: each scope names a set of operations; people's roles still apply."""

from __future__ import annotations

DIRECTORY_READ = "directory:read"
REQUESTS_READ = "requests:read"
REQUESTS_WRITE = "requests:write"
PROFILE_READ = "profile:read"
PROFILE_WRITE = "profile:write"
STAFF = "staff"
ACT_AS = "act-as"


def N_(text: str) -> str:  # noqa: N802 (gettext_noop, a name the extractor knows)
    """`text` itself, marked for the catalogue: translated where people read it, English in
    the OpenAPI description (the contract)."""
    return text


# Scope -> what it allows, shown beside the checkboxes and in the API description.
SCOPES: dict[str, str] = {
    DIRECTORY_READ: N_("Search the mentor directory and read mentor profiles and industries."),
    REQUESTS_READ: N_("Read your requests (as a student or an alumnus) and their details."),
    REQUESTS_WRITE: N_("Ask, revise, withdraw, cancel, give feedback; accept or decline (alumni)."),
    PROFILE_READ: N_("Read your mentor profile."),
    PROFILE_WRITE: N_("Edit your mentor profile, pause it and set when you are away."),
    STAFF: N_(
        "Career-office work: the queue, approving and declining, verifying profiles "
        "(only for staff accounts)."
    ),
    ACT_AS: N_(
        "Service tokens only: act for a person named in the CareerLink-Act-As header "
        "(every such request is recorded)."
    ),
}
PERSONAL_SCOPES = tuple(s for s in SCOPES if s != ACT_AS)
SERVICE_SCOPES = tuple(SCOPES)


def describe(scopes: list[str] | tuple[str, ...]) -> str:
    """The scopes as a comma-separated list, in the table's order."""
    return ", ".join(s for s in SCOPES if s in scopes) or "none"
