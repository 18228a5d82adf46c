"""The staff import pages: upload, match columns, dry run, import, per-row report."""

from __future__ import annotations

from itertools import islice

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.signin import signed_in_user
from careerlink.errors import DomainError, NotFound
from careerlink.exports import csv_response
from careerlink.extensions import db
from careerlink.i18n import format_number
from careerlink.mentors.imports import invitations, jobs
from careerlink.mentors.imports.forms import (
    InviteForm,
    MapIndustryForm,
    UploadForm,
    chosen_columns,
    guess_columns,
    mapping_form,
)
from careerlink.mentors.imports.models import ImportJob, JobState
from careerlink.mentors.imports.services import (
    ACTIONS,
    REPORT_HEADER,
    map_industry,
    mapped_values,
    summary_text,
)
from careerlink.mentors.industries import active_industries
from careerlink.pagination import Page, page_number, paginate
from careerlink.permissions import STAFF_ROLES, role_required
from careerlink.web.actions import found, perform

bp = Blueprint("imports", __name__)

REPORT_PAGE = 100
ALUMNI_PAGE = 50


# Words for the stored English codes, in the page's language (the CSV report keeps the codes).
_ACTION_LABELS = {
    "create": _l("Create"),
    "update": _l("Update"),
    "skip": _l("Skip"),
    "error": _l("Error"),
}
_STATE_LABELS = {
    "uploaded": _l("Uploaded"),
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}


@bp.app_template_global()
def import_action(action: str) -> str:
    """A row outcome's name (create, update, skip, error) for people."""
    return str(_ACTION_LABELS.get(action, action))


@bp.app_template_global()
def import_state(state: str) -> str:
    """An import job's state for people."""
    return str(_STATE_LABELS.get(state, state))


@bp.app_template_global()
def import_summary(job: ImportJob) -> str:
    """A finished job's totals, written in the page's language from its counts."""
    if job.counts is None:
        return job.summary or job.error or ""
    return summary_text(job.counts, job.dry_run)


def _me():
    return signed_in_user()


def _job(job_id: int) -> ImportJob:
    return found(db.session.get(ImportJob, job_id))


@bp.route("/", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def index():
    """Upload a file (and choose its layout); the latest imports below."""
    form = UploadForm()
    form.set_choices(jobs.saved_mappings())
    if form.validate_on_submit():
        upload = form.file.data
        outcome = perform(
            lambda: jobs.upload(
                _me(), upload.stream, upload.filename, form.layout.data, form.convert.data
            ),
            None,
            form=form,
        )
        if outcome.ok:
            job = outcome.value
            if job.state == JobState.UPLOADED.value:
                return redirect(url_for("imports.columns", job_id=job.id))
            return redirect(url_for("imports.job", job_id=job.id))
    # A refused upload (no file, an empty one, a file that cannot be read) is a 422, as every
    # refused form is.
    status = 422 if request.method == "POST" else 200
    return (
        render_template("careerlink/imports/index.html", form=form, jobs=jobs.recent_jobs()),
        status,
    )


@bp.route("/<int:job_id>/columns", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def columns(job_id: int):
    """The mapping step: which column holds which field."""
    job = _job(job_id)
    if job.state != JobState.UPLOADED.value:
        return redirect(url_for("imports.job", job_id=job.id))
    try:
        header = jobs.header_of(job)
    except DomainError:
        raise NotFound(_("This file can no longer be read; upload it again.")) from None
    form = mapping_form(header, request.form if request.method == "POST" else None)
    if request.method == "GET":
        guess_columns(form, header)
    if form.validate_on_submit():
        outcome = perform(
            lambda: jobs.set_columns(
                _me(), job, chosen_columns(form), form.source.data, form.save_as.data
            ),
            _("The columns are set; the dry run is queued."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for("imports.job", job_id=job.id))
    return render_template("careerlink/imports/columns.html", job=job, form=form, header=header)


@bp.route("/<int:job_id>")
@role_required(*STAFF_ROLES)
def job(job_id: int):
    """A job's progress, then its totals and per-row report."""
    return _job_page(_job(job_id))


def _job_page(job: ImportJob, map_form: MapIndustryForm | None = None, status: int = 200):
    """The job page; `map_form` is a refused mapping, shown beside its value."""
    outcome = request.args.get("outcome", "")
    if outcome not in ACTIONS:
        outcome = ""
    number = page_number(request.args.get("page"))
    rows = jobs.report_rows(job)
    if outcome:
        rows = (r for r in rows if len(r) > 1 and r[1] == outcome)
    counts = job.counts or {}
    total = counts.get(outcome, 0) if outcome else sum(counts.values())
    start = (number - 1) * REPORT_PAGE
    report = Page(
        items=list(islice(rows, start, start + REPORT_PAGE)),
        page=number,
        per_page=REPORT_PAGE,
        total=total,
    )
    done, expected = jobs.progress(job)
    unknown = sorted((job.unknown_industries or {}).items())
    return (
        render_template(
            "careerlink/imports/job.html",
            job=job,
            report=report,
            pagination=report,
            outcome=outcome,
            actions=ACTIONS,
            done=done,
            expected=expected,
            form=ConfirmForm(),
            unknown=unknown,
            mapped=mapped_values(value for value, _ in unknown),
            industries=active_industries(),
            map_form=map_form or MapIndustryForm(formdata=None),
        ),
        status,
    )


@bp.route("/<int:job_id>/industries", methods=["POST"])
@role_required(*STAFF_ROLES)
def map_unknown_industry(job_id: int):
    """Map one of the job's unknown industry values; every record carrying it follows."""
    job = _job(job_id)
    form = MapIndustryForm()
    value = (form.value.data or "").strip()
    if not form.validate_on_submit() or value not in (job.unknown_industries or {}):
        flash(_("Choose one of the industry values listed for this import."), "error")
        return _job_page(job, form, 422)
    slug = form.industry.data or ""
    outcome = perform(lambda: map_industry(value, slug, _me()), None, form=form)
    if not outcome.ok:
        return _job_page(job, form, 422)
    fixed = outcome.value
    flash(
        ngettext(
            "“%(value)s” now maps to %(industry)s; %(num)d record updated.",
            "“%(value)s” now maps to %(industry)s; %(num)d records updated.",
            fixed,
            value=value,
            industry=mapped_values([value])[value].label,
        ),
        "success",
    )
    return redirect(url_for("imports.job", job_id=job.id))


@bp.route("/<int:job_id>/progress.json")
@role_required(*STAFF_ROLES)
def progress(job_id: int):
    """The job's state and rows done, for the page's polling script."""
    job = _job(job_id)
    done, expected = jobs.progress(job)
    # `text` is the progress in the page's language, for the script to show as it is.
    text = _(
        "%(done)s of about %(expected)s rows",
        done=format_number(done),
        expected=format_number(expected),
    )
    return jsonify(state=job.state, done=done, expected=expected, finished=job.finished, text=text)


@bp.route("/<int:job_id>/report.csv")
@role_required(*STAFF_ROLES)
def report(job_id: int):
    """The per-row report as CSV (every cell escaped against formula injection)."""
    job = _job(job_id)
    if job.state != JobState.DONE.value:
        raise NotFound(_("The report is ready when the import has finished."))
    kind = "dry-run" if job.dry_run else "import"
    return csv_response(f"alumni-{kind}-{job.id}-report.csv", REPORT_HEADER, jobs.report_rows(job))


@bp.route("/<int:job_id>/import", methods=["POST"])
@role_required(*STAFF_ROLES)
def import_for_real(job_id: int):
    """Queue the real import of a dry run's file."""
    preview = _job(job_id)
    if ConfirmForm().validate_on_submit():
        outcome = perform(lambda: jobs.import_for_real(_me(), preview), _("The import is queued."))
        if outcome.ok:
            return redirect(url_for("imports.job", job_id=outcome.value.id))
    return redirect(url_for("imports.job", job_id=job_id))


@bp.route("/alumni")
@role_required(*STAFF_ROLES)
def alumni():
    """The imported alumni, filtered, to pick whom to invite."""
    criteria = invitations.parse_criteria(request.args)
    pagination = paginate(
        invitations.records_query(criteria), request.args.get("page"), ALUMNI_PAGE
    )
    return render_template(
        "careerlink/imports/alumni.html",
        pagination=pagination,
        criteria=criteria,
        statuses=invitations.STATUSES,
        industries=active_industries(),
        counts=invitations.count_by_status(),
        form=InviteForm(),
        invitable_ids=invitations.invitable_ids([r.id for r in pagination.items]),
    )


@bp.route("/alumni/invite", methods=["POST"])
@role_required(*STAFF_ROLES)
def invite():
    """Invite the picked alumni, or all matching the filters; the outbox sends them in batches."""
    form = InviteForm()
    criteria = invitations.parse_criteria(request.args)
    if form.validate_on_submit():
        picked = None if form.all_matching.data else list(form.record_ids.data or [])
        outcome = perform(lambda: invitations.invite(_me(), picked, criteria), None)
        if outcome.ok:
            count = outcome.value
            flash(
                ngettext(
                    "%(num)d invitation queued; the outbox sends them in batches.",
                    "%(num)d invitations queued; the outbox sends them in batches.",
                    count,
                ),
                "success",
            )
    return redirect(url_for("imports.alumni", **request.args))
