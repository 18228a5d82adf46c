"""Request pages: asking, following, answering (also from an email link), staff review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from careerlink.accounts.models import User
from careerlink.accounts.signin import signed_in_user
from careerlink.connections import queue_cache, services, uploads
from careerlink.connections.forms import (
    AcceptForm,
    AlumnusDeclineForm,
    ApproveForm,
    AskForm,
    AskInfoForm,
    BulkForm,
    CancelForm,
    ConfirmTimeForm,
    DeclineForm,
    FeedbackForm,
    InterviewAcceptForm,
    MeetingLinkForm,
    OtherTimeForm,
    OutcomeForm,
    ProposeTimeForm,
    ReferralAcceptForm,
    ReferredForm,
    ReviewForm,
    ReviseForm,
    WithdrawForm,
)
from careerlink.connections.models import (
    FEEDBACK_STATES,
    WITHDRAWABLE_STATES,
    ConnectionRequest,
    RequestKind,
    RequestState,
)
from careerlink.connections.slots import MAX_MINUTES, MIN_MINUTES, zone_name
from careerlink.connections.uploads import Upload
from careerlink.errors import InvalidTransition, NotFound
from careerlink.i18n import datetime_formatter, format_date
from careerlink.mentors.industries import active_industries
from careerlink.models import utcnow
from careerlink.pagination import paginate
from careerlink.permissions import STAFF_ROLES, require, role_required
from careerlink.web.actions import found, local_referrer, perform
from careerlink.web.security import MAX_ID

bp = Blueprint("connections", __name__)

PAGE_SIZE = 50
# A request waiting longer than ten years is not a filter anyone means.
MAX_MIN_DAYS = 3650
MAX_BULK = 500


def _me() -> User:
    return signed_in_user()


def _visible_request_or_404(request_id: int) -> ConnectionRequest:
    req = found(services.get_request(request_id))
    # A request the user may not see answers 404, so ids do not leak which requests exist.
    if not services.can_view_request(_me(), req):
        raise NotFound()
    return req


def _upload(storage) -> Upload | None:
    """The uploaded file's bytes (at most one byte over the limit: the service refuses it)."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    return Upload(data=storage.stream.read(uploads.max_bytes() + 1), filename=storage.filename)


# --- template helpers -------------------------------------------------------------------------


@bp.app_template_global()
def ask_status_for(facts):
    """Whether the current user may ask this alumnus, for the mentor's page: from the page's
    facts (`mentors.profile_page.PageFacts`), which need no profile."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return services.ask_status_from(facts.ask, user)


@dataclass(frozen=True, slots=True)
class _AccountLine:
    """One line of the account page's lists, ready to show."""

    id: int
    url: str
    state_badge: Markup
    kind_heading: str
    other_name: str  # the alumnus of a request asked, the student of one received
    when: str  # asked at (asked), answer due by with the zone (received and relayed), or ""


@bp.app_template_global()
def my_requests(user):
    """The user's requests as a student and as an alumnus, for the account page: each line's
    labels, time and link made here, each kind's label and state's badge once a page."""
    asked, received = services.requests_of(user)
    marker = MAX_ID  # the id is the path's last number: split there
    head, tail = url_for("connections.detail", request_id=marker).rsplit(str(marker), 1)
    # The state's badge, as _macros.html writes it: once per state on the page.
    badge = get_template_attribute("careerlink/connections/_macros.html", "state_badge")
    kinds: dict[str, str] = {}
    states: dict[str, Markup] = {}
    asked_at, due_by = datetime_formatter(), datetime_formatter(zone=True)

    def line(r, other_name: str, when: str) -> _AccountLine:
        if r.kind not in kinds:
            kinds[r.kind] = str(RequestKind(r.kind).heading)
        if r.state not in states:
            states[r.state] = badge(r, str(RequestState(r.state).label))
        return _AccountLine(
            r.id, f"{head}{r.id}{tail}", states[r.state], kinds[r.kind], other_name, when
        )

    relayed = RequestState.RELAYED.value
    return {
        "asked": [line(r, r.alumnus_name, asked_at(r.created_at)) for r in asked],
        "received": [
            line(
                r,
                r.student_name,
                due_by(r.respond_by) if r.state == relayed and r.respond_by else "",
            )
            for r in received
        ],
    }


@bp.app_template_global()
def request_counts():
    """Counts for the staff home cards."""
    return services.request_counts()


# --- asking -----------------------------------------------------------------------------------


@bp.route("/mentors/<int:profile_id>/ask/<kind>", methods=["GET", "POST"])
@login_required
def ask(profile_id: int, kind: str):
    """Ask an alumnus for something they offer; the form shows only the fields of this kind."""
    profile = found(services.mentor_profile(profile_id))
    if kind not in {k.value for k in RequestKind}:
        raise NotFound()
    kind_enum = RequestKind(kind)
    status = services.ask_status(profile, _me())
    if status.can_ask and kind_enum not in status.kinds:
        status.can_ask = False
        status.reason = _("This alumnus does not offer %(kind)s.", kind=kind_enum.label)
    form = AskForm()
    openings = []
    if kind_enum is RequestKind.REFERRAL:
        openings = services.open_openings_of(profile, utcnow().date())
        form.opening.choices = [("", _("Another opening (give its address below)"))] + [
            (
                str(o.id),
                _(
                    "%(title)s, %(organisation)s (closes %(day)s)",
                    title=o.title,
                    organisation=o.organisation,
                    day=format_date(o.closes_on),
                ),
            )
            for o in openings
        ]
        # From an opening's "Ask for a referral" button: that opening is chosen already.
        wanted = request.args.get("opening", "")
        if request.method == "GET" and wanted.isdigit() and len(wanted) <= 10:
            form.opening.data = wanted
    if status.can_ask and form.validate_on_submit():
        done = perform(
            lambda: services.submit_request(
                _me(),
                profile,
                kind_enum,
                hopes=form.hopes.data,
                why_alumnus=form.why_alumnus.data,
                message=form.message.data,
                proposed_dates=form.proposed_dates(),
                slots=form.proposed_slots(),
                meeting_format=form.meeting_format.data,
                meeting_place=form.meeting_place.data,
                posting_url=form.posting_url.data,
                opening_id=form.opening_id(),
                resume=_upload(form.resume.data),
                conduct_acknowledged=bool(form.conduct.data),
            ),
            _("Your request is with the career office. We will email you when it moves on."),
            form=form,
        )
        if done:
            return redirect(url_for("connections.detail", request_id=done.value.id))
    return render_template(
        "careerlink/connections/ask.html",
        form=form,
        profile=profile,
        kind=kind_enum,
        status=status,
        openings=openings,
        zone=zone_name(),
        min_minutes=MIN_MINUTES,
        max_minutes=MAX_MINUTES,
        policy=services.conduct_policy(),
        max_open=services.max_open_requests(),
    ), (200 if status.can_ask else 403)


# --- following a request ----------------------------------------------------------------------


@bp.route("/requests/<int:request_id>")
@login_required
def detail(request_id: int):
    """A request as its student or its alumnus sees it (staff go to the staff page)."""
    req = _visible_request_or_404(request_id)
    me = _me()
    if me.id not in (req.student_id, req.alumnus_id):
        return redirect(url_for("connections.staff_request", request_id=req.id))
    side = services.side_of(me, req)
    return render_template(
        "careerlink/connections/detail.html",
        req=req,
        side=side,
        profile=req.mentor_profile,
        withdraw_form=WithdrawForm(),
        cancel_form=CancelForm(),
        accept_form=_accept_form(req),
        decline_form=AlumnusDeclineForm(),
        propose_form=_propose_form(req),
        confirm_form=ConfirmTimeForm(),
        referred_form=ReferredForm(),
        link_form=_link_form(req),
        other_time_form=OtherTimeForm(),
        outcome_form=OutcomeForm.for_request(req),
        zone=zone_name(),
        feedback_states=[s.value for s in FEEDBACK_STATES],
        withdrawable=side == "student" and req.state in WITHDRAWABLE_STATES,
        feedback_open=req.state in FEEDBACK_STATES and req.feedback_from(side) is None,
    )


def _send_request_file(req: ConnectionRequest, which: str):
    """The résumé or the annotated copy of this request, as an attachment (never rendered)."""
    if which not in ("resume", "review"):
        raise NotFound()
    name, kind = (
        (req.resume_file, req.resume_type)
        if which == "resume"
        else (req.review_file, req.review_file_type)
    )
    path = uploads.path_of(name)
    if path is None or kind not in uploads.MIME:
        raise NotFound()
    response = send_file(
        path,
        mimetype=uploads.MIME[kind],
        as_attachment=True,
        download_name=f"{'resume' if which == 'resume' else 'review'}-{req.id}.{kind}",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/requests/<int:request_id>/files/<which>")
@login_required
def request_file(request_id: int, which: str):
    """The student's résumé or the alumnus's annotated copy, as a download: to the student,
    the alumnus once staff approved the request, and staff."""
    return _send_request_file(_visible_request_or_404(request_id), which)


@bp.route("/requests/answer/<token>/files/<which>")
def answer_file(token: str, which: str):
    """The same download from the emailed answer page: the link's token stands for the
    alumnus's session, for this request's files only and only while the token is valid."""
    req = services.request_for_answer_token(token)
    if not services.can_view_request(req.alumnus, req):
        raise NotFound()
    return _send_request_file(req, which)


@bp.route("/requests/<int:request_id>/revise", methods=["GET", "POST"])
@login_required
def revise(request_id: int):
    """The student revises a request the career office sent back."""
    req = _visible_request_or_404(request_id)
    require(req.student_id == _me().id)
    if req.state != RequestState.NEEDS_INFO.value:
        flash(_("This request is not waiting for your changes."), "info")
        return redirect(url_for("connections.detail", request_id=req.id))
    form = ReviseForm()
    if request.method == "GET":
        form.hopes.data = req.hopes
        form.why_alumnus.data = req.why_alumnus
        form.message.data = req.message
        dates = req.proposed_date_values + [None, None, None]
        form.date1.data, form.date2.data, form.date3.data = dates[:3]
        for row, slot in zip(form.slots, req.slots, strict=False):
            start = slot.local_start()
            row.form.day.data, row.form.start.data = start.date(), start.time()
            row.form.minutes.data = slot.minutes
    if form.validate_on_submit() and perform(
        lambda: services.revise_request(
            req,
            _me(),
            hopes=form.hopes.data,
            why_alumnus=form.why_alumnus.data,
            message=form.message.data,
            proposed_dates=form.proposed_dates(),
            slots=form.proposed_slots() if req.is_interview else None,
        ),
        _("Thank you. Your revised request is back with the career office."),
        form=form,
    ):
        return redirect(url_for("connections.detail", request_id=req.id))
    return render_template(
        "careerlink/connections/revise.html",
        form=form,
        req=req,
        profile=req.mentor_profile,
        zone=zone_name(),
        min_minutes=MIN_MINUTES,
        max_minutes=MAX_MINUTES,
    )


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@login_required
def withdraw(request_id: int):
    """The student withdraws a request before the alumnus accepts."""
    req = _visible_request_or_404(request_id)
    if WithdrawForm().validate_on_submit():
        perform(lambda: services.withdraw_request(req, _me()), _("Your request is withdrawn."))
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@login_required
def cancel(request_id: int):
    """Either side cancels a scheduled shadowing day."""
    req = _visible_request_or_404(request_id)
    form = CancelForm()
    if form.validate_on_submit():
        perform(
            lambda: services.cancel_request(req, _me(), reason=form.reason.data),
            _cancelled_message(req),
        )
    else:
        flash(_("Say why you are cancelling."), "error")
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/outcomes", methods=["POST"])
@login_required
def add_outcome(request_id: int):
    """The student records something that came of the request."""
    req = _visible_request_or_404(request_id)
    form = OutcomeForm.for_request(req)
    if form.validate_on_submit():
        perform(
            lambda: services.record_outcome(req, _me(), kind=form.kind.data, note=form.note.data),
            _("Thank you, the outcome is recorded."),
        )
    else:
        _flash_form_errors(form)
    return redirect(url_for("connections.detail", request_id=request_id))


# --- answering --------------------------------------------------------------------------------


def _cancelled_message(req: ConnectionRequest) -> str:
    if req.is_interview:
        return _("The informational interview is cancelled; both of you have been told.")
    return _("The shadowing day is cancelled; both of you have been told.")


def _accept_form(req: ConnectionRequest):
    """The acceptance form of the request's kind."""
    if req.is_interview:
        form = InterviewAcceptForm()
        form.slot.choices = [(str(i), slot.describe()) for i, slot in enumerate(req.slots)]
        return form
    if req.is_review:
        return ReviewForm()
    if req.is_referral:
        return ReferralAcceptForm()
    form = AcceptForm()
    if req.is_shadowing:
        form.date_choice.choices = [
            (d.isoformat(), format_date(d, "full")) for d in req.proposed_date_values
        ] + [("other", _("Another date (enter it below)"))]
    else:
        form.date_choice.choices = []
    return form


def _chosen_date(req: ConnectionRequest, form: AcceptForm) -> date | None:
    if not req.is_shadowing:
        return None
    if form.date_choice.data == "other" or not form.date_choice.data:
        return form.other_date.data
    try:
        return date.fromisoformat(form.date_choice.data)
    except ValueError:
        return None


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for e in errors:
            flash(e, "error")


_ACCEPTED = {
    RequestKind.INFORMATIONAL_INTERVIEW: _l(
        "Thank you! You and the student have both been sent a calendar invitation."
    ),
    RequestKind.RESUME_REVIEW: _l("Thank you! Your comments are on their way to the student."),
    RequestKind.REFERRAL: _l(
        "Thank you! Come back to this request to confirm once you have passed it on."
    ),
}


def _accept(req: ConnectionRequest, alumnus: User, form) -> None:
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return
    if req.kind_enum in _ACCEPTED:
        perform(
            lambda: services.accept_request(
                req,
                alumnus,
                note=form.note.data,
                slot_index=form.slot_index() if req.is_interview else None,
                meeting_link=form.meeting_link.data if req.is_interview else None,
                review_comments=form.review_comments.data if req.is_review else None,
                review_file=_upload(form.review_file.data) if req.is_review else None,
            ),
            str(_ACCEPTED[req.kind_enum]),
            quiet=(InvalidTransition,),
        )
        return
    if req.is_shadowing:
        done = _("Thank you! You and the student have both been sent a calendar invitation.")
    else:
        done = _("Thank you! We have introduced you to the student by email.")
    # Already answered (a double click, or the other button a moment ago) is news, not an error.
    perform(
        lambda: services.accept_request(
            req, alumnus, scheduled_date=_chosen_date(req, form), note=form.note.data
        ),
        done,
        quiet=(InvalidTransition,),
    )


def _decline(req: ConnectionRequest, alumnus: User, form: AlumnusDeclineForm) -> None:
    if form.validate_on_submit():
        perform(
            lambda: services.decline_by_alumnus(req, alumnus, note=form.note.data),
            _("Thank you for letting us know. We have told the student kindly."),
            quiet=(InvalidTransition,),
        )


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@login_required
def accept(request_id: int):
    """The signed-in alumnus accepts."""
    req = _visible_request_or_404(request_id)
    require(services.can_answer_request(_me(), req))
    _accept(req, _me(), _accept_form(req))
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@login_required
def decline(request_id: int):
    """The signed-in alumnus declines."""
    req = _visible_request_or_404(request_id)
    require(services.can_answer_request(_me(), req))
    _decline(req, _me(), AlumnusDeclineForm())
    return redirect(url_for("connections.detail", request_id=request_id))


def _propose_form(req: ConnectionRequest) -> ProposeTimeForm:
    """The form to propose or move a time; it starts from the time the student asked for."""
    form = ProposeTimeForm()
    asked = req.other_time_asked
    if asked is not None and request.method == "GET":
        start = asked.local_start()
        form.new_day.data, form.new_start.data = start.date(), start.time()
        form.new_minutes.data = asked.minutes
    return form


def _link_form(req: ConnectionRequest) -> MeetingLinkForm:
    form = MeetingLinkForm()
    if request.method == "GET":
        form.meeting_link.data = req.meeting_link
    return form


def _change_link(req: ConnectionRequest, alumnus: User) -> None:
    form = MeetingLinkForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return
    outcome = perform(
        lambda: services.set_meeting_link(req, alumnus, meeting_link=form.meeting_link.data),
        quiet=(InvalidTransition,),
    )
    if outcome.ok:
        flash(
            _("The meeting link is changed; you both have an updated invitation.")
            if outcome.value
            else _("That is already the meeting link; nothing was sent."),
            "success" if outcome.value else "info",
        )


@bp.route("/requests/<int:request_id>/meeting-link", methods=["POST"])
@login_required
def meeting_link(request_id: int):
    """The signed-in alumnus changes only the meeting link of a scheduled interview."""
    req = _visible_request_or_404(request_id)
    require(services.can_answer_request(_me(), req))
    _change_link(req, _me())
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/answer/<token>/meeting-link", methods=["POST"])
def answer_meeting_link(token: str):
    """The button: change the meeting link (only the POST acts)."""
    req = services.request_for_answer_token(token)
    _change_link(req, req.alumnus)
    return redirect(url_for("connections.answer", token=token))


@bp.route("/requests/<int:request_id>/ask-other-time", methods=["POST"])
@login_required
def ask_other_time(request_id: int):
    """The student asks the alumnus to move a scheduled interview."""
    req = _visible_request_or_404(request_id)
    require(req.student_id == _me().id)
    form = OtherTimeForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        perform(
            lambda: services.ask_other_time(
                req,
                _me(),
                day=form.other_day.data,
                start=form.other_start.data,
                minutes=form.other_minutes.data,
                note=form.note.data,
            ),
            _(
                "We have asked %(name)s to move the interview; until they do, the time agreed "
                "stands.",
                name=req.alumnus.display_name,
            ),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("connections.detail", request_id=request_id))


def _propose(req: ConnectionRequest, alumnus: User) -> None:
    form = ProposeTimeForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return
    rescheduling = req.state == RequestState.SCHEDULED.value
    act = services.reschedule_interview if rescheduling else services.propose_slot
    perform(
        lambda: act(
            req,
            alumnus,
            day=form.new_day.data,
            start=form.new_start.data,
            minutes=form.new_minutes.data,
            meeting_link=form.meeting_link.data,
            note=form.note.data,
        ),
        _("The interview has moved; you both have an updated invitation.")
        if rescheduling
        else _("Thank you! We have asked the student to confirm the new time."),
        quiet=(InvalidTransition,),
    )


def _referred(req: ConnectionRequest, alumnus: User) -> None:
    form = ReferredForm()
    if form.validate_on_submit():
        perform(
            lambda: services.confirm_referral(req, alumnus, note=form.note.data),
            _("Thank you! We have told the student that you passed their résumé on."),
            quiet=(InvalidTransition,),
        )
    else:
        _flash_form_errors(form)


@bp.route("/requests/<int:request_id>/propose-time", methods=["POST"])
@login_required
def propose_time(request_id: int):
    """The signed-in alumnus proposes another interview time, or moves a scheduled one."""
    req = _visible_request_or_404(request_id)
    require(services.can_answer_request(_me(), req))
    _propose(req, _me())
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/confirm-time", methods=["POST"])
@login_required
def confirm_time(request_id: int):
    """The student confirms the time the alumnus proposed."""
    req = _visible_request_or_404(request_id)
    require(req.student_id == _me().id)
    if ConfirmTimeForm().validate_on_submit():
        perform(
            lambda: services.confirm_slot(req, _me()),
            _("Confirmed! You both have a calendar invitation."),
            quiet=(InvalidTransition,),
        )
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/referred", methods=["POST"])
@login_required
def referred(request_id: int):
    """The signed-in alumnus confirms that they passed the résumé on."""
    req = _visible_request_or_404(request_id)
    require(services.can_answer_request(_me(), req))
    _referred(req, _me())
    return redirect(url_for("connections.detail", request_id=request_id))


@bp.route("/requests/answer/<token>")
def answer(token: str):
    """From the email: the request and two buttons; opening the link changes nothing."""
    req = services.request_for_answer_token(token)
    return render_template(
        "careerlink/connections/answer.html",
        req=req,
        token=token,
        profile=req.mentor_profile,
        student_profile=services.student_profile_for_alumni(req.student_id),
        accept_form=_accept_form(req),
        decline_form=AlumnusDeclineForm(),
        cancel_form=CancelForm(),
        propose_form=_propose_form(req),
        referred_form=ReferredForm(),
        link_form=_link_form(req),
        zone=zone_name(),
    )


@bp.route("/requests/answer/<token>/accept", methods=["POST"])
def answer_accept(token: str):
    """The button: accept (only the POST acts)."""
    req = services.request_for_answer_token(token)
    _accept(req, req.alumnus, _accept_form(req))
    return redirect(url_for("connections.answer", token=token))


@bp.route("/requests/answer/<token>/decline", methods=["POST"])
def answer_decline(token: str):
    """The button: decline (only the POST acts)."""
    req = services.request_for_answer_token(token)
    _decline(req, req.alumnus, AlumnusDeclineForm())
    return redirect(url_for("connections.answer", token=token))


@bp.route("/requests/answer/<token>/propose-time", methods=["POST"])
def answer_propose_time(token: str):
    """The button: propose another interview time, or move it (only the POST acts)."""
    req = services.request_for_answer_token(token)
    _propose(req, req.alumnus)
    return redirect(url_for("connections.answer", token=token))


@bp.route("/requests/answer/<token>/referred", methods=["POST"])
def answer_referred(token: str):
    """The button: I have passed the résumé on (only the POST acts)."""
    req = services.request_for_answer_token(token)
    _referred(req, req.alumnus)
    return redirect(url_for("connections.answer", token=token))


@bp.route("/requests/answer/<token>/cancel", methods=["POST"])
def answer_cancel(token: str):
    """The alumnus cancels a scheduled day from the email link."""
    req = services.request_for_answer_token(token)
    form = CancelForm()
    if form.validate_on_submit():
        perform(
            lambda: services.cancel_request(req, req.alumnus, reason=form.reason.data),
            _cancelled_message(req),
        )
    else:
        flash(_("Say why you are cancelling."), "error")
    return redirect(url_for("connections.answer", token=token))


# --- feedback ---------------------------------------------------------------------------------


def _feedback(req: ConnectionRequest, side: str, author: User | None, done_url: str):
    form = FeedbackForm()
    existing = req.feedback_from(side)
    if (
        existing is None
        and form.validate_on_submit()
        and perform(
            lambda: services.give_feedback(
                req,
                side,
                met=form.met.data == "yes",
                usefulness=int(form.usefulness.data),
                comment=form.comment.data,
                author=author,
            ),
            _("Thank you for your feedback."),
            form=form,
        )
    ):
        return redirect(done_url)
    return render_template(
        "careerlink/connections/feedback.html",
        req=req,
        side=side,
        form=form,
        existing=existing,
        open=req.state in FEEDBACK_STATES,
    )


@bp.route("/requests/<int:request_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(request_id: int):
    """Feedback from the account page."""
    req = _visible_request_or_404(request_id)
    side = services.side_of(_me(), req)
    require(side is not None)
    return _feedback(req, side, _me(), url_for("connections.detail", request_id=req.id))


@bp.route("/requests/feedback/<token>", methods=["GET", "POST"])
def feedback_by_link(token: str):
    """Feedback from the emailed link, without signing in."""
    req, side = services.request_for_feedback_token(token)
    author = req.student if side == "student" else req.alumnus
    return _feedback(req, side, author, url_for("connections.feedback_by_link", token=token))


# --- staff ------------------------------------------------------------------------------------


def _queue_filters() -> services.QueueFilters:
    args = request.args
    state = args.get("state", RequestState.SUBMITTED.value)
    allowed_states = {s.value for s in RequestState} | {"", "open", "overdue"}
    if state not in allowed_states:
        flash(
            _("Unknown state “%(state)s”; showing requests waiting for review.", state=state),
            "error",
        )
        state = RequestState.SUBMITTED.value
    kind = args.get("kind", "")
    if kind not in {"", *(k.value for k in RequestKind)}:
        kind = ""
    min_days = args.get("min_days", 0, type=int) or 0
    if not 0 <= min_days <= MAX_MIN_DAYS:
        flash(
            _(
                "Waiting days must be between 0 and %(most)d; showing every age.",
                most=MAX_MIN_DAYS,
            ),
            "error",
        )
        min_days = 0
    return services.QueueFilters(
        state=state, kind=kind, industry=args.get("industry", "")[:60], min_days=min_days
    )


@dataclass(slots=True)
class _QueueRow:
    """One line of the staff queue, ready to show."""

    id: int
    url: str
    select_label: str
    student_name: str
    alumnus_name: str
    paused: bool
    kind_heading: str
    state_badge: Markup
    overdue: bool
    waited_label: str
    load_label: str
    rate_label: str


def _queue_rows(rows, now: datetime) -> tuple[list[_QueueRow], datetime | None]:
    """The page's rows with their labels, and the first moment a row's days of waiting change.

    Each kind's, state's (its badge), wait's and load's label is made once a page, the link
    built once (a row's links differ only by its id); the template escapes the labels."""
    marker = MAX_ID  # the id is the path's last number: split there
    head, tail = url_for("connections.staff_request", request_id=marker).rsplit(str(marker), 1)
    select_label = _("Select request %(number)s")
    # The state's badge, as _macros.html writes it: once per state on the page.
    badge = get_template_attribute("careerlink/connections/_macros.html", "state_badge")
    kinds, states, waits, out = {}, {}, {}, []
    today = now.date()
    load_labels = {}  # many alumni share a load: each label is written once a page
    until = None
    for r in rows:
        load = services.queue_load(r, today)
        shown = (load.open_relayed, load.month_count, load.capacity, load.response_rate)
        if shown not in load_labels:
            load_labels[shown] = (load.label, load.rate_label)
        if r.kind not in kinds:
            kinds[r.kind] = str(RequestKind(r.kind).heading)
        if r.state not in states:
            states[r.state] = badge(r, str(RequestState(r.state).label))
        since = services.queue_waiting_since(r)
        waited = int((now - since).total_seconds() // 86400)
        if waited not in waits:
            waits[waited] = _waited_label(waited)
        change = since + timedelta(days=waited + 1)  # when it has waited one day more
        until = change if until is None or change < until else until
        out.append(
            _QueueRow(
                id=r.id,
                url=f"{head}{r.id}{tail}",
                select_label=select_label % {"number": r.id},
                student_name=r.student_name,
                alumnus_name=r.alumnus_name,
                paused=not load.accepting,
                kind_heading=kinds[r.kind],
                state_badge=states[r.state],
                overdue=ConnectionRequest.is_overdue(r, now),  # reads the state and deadline
                waited_label=waits[waited],
                load_label=load_labels[shown][0],
                rate_label=load_labels[shown][1],
            )
        )
    return out, until


def _waited_label(days: int) -> str:
    """ "today" or "3 days", as the queue's template said it."""
    if days == 0:
        return _("today")
    return ngettext("%(num)d day", "%(num)d days", days)


@bp.route("/staff/requests")
@role_required(*STAFF_ROLES)
def staff_queue():
    """The staff queue: filter, see each alumnus's load, act in bulk."""
    filters = _queue_filters()
    now = utcnow()
    key = queue_cache.key_for()
    body = queue_cache.get(key, now)
    if body is None:
        body, until = _queue_body(filters, now, timed=key is not None)
        queue_cache.put(key, body, now, until)
    return render_template(
        "careerlink/connections/staff_queue.html",
        body=queue_cache.with_token(body, bulk_hidden_fields()),
    )


def bulk_hidden_fields() -> Markup:
    """What `BulkForm().hidden_tag()` renders (its CSRF token, when on) without building the
    form: the one part of the queue's body that is the viewer's own."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    return Markup('<input id="{0}" name="{0}" type="hidden" value="{1}">').format(
        config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), generate_csrf()
    )


def _queue_body(filters: services.QueueFilters, now: datetime, timed: bool) -> tuple[str, datetime]:
    """The queue's body as every staff member sees it at `now`, and the first moment the clock
    alone changes it (`timed`: else `now`, without the statement that finds it)."""
    counts = services.request_counts(now)
    pagination = paginate(
        services.queue_rows_query(filters, now),
        request.args.get("page"),
        PAGE_SIZE,
        total=services.counted_total(filters, counts),  # the usual views: counted already
    )
    rows, until = _queue_rows(pagination.items, now)
    body = render_template(
        "careerlink/connections/_staff_queue_body.html",
        pagination=pagination,
        rows=rows,
        filters=filters,
        industries=active_industries(),
        states=list(RequestState),
        kinds=list(RequestKind),
        counts=counts,
        bulk_form=BulkForm(),
        token=queue_cache.TOKEN_MARKER,
    )
    if not timed:
        return body, now
    # A row's day of waiting, a deadline passing, a request reaching the minimum wait, a month.
    moments = [until, queue_cache.next_month(now), services.next_queue_change(filters, now)]
    return body, min(m for m in moments if m is not None)


@bp.route("/staff/requests/bulk", methods=["POST"])
@role_required(*STAFF_ROLES)
def staff_bulk():
    """Approve or decline the ticked requests."""
    form = BulkForm()
    raw_ids = request.form.getlist("request_ids")
    ids = sorted({int(i) for i in raw_ids if i.isascii() and i.isdigit() and int(i) <= MAX_ID})
    if not ids:
        flash(_("Tick at least one request."), "error")
    elif len(ids) > MAX_BULK:
        flash(_("Tick at most %(count)d requests at once.", count=MAX_BULK), "error")
    elif form.validate_on_submit():
        # One commit for the lot; a refused request was rolled back alone (its savepoint).
        done = perform(
            lambda: services.bulk_review(
                ids, _me(), action=form.action.data, reason=form.reason.data
            )
        )
        if done:
            count = len(done.value.done)
            if count and form.action.data == "approve":
                flash(
                    ngettext("%(num)d request approved.", "%(num)d requests approved.", count),
                    "success",
                )
            elif count:
                flash(
                    ngettext("%(num)d request declined.", "%(num)d requests declined.", count),
                    "success",
                )
            for request_id, why in done.value.skipped:
                flash(
                    _(
                        "Request #%(number)d was not changed: %(why)s",
                        number=request_id,
                        why=why,
                    ),
                    "error",
                )
    else:
        flash(_("Choose approve or decline."), "error")
    return redirect(local_referrer(url_for("connections.staff_queue")))


@bp.route("/staff/requests/<int:request_id>")
@role_required(*STAFF_ROLES)
def staff_request(request_id: int):
    """The whole request, the student's profile, the timeline and the actions."""
    req = found(services.get_request(request_id))
    approve_form = ApproveForm()
    approve_form.message.data = req.message
    return render_template(
        "careerlink/connections/staff_request.html",
        req=req,
        profile=req.mentor_profile,
        student_profile=services.student_profile_for(req.student_id),
        load=services.load_of(req.alumnus_id),
        approve_form=approve_form,
        info_form=AskInfoForm(),
        decline_form=DeclineForm(),
        cancel_form=CancelForm(),
        now=utcnow(),
    )


def _staff_action(request_id: int, form, act, done: str):
    req = found(services.get_request(request_id))
    if form.validate_on_submit():
        perform(lambda: act(req), done)
    else:
        _flash_form_errors(form)
    return redirect(url_for("connections.staff_request", request_id=request_id))


@bp.route("/staff/requests/<int:request_id>/approve", methods=["POST"])
@role_required(*STAFF_ROLES)
def staff_approve(request_id: int):
    """Approve and relay to the alumnus."""
    form = ApproveForm()
    return _staff_action(
        request_id,
        form,
        lambda req: services.approve_request(
            req, _me(), note=form.note.data, message=form.message.data
        ),
        _("Approved: the request is on its way to the alumnus."),
    )


@bp.route("/staff/requests/<int:request_id>/ask-info", methods=["POST"])
@role_required(*STAFF_ROLES)
def staff_ask_info(request_id: int):
    """Ask the student for more detail."""
    form = AskInfoForm()
    return _staff_action(
        request_id,
        form,
        lambda req: services.ask_student_for_info(req, _me(), question=form.question.data),
        _("The student has been asked for more detail."),
    )


@bp.route("/staff/requests/<int:request_id>/decline", methods=["POST"])
@role_required(*STAFF_ROLES)
def staff_decline(request_id: int):
    """Decline with a reason for the student."""
    form = DeclineForm()
    return _staff_action(
        request_id,
        form,
        lambda req: services.decline_by_staff(req, _me(), reason=form.reason.data),
        _("Declined; the student has been told why and pointed to similar alumni."),
    )
