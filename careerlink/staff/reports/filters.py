"""The filters every report shares: a date range, an industry, a programme, a class year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from careerlink.connections.models import ConnectionRequest
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.i18n import format_date, office_zone
from careerlink.mentors.models import Industry, StudentProfile

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_RANGE_DAYS = 3660
DEFAULT_DAYS = 365


@dataclass(frozen=True)
class ReportFilters:
    """Which requests a report counts: created in [start, end], and optionally narrowed."""

    start: date
    end: date
    industry: Industry | None = None
    programme: str = ""
    class_year: int | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links, the chart and the CSV)."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.industry is not None:
            args["industry"] = self.industry.slug
        if self.programme:
            args["programme"] = self.programme
        if self.class_year is not None:
            args["class_year"] = str(self.class_year)
        return args

    def describe(self) -> str:
        """The filters in words, for chart descriptions and captions."""
        # Whole sentences, one per filter, so that each translates on its own.
        parts = [
            _(
                "Requests made from %(start)s to %(end)s.",
                start=format_date(self.start),
                end=format_date(self.end),
            )
        ]
        if self.industry is not None:
            parts.append(_("Only those to alumni in %(industry)s.", industry=self.industry.label))
        if self.programme:
            parts.append(_("Only those by students of %(programme)s.", programme=self.programme))
        if self.class_year is not None:
            parts.append(
                _("Only those by students of the class of %(year)s.", year=self.class_year)
            )
        return " ".join(parts)

    @property
    def since(self) -> datetime:
        """The first moment counted: midnight starting `start` in the office's zone, in UTC."""
        return office_midnight(self.start)

    @property
    def until(self) -> datetime:
        """The first moment no longer counted: the office's midnight after `end`, in UTC."""
        return office_midnight(self.end + timedelta(days=1))


def office_midnight(day: date) -> datetime:
    """When `day` begins in the office's zone (CAREERLINK_TIME_ZONE), as a UTC time.

    The office's calendar is the reports' (issue 15's rule): a request made at 23:30 in Sydney
    on the 1st counts on the 1st there. A midnight a clock change skips is the first moment of
    the day (zoneinfo gives the instant the clocks jump at).
    """
    return datetime.combine(day, time(0), tzinfo=office_zone()).astimezone(UTC)


def office_today() -> date:
    """Today's date in the office's zone."""
    return datetime.now(office_zone()).date()


def _date(raw: str | None, field: str, default: date) -> date:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None or not EARLIEST <= value <= LATEST:
        if field == "end":
            raise DomainError(_("Give the end date as YYYY-MM-DD (2000 to 2100)."), field=field)
        raise DomainError(_("Give the start date as YYYY-MM-DD (2000 to 2100)."), field=field)
    return value


def parse_filters(args, today: date | None = None) -> ReportFilters:
    """Check the query arguments; a DomainError names what is wrong (shown with a 400)."""
    today = today or office_today()
    end = _date(args.get("end"), "end", today)
    start = _date(args.get("start"), "start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise DomainError(_("The start date is after the end date."), field="start")
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError(_("Choose a range of at most ten years."), field="start")
    industry = None
    slug = (args.get("industry") or "").strip()
    if slug:
        industry = db.session.scalar(select(Industry).where(Industry.slug == slug[:60]))
        if industry is None:
            raise DomainError(
                _("There is no industry “%(slug)s”.", slug=slug[:60]), field="industry"
            )
    programme = " ".join((args.get("programme") or "").split())[:160]
    if programme and not db.session.scalar(
        select(exists().where(StudentProfile.programme == programme))
    ):
        raise DomainError(
            _("No student is in the programme “%(programme)s”.", programme=programme),
            field="programme",
        )
    class_year = None
    raw_year = (args.get("class_year") or "").strip()
    if raw_year:
        try:
            class_year = int(raw_year) if len(raw_year) == 4 else None
        except ValueError:
            class_year = None
        if class_year is None or not 1900 <= class_year <= 2100:
            raise DomainError(_("Give the class year as four digits."), field="class_year")
    return ReportFilters(start, end, industry, programme, class_year)


def request_conditions(filters: ReportFilters) -> list:
    """WHERE conditions on ConnectionRequest for the filters."""
    R = ConnectionRequest
    conditions = [R.created_at >= filters.since, R.created_at < filters.until]
    if filters.industry is not None:
        # The industry stored on the request: a deleted alumnus's requests still count there.
        conditions.append(R.industry_id == filters.industry.id)
    if filters.programme or filters.class_year is not None:
        students = select(StudentProfile.user_id)
        if filters.programme:
            students = students.where(StudentProfile.programme == filters.programme)
        if filters.class_year is not None:
            students = students.where(StudentProfile.class_year == filters.class_year)
        conditions.append(R.student_id.in_(students))
    return conditions


def programmes() -> list[str]:
    """The programmes students gave, for the filter's list."""
    return list(
        db.session.scalars(
            select(StudentProfile.programme)
            .where(StudentProfile.programme != "")
            .distinct()
            .order_by(StudentProfile.programme)
            .limit(500)
        )
    )
