"""The directory: search (the same criteria and counts as /mentors), a mentor, the industries."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from careerlink.api import present
from careerlink.api import schemas as s
from careerlink.api.auth import current_caller
from careerlink.api.blueprint import bp
from careerlink.api.scopes import DIRECTORY_READ
from careerlink.api.spec import operation
from careerlink.errors import NotFound
from careerlink.mentors.availability import get_profile
from careerlink.mentors.industries import active_industries
from careerlink.mentors.models import today
from careerlink.mentors.search import parse_criteria, search_mentors
from careerlink.mentors.services import can_view_profile

TAG = "directory"


def _criteria_args(query: s.SearchQuery) -> dict:
    """The validated query in the shape `parse_criteria` reads (the /mentors page's)."""
    args: dict = {
        "q": query.q,
        "industry": list(query.industry),
        "offer": [o.value for o in query.offer],
        "country": query.country,
        "region": query.region,
        "city": query.city,
        "programme": query.programme,
        "remote": "1" if query.remote else "",
        "accepting": "1" if query.accepting else "",
    }
    if query.year_from is not None:
        args["year_from"] = str(query.year_from)
    if query.year_to is not None:
        args["year_to"] = str(query.year_to)
    return args


@bp.get("/mentors")
@operation(
    tag=TAG,
    returns=s.SearchResultOut,
    scope=DIRECTORY_READ,
    signed_in=False,
    query=s.SearchQuery,
)
def search_directory():
    """Search the mentor directory.

    The same criteria, order and facet counts as the /mentors page. Repeat `industry` and
    `offer` for several values (OR within a filter, AND between filters). Each facet counts the
    mentors that choosing that value would give, leaving its own filter out.
    """
    query: s.SearchQuery = request.context.query
    criteria, notices = parse_criteria(_criteria_args(query))
    day = today()
    result = search_mentors(
        criteria, viewer=current_caller().user, page=query.page, per_page=query.per_page, on=day
    )
    return s.SearchResultOut(
        **present.page_info(result, "api.search_directory"),
        items=[present.mentor_summary(p, day) for p in result.items],
        facets=result.facets,
        notices=notices + result.notices,
    )


@bp.get("/mentors/<int:profile_id>")
@operation(tag=TAG, returns=s.MentorDetail, scope=DIRECTORY_READ, signed_in=False)
def get_mentor(profile_id: int):
    """One mentor: everything a student needs to decide whom to ask.

    A profile that is not listed is shown only to its owner and to staff (404 to others).
    """
    profile = get_profile(profile_id)
    viewer = current_caller().user
    if profile is None or not can_view_profile(viewer, profile):
        raise NotFound(_("There is no mentor with that id."))
    return present.mentor_detail(profile, viewer, today())


@bp.get("/industries")
@operation(tag=TAG, returns=s.IndustryList, scope=DIRECTORY_READ, signed_in=False)
def list_industries():
    """The industries a search can filter by."""
    return s.IndustryList(items=[present.industry(i) for i in active_industries()])
