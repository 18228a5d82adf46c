"""Me: who the API thinks you are, your mentor profile (edit, pause, away), the CSRF token."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from careerlink.api import present
from careerlink.api import schemas as s
from careerlink.api.auth import current_caller
from careerlink.api.blueprint import bp, commit
from careerlink.api.scopes import PROFILE_READ, PROFILE_WRITE
from careerlink.api.spec import operation
from careerlink.errors import NotAllowed, NotFound
from careerlink.mentors import services as mentors
from careerlink.mentors.models import MentorProfile

TAG = "me"


@bp.get("/me")
@operation(tag=TAG, returns=s.MeOut, signed_in=False)
def who_am_i():
    """Who the call acts as, how it was authenticated, and the token's scopes."""
    caller = current_caller()
    user = caller.user
    token = caller.token
    return s.MeOut(
        id=user.id if user else None,
        display_name=user.display_name if user else None,
        email=user.email if user else None,
        roles=sorted(r.value for r in user.roles) if user else [],
        email_verified=bool(user and user.email_verified),
        authenticated_by=caller.via,
        token=s.TokenInfo(
            name=token.name, kind=token.kind, scopes=list(token.scopes), expires_at=token.expires_at
        )
        if token
        else None,
        acting_for=caller.acting_for,
    )


@bp.get("/csrf-token")
@operation(tag=TAG, returns=s.CsrfOut, signed_in=False)
def csrf_token():
    """The CSRF token that same-origin JavaScript sends as X-CSRFToken with the cookie."""
    return s.CsrfOut(csrf_token=generate_csrf())


def my_profile() -> MentorProfile:
    """The caller's mentor profile; 404 when they never joined the directory."""
    user = current_caller().user
    profile = mentors.get_profile_for(user)
    if profile is None:
        raise NotFound(_("You have no mentor profile; join the mentor directory first."))
    if not mentors.can_edit_profile(user, profile):
        raise NotAllowed(_("You can only change your own profile."))
    return profile


@bp.get("/me/profile")
@operation(tag=TAG, returns=s.ProfileOut, scope=PROFILE_READ)
def get_my_profile():
    """Your mentor profile, every field you can edit, and whether it is listed."""
    return present.profile_out(my_profile())


@bp.patch("/me/profile")
@operation(tag=TAG, returns=s.ProfileOut, scope=PROFILE_WRITE, body=s.ProfilePatch)
def edit_my_profile():
    """Change some fields of your mentor profile; saving also confirms it is current."""
    body: s.ProfilePatch = request.context.json
    profile = my_profile()
    data = present.profile_form_data(profile)
    changes = body.model_dump(exclude_unset=True)
    if "offers" in changes and changes["offers"] is not None:
        changes["offers"] = [o.value if hasattr(o, "value") else o for o in changes["offers"]]
    data.update({k: v for k, v in changes.items() if v is not None or k in _NULLABLE})
    commit(lambda: mentors.save_profile(current_caller().user, profile, data))
    return present.profile_out(profile)


# Fields a PATCH may set to null (the others keep their value when null is sent).
_NULLABLE = frozenset({"class_year", "away_until", "linkedin_url"})


@bp.post("/me/profile/pause")
@operation(tag=TAG, returns=s.ProfileOut, scope=PROFILE_WRITE, writes=True)
def pause_my_profile():
    """Stop new requests; you stay listed, marked as not accepting requests."""
    profile = my_profile()
    commit(lambda: mentors.set_accepting(current_caller().user, profile, False))
    return present.profile_out(profile)


@bp.post("/me/profile/resume")
@operation(tag=TAG, returns=s.ProfileOut, scope=PROFILE_WRITE, writes=True)
def resume_my_profile():
    """Accept new requests again."""
    profile = my_profile()
    commit(lambda: mentors.set_accepting(current_caller().user, profile, True))
    return present.profile_out(profile)


@bp.put("/me/profile/away")
@operation(tag=TAG, returns=s.ProfileOut, scope=PROFILE_WRITE, body=s.AwayBody)
def set_my_away():
    """Say you are away until a day (your first day back), or null when you are around."""
    body: s.AwayBody = request.context.json
    profile = my_profile()
    data = present.profile_form_data(profile)
    data["away_until"] = body.until
    commit(lambda: mentors.save_profile(current_caller().user, profile, data))
    return present.profile_out(profile)
