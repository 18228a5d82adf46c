"""Openings: browse and read them, post and edit one's own, the staff queue, the digest."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.signin import signed_in_user
from careerlink.errors import InvalidToken, NotFound
from careerlink.extensions import csrf
from careerlink.mentors.industries import active_industries
from careerlink.mentors.models import Offer, today
from careerlink.openings import links, services
from careerlink.openings.forms import OpeningForm, ReviewForm, SubscriptionForm, WithdrawForm
from careerlink.pagination import paginate
from careerlink.permissions import STAFF_ROLES, Role, is_staff, require, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("openings", __name__)

QUEUE_PAGE_SIZE = 50


def _me():
    return signed_in_user()


def _visible_or_404(opening_id: int):
    opening = found(services.get_opening(opening_id))
    if not services.can_view(_me(), opening):
        raise NotFound()
    return opening


def _industry_choices(current=None) -> list[tuple[str, str]]:
    choices = [("", _("Choose an industry"))] + [(i.slug, i.label) for i in active_industries()]
    # An industry retired since the opening was posted stays visible so the form shows it.
    if current is not None and not current.active:
        choices.append(
            (current.slug, _("%(industry)s (no longer offered)", industry=current.label))
        )
    return choices


@bp.app_template_global()
def pending_openings_count() -> int:
    """How many openings wait for the career office (the staff home's card)."""
    return services.pending_count()


# --- browsing ------------------------------------------------------------------------------------


@bp.route("/openings")
@login_required
def browse():
    """Open openings, filtered by words, industry, remote and location, newest first."""
    criteria = services.parse_criteria(request.args)
    page = services.browse(criteria, request.args.get("page", 1))
    me = _me()
    return render_template(
        "careerlink/openings/browse.html",
        pagination=page,
        criteria=criteria,
        industries=active_industries(),
        can_post=services.can_post(me),
        can_subscribe=services.can_subscribe(me),
        subscription=services.subscription_of(me) if services.can_subscribe(me) else None,
    )


@bp.route("/openings/<int:opening_id>")
@login_required
def detail(opening_id: int):
    """One opening: its link, who posted it, and the way to ask them for a referral."""
    opening = _visible_or_404(opening_id)
    me = _me()
    profile = services.poster_listed_profile(opening)
    open_now = services.is_visible_to_students(opening)
    return render_template(
        "careerlink/openings/detail.html",
        opening=opening,
        profile=profile,
        open_now=open_now,
        closed=opening.closes_on < today(),
        can_edit=services.can_edit(me, opening) and opening.state != "withdrawn",
        can_withdraw=services.can_withdraw(me, opening) and opening.state != "withdrawn",
        staff_withdraws=is_staff(me) and me.id != opening.posted_by_id,
        show_referral=(
            open_now
            and profile is not None
            and Offer.REFERRAL in profile.offers  # the ask buttons agree with the offers
            and me.has_role(Role.STUDENT)
            and me.id != opening.posted_by_id
        ),
        withdraw_form=WithdrawForm(),
    )


# --- the alumnus's own openings ------------------------------------------------------------------


@bp.route("/openings/mine")
@role_required(Role.ALUMNUS)
def mine():
    """The alumnus's openings with their state (closed ones say so)."""
    me = _me()
    return render_template(
        "careerlink/openings/mine.html",
        openings=services.openings_of(me),
        can_post=services.can_post(me),
        today=today(),
    )


@bp.route("/openings/new", methods=["GET", "POST"])
@role_required(Role.ALUMNUS)
def new():
    """Post an opening; the career office approves it before students see it."""
    me = _me()
    require(
        services.can_post(me),
        _("Join the mentor directory first: openings are posted by alumni with a mentor profile."),
    )
    form = OpeningForm()
    form.industry.choices = _industry_choices()
    if form.validate_on_submit():
        done = perform(
            lambda: services.post_opening(me, form.opening_data()),
            _("Thank you. The career office will look at your opening before students see it."),
            form=form,
        )
        if done:
            return redirect(url_for("openings.mine"))
    return render_template("careerlink/openings/form.html", form=form, opening=None)


@bp.route("/openings/<int:opening_id>/edit", methods=["GET", "POST"])
@login_required
def edit(opening_id: int):
    """Change one's opening; an approved one goes back to the career office."""
    opening = _visible_or_404(opening_id)
    me = _me()
    require(services.can_edit(me, opening), _("Only the alumnus who posted it can change it."))
    form = OpeningForm(obj=opening if request.method == "GET" else None)
    if request.method == "GET":
        form.industry.data = opening.industry.slug if opening.industry else ""
    form.industry.choices = _industry_choices(opening.industry)
    form.submit.label.text = _("Save and send to the career office")
    if form.validate_on_submit():
        done = perform(
            lambda: services.edit_opening(me, opening, form.opening_data()),
            _("Saved. The career office will look at your opening again before students see it."),
            form=form,
        )
        if done:
            return redirect(url_for("openings.mine"))
    return render_template("careerlink/openings/form.html", form=form, opening=opening)


@bp.route("/openings/<int:opening_id>/withdraw", methods=["POST"])
@login_required
def withdraw(opening_id: int):
    """Take an opening down: its poster, or staff (audited; the poster is told)."""
    opening = _visible_or_404(opening_id)
    me = _me()
    require(services.can_withdraw(me, opening))
    form = WithdrawForm()
    if form.validate_on_submit():
        perform(
            lambda: services.withdraw_opening(me, opening, form.note.data or ""),
            _("The opening is withdrawn; students no longer see it."),
            form=form,
        )
    if me.id == opening.posted_by_id:
        return redirect(url_for("openings.mine"))
    return redirect(url_for("openings.queue"))


# --- the staff queue -----------------------------------------------------------------------------


@bp.route("/staff/openings")
@role_required(*STAFF_ROLES)
def queue():
    """Openings waiting for the career office, oldest first."""
    pagination = paginate(services.pending_query(), request.args.get("page"), QUEUE_PAGE_SIZE)
    return render_template(
        "careerlink/openings/queue.html", pagination=pagination, review_form=ReviewForm()
    )


@bp.route("/staff/openings/<int:opening_id>/review", methods=["POST"])
@role_required(*STAFF_ROLES)
def review(opening_id: int):
    """Approve or refuse one opening (audited; the alumnus is emailed)."""
    opening = found(services.get_opening(opening_id))
    me = _me()
    form = ReviewForm()
    if form.validate_on_submit():
        note = form.note.data or ""
        if form.reject.data:
            perform(
                lambda: services.reject_opening(me, opening, note),
                _("“%(title)s” was not approved; the alumnus is told why.", title=opening.title),
            )
        elif form.approve.data:
            perform(
                lambda: services.approve_opening(me, opening, note),
                _("“%(title)s” is approved; students can see it.", title=opening.title),
            )
    return redirect(url_for("openings.queue"))


# --- the weekly digest ---------------------------------------------------------------------------


@bp.route("/openings/digest", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def subscription():
    """Choose the industries of the weekly email of new openings (none: no email)."""
    me = _me()
    current = services.subscription_of(me)
    prefill = current is not None and request.method == "GET"
    form = SubscriptionForm(
        data={"industries": [i.slug for i in current.industries]} if prefill else None
    )
    form.industries.choices = [(i.slug, i.label) for i in active_industries()]
    if form.validate_on_submit():
        chosen = form.industries.data or []
        done = perform(
            lambda: services.subscribe(me, chosen),
            _("Saved. You will receive new openings in these industries once a week.")
            if chosen
            else _("You are unsubscribed from the openings digest."),
            form=form,
        )
        if done:
            return redirect(url_for("openings.subscription"))
    return render_template("careerlink/openings/subscription.html", form=form, subscription=current)


@bp.route("/openings/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop the digest: a page with a button, and the one-click POST of RFC 8058."""
    sid, uid = links.read_unsubscribe_token(token)
    if request.method == "POST":
        perform(lambda: services.unsubscribe(sid, uid), None, propagate=(InvalidToken,))
        return render_template("careerlink/openings/unsubscribed.html")
    if not services.subscription_exists(sid, uid):
        return render_template("careerlink/openings/unsubscribed.html")
    return render_template("careerlink/openings/unsubscribe.html", form=ConfirmForm())
