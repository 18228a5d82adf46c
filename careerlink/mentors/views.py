"""Directory, mentor pages, profile editing, opt-in/out, freshness links, staff verification."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.models import User
from careerlink.accounts.signin import signed_in_user
from careerlink.errors import NotFound
from careerlink.extensions import db
from careerlink.mentors import page_cache, profile_page, services
from careerlink.mentors.forms import (
    MentorProfileForm,
    OptInForm,
    RejectForm,
    StudentProfileForm,
)
from careerlink.mentors.industries import active_industries
from careerlink.mentors.models import OFFER_LABELS, Industry, MentorProfile, Offer, today
from careerlink.mentors.search import parse_criteria, search_mentors
from careerlink.permissions import STAFF_ROLES, Role, require, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("mentors", __name__)
# The directory's count cache belongs to the app the blueprint is mounted on.

PER_PAGE = 20


def _actor():
    """The signed-in person's ORM record, for services (None when signed out)."""
    return signed_in_user() if current_user.is_authenticated else None


def _viewer():
    """The signed-in person as pages read them, for permission checks (None when signed out)."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _profile_or_404(profile_id: int) -> MentorProfile:
    return found(db.session.get(MentorProfile, profile_id))


def _industry_choices(selected: list[str] | None = None) -> list[tuple[str, str]]:
    industries = active_industries()
    choices = [(i.slug, i.label) for i in industries]
    known = {slug for slug, _ in choices}
    # An inactive industry the profile already has stays visible so saving keeps it.
    for slug in selected or []:
        if slug not in known:
            industry = db.session.scalar(db.select(Industry).where(Industry.slug == slug))
            if industry is not None:
                choices.append(
                    (industry.slug, _("%(industry)s (no longer offered)", industry=industry.label))
                )
    return choices


# --- the directory --------------------------------------------------------------------------------


@bp.route("/mentors")
def directory():
    """Search alumni by words, industry, offer, place, year and availability."""
    viewer, on = _viewer(), today()
    key, state = page_cache.key_for(getattr(viewer, "id", None), on)
    body = page_cache.get(key)
    if body is None:
        criteria, notices = parse_criteria(request.args)
        per_page = request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE
        result = search_mentors(
            criteria,
            viewer=viewer,
            page=request.args.get("page", 1),
            per_page=per_page,
            on=on,
            directory=state,
        )
        body = render_template(
            "careerlink/mentors/_directory_body.html",
            result=result,
            criteria=criteria,
            notices=notices + result.notices,
            pagination=result,
            offer_labels=OFFER_LABELS,
            offers=list(Offer),
            today=on,
        )
        page_cache.put(key, body)
    # The body is this app's own rendering (escaped when it was rendered), from its own cache.
    return render_template("careerlink/mentors/directory.html", body=body)


# Built once: a statement with loader options costs more to build than to run.
_DETAIL = (
    select(MentorProfile)
    .where(MentorProfile.id == bindparam("profile_id"))
    .options(
        joinedload(MentorProfile.user).lazyload(User.role_rows),
        selectinload(MentorProfile.industries),
    )
)


@bp.route("/mentors/<int:profile_id>")
def detail(profile_id: int):
    """Everything a student needs to decide whom to ask; never an email or phone number."""
    on = today()
    key = profile_page.key_for(profile_id, on)
    cached = profile_page.get(key)
    if cached is None:
        # The profile with its owner in one statement and its industries in another; the
        # owner's roles are not shown here, so they are not read.
        profile = found(db.session.scalar(_DETAIL, {"profile_id": profile_id}))
        facts = profile_page.PageFacts.of(profile, on)
        body = render_template(
            "careerlink/mentors/_profile_body.html",
            profile=profile,
            can_ask=facts.ask.open_today,
            reason=facts.ask.closed_reason,
        )
        profile_page.put(key, facts, body)
    else:
        facts, body = cached
    viewer = _viewer()
    if not services.can_view_profile(viewer, facts):
        raise NotFound()
    return render_template(
        "careerlink/mentors/detail.html",
        facts=facts,
        body=Markup(body),  # noqa: S704 (rendered by our own template, escaped there)
        can_edit=services.can_edit_profile(viewer, facts),
    )


# --- the alumnus's own profile ------------------------------------------------------------------


@bp.route("/mentors/me")
@login_required
def my_profile():
    """Send the alumnus to their profile, or to the opt-in step if they have not joined."""
    profile = services.get_profile_for(current_user)
    if profile is None or not profile.is_opted_in:
        return redirect(url_for("mentors.join"))
    return redirect(url_for("mentors.edit", profile_id=profile.id))


@bp.route("/mentors/join", methods=["GET", "POST"])
@role_required(Role.ALUMNUS)
def join():
    """The explicit opt-in step, with the consent text."""
    form = OptInForm()
    profile = services.get_profile_for(current_user)
    if form.validate_on_submit():
        joined = perform(
            lambda: services.opt_in(_actor(), bool(form.agree.data)),
            _("Thank you for joining. Fill in your profile so students can find you."),
            form=form,
        )
        if joined:
            return redirect(url_for("mentors.edit", profile_id=joined.value.id))
    return render_template(
        "careerlink/mentors/join.html",
        form=form,
        consent=services.consent_text(),
        profile=profile,
    )


@bp.route("/mentors/<int:profile_id>/edit", methods=["GET", "POST"])
@login_required
def edit(profile_id: int):
    """Edit a profile: its owner, or an admin."""
    profile = _profile_or_404(profile_id)
    require(services.can_edit_profile(_viewer(), profile))
    form = MentorProfileForm(obj=profile if request.method == "GET" else None)
    if request.method == "GET":
        form.industries.data = [i.slug for i in profile.industries]
        form.offers.data = [o.value for o in profile.sorted_offers]
        form.tags.data = ", ".join(profile.tags or [])
    form.industries.choices = _industry_choices(form.industries.data)
    if form.validate_on_submit():
        if perform(
            lambda: services.save_profile(_actor(), profile, form.data),
            _("Your profile is saved."),
            form=form,
        ):
            return redirect(url_for("mentors.edit", profile_id=profile.id))
    elif request.method == "POST":
        flash(_("Please correct the fields marked below."), "error")
    return render_template(
        "careerlink/mentors/edit.html",
        form=form,
        profile=profile,
        button=ConfirmForm(),
    )


@bp.route("/mentors/<int:profile_id>/opt-out", methods=["POST"])
@login_required
def opt_out(profile_id: int):
    """Leave the directory at once."""
    profile = _profile_or_404(profile_id)
    require(services.can_edit_profile(_viewer(), profile))
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: services.opt_out(_actor(), profile),
            _(
                "You have left the mentor directory. Students no longer see your profile. "
                "You can join again at any time."
            ),
        )
    return redirect(url_for("accounts.account"))


@bp.route("/mentors/<int:profile_id>/accepting", methods=["POST"])
@login_required
def set_accepting(profile_id: int):
    """Pause or resume new requests."""
    profile = _profile_or_404(profile_id)
    require(services.can_edit_profile(_viewer(), profile))
    accepting = request.form.get("accepting") == "1"
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: services.set_accepting(_actor(), profile, accepting),
            _("You are accepting new requests again.")
            if accepting
            else _("New requests are paused. You stay listed, marked as not accepting requests."),
        )
    if request.form.get("back") == "edit":
        return redirect(url_for("mentors.edit", profile_id=profile.id))
    return redirect(url_for("accounts.account"))


@bp.route("/mentors/<int:profile_id>/still-current", methods=["POST"])
@login_required
def still_current(profile_id: int):
    """The signed-in owner confirms the profile is up to date."""
    profile = _profile_or_404(profile_id)
    require(services.can_edit_profile(_viewer(), profile))
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: services.confirm_profile(_actor(), profile),
            _("Thank you, your profile is confirmed as current."),
        )
    return redirect(url_for("mentors.edit", profile_id=profile.id))


@bp.route("/mentors/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """From the reminder email: a page with a button; only the POST confirms.

    A bad or outdated link raises InvalidToken, which the app shows as the bad-link page.
    """
    profile = services.profile_for_confirm_token(token)
    form = ConfirmForm()
    if form.validate_on_submit() and perform(
        lambda: services.confirm_by_token(token),
        _("Thank you, your profile is confirmed and listed for another year."),
    ):
        return redirect(url_for("mentors.detail", profile_id=profile.id))
    return render_template("careerlink/mentors/confirm.html", form=form, profile=profile)


# --- students -----------------------------------------------------------------------------------


@bp.route("/students/me", methods=["GET", "POST"])
@login_required
def student_profile():
    """The short profile that alumni see in a relayed request."""
    profile = services.get_student_profile_for(current_user)
    form = StudentProfileForm(obj=profile if request.method == "GET" else None)
    if request.method == "GET" and profile is not None:
        form.industries.data = [i.slug for i in profile.industries]
    form.industries.choices = _industry_choices(form.industries.data)
    if form.validate_on_submit() and perform(
        lambda: services.save_student_profile(_actor(), form.data),
        _("Your profile is saved."),
        form=form,
    ):
        return redirect(url_for("accounts.account"))
    return render_template("careerlink/mentors/student_edit.html", form=form, profile=profile)


# --- staff verification -------------------------------------------------------------------------


@bp.route("/staff/mentors/pending")
@role_required(*STAFF_ROLES)
def pending():
    """Profiles waiting for staff to confirm the alumnus graduated here."""
    profiles = db.session.scalars(services.pending_profiles_query().limit(200)).all()
    return render_template(
        "careerlink/mentors/staff_pending.html",
        profiles=profiles,
        form=ConfirmForm(),
        reject_form=RejectForm(),
    )


@bp.route("/staff/mentors/<int:profile_id>/approve", methods=["POST"])
@role_required(*STAFF_ROLES)
def approve(profile_id: int):
    """List a profile after checking its owner graduated here."""
    profile = _profile_or_404(profile_id)
    if ConfirmForm().validate_on_submit():
        perform(
            lambda: services.approve_profile(_actor(), profile),
            _("%(name)s's profile is approved and listed.", name=profile.display_name),
        )
    return redirect(url_for("mentors.pending"))


@bp.route("/staff/mentors/<int:profile_id>/reject", methods=["POST"])
@role_required(*STAFF_ROLES)
def reject(profile_id: int):
    """Refuse a profile; the reason is emailed to the alumnus."""
    profile = _profile_or_404(profile_id)
    form = RejectForm()
    if form.validate_on_submit():
        perform(
            lambda: services.reject_profile(_actor(), profile, form.reason.data),
            _(
                "%(name)s's profile is rejected; they have been told why.",
                name=profile.display_name,
            ),
        )
    else:
        flash(_("Write a reason (up to 1,000 characters) before rejecting."), "error")
    return redirect(url_for("mentors.pending"))


@bp.app_template_global()
def mentor_profile_for(user):
    """The user's mentor profile (for the account page)."""
    return services.get_profile_for(user)


@bp.app_template_global()
def student_profile_for(user):
    """What the account page shows of the user's student profile (programme, class year), as
    a row, or None when they have not written one."""
    return services.student_profile_summary(user)


@bp.app_template_global()
def pending_mentor_profiles_count() -> int:
    """How many profiles wait for staff verification (for the staff home page)."""
    return services.pending_profiles_count()
