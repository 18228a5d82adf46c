"""The audit log page (admins): filters, pages, and the CSV download."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from careerlink.accounts.signin import signed_in_user
from careerlink.audit import services
from careerlink.audit.models import AuditAction
from careerlink.database import transaction
from careerlink.errors import DomainError
from careerlink.exports import csv_response
from careerlink.i18n import office_zone, zone_label
from careerlink.pagination import paginate
from careerlink.permissions import Role, role_required
from careerlink.web.actions import show_error

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


def _filters() -> services.AuditFilters | None:
    """The page's filters, or None (with the refusal flashed) when one is wrong."""
    try:
        return services.parse_filters(request.args)
    except DomainError as err:
        show_error(None, err)
        return None


@bp.route("/admin/audit")
@role_required(Role.ADMIN)
def log():
    """Every audited event, newest first, filtered by action, actor and dates."""
    filters = _filters()
    pagination = (
        paginate(services.entries_query(filters), request.args.get("page"), PAGE_SIZE)
        if filters is not None
        else None
    )
    return render_template(
        "careerlink/audit/log.html",
        filters=filters or services.AuditFilters(),
        pagination=pagination,
        actions=list(AuditAction),
        retention_days=services.retention_days(),
        args=request.args,
        office_zone_name=zone_label(office_zone()),
    ), (200 if filters is not None else 400)


@bp.route("/admin/audit.csv")
@role_required(Role.ADMIN)
def export():
    """The filtered log as CSV; the download itself is audited."""
    filters = _filters()
    if filters is None:
        return log()
    with transaction():
        services.record(
            AuditAction.DATA_EXPORTED,
            actor=signed_in_user(),
            object_type="audit_log",
            detail=" ".join(f"{k}={v}" for k, v in filters.as_args().items()),
        )
    rows = list(services.csv_rows(filters))
    return csv_response("careerlink-audit.csv", services.CSV_HEADER, rows)
