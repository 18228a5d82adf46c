"""Report pages (staff): filters, a chart (SVG) beside its table, and the CSV download."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from careerlink.accounts.signin import signed_in_user
from careerlink.audit import AuditAction, record
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.exports import csv_response, csv_stream_response
from careerlink.mentors.industries import active_industries
from careerlink.permissions import STAFF_ROLES, role_required
from careerlink.staff.reports import queries
from careerlink.staff.reports.cache import cached
from careerlink.staff.reports.charts import render_svg
from careerlink.staff.reports.filters import parse_filters, programmes
from careerlink.web.actions import show_error

bp = Blueprint("reports", __name__)

# The chart is its own document: pygal's inline styles apply to it, and nothing else runs.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _report_or_404(slug: str):
    if slug not in queries.REPORTS:
        abort(404)
    return queries.REPORTS[slug]


def _page(slug: str | None, filters, report, status: int = 200):
    return render_template(
        "careerlink/reports/report.html" if slug else "careerlink/reports/index.html",
        slug=slug,
        titles=queries.TITLES,
        filters=filters,
        report=report,
        args=request.args,
        industries=active_industries(),
        programmes=programmes(),
    ), status


@bp.route("/")
@role_required(*STAFF_ROLES)
def index():
    """The list of reports, with the filters they share."""
    return _page(None, None, None)


@bp.route("/<slug>")
@role_required(*STAFF_ROLES)
def report(slug: str):
    """One report: its chart, its table(s) and a link to the CSV, for the filters given."""
    build = _report_or_404(slug)
    try:
        filters = parse_filters(request.args)
    except DomainError as err:
        show_error(None, err)
        return _page(slug, None, None, status=400)
    return _page(slug, filters, cached("report", slug, filters, lambda: build(filters)))


@bp.route("/<slug>.svg")
@role_required(*STAFF_ROLES)
def chart(slug: str):
    """The report's chart as an SVG image."""
    build = _report_or_404(slug)
    try:
        filters = parse_filters(request.args)
    except DomainError as err:
        return err.message, 400, {"Content-Type": "text/plain; charset=utf-8"}
    # Drawing is slower than counting (pygal lays out every bar): the picture is cached too.
    svg = cached(
        "svg",
        slug,
        filters,
        lambda: render_svg(cached("report", slug, filters, lambda: build(filters))),
    )
    return (
        svg,
        200,
        {
            "Content-Type": "image/svg+xml; charset=utf-8",
            "Content-Security-Policy": SVG_CSP,
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/<slug>.csv")
@role_required(*STAFF_ROLES)
def download(slug: str):
    """The report's figures as CSV (cells escaped against formula injection); audited."""
    _report_or_404(slug)
    try:
        filters = parse_filters(request.args)
    except DomainError as err:
        show_error(None, err)
        return _page(slug, None, None, status=400)
    streamed = slug == "responsiveness"  # every alumnus: written as the names are read
    if not streamed:
        header, rows = cached("csv", slug, filters, lambda: queries.csv_table(slug, filters))
    with transaction():
        record(
            AuditAction.DATA_EXPORTED,
            actor=signed_in_user(),
            object_type="report",
            object_id=slug,
            detail=" ".join(f"{k}={v}" for k, v in filters.as_args().items()),
        )
    name = f"careerlink-{slug}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    if streamed:
        header, rows = queries.responsiveness_csv(filters)
        return csv_stream_response(name, header, rows)
    return csv_response(name, header, rows)
