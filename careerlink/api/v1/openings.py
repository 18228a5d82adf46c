"""Openings from alumni: the open ones, with the same filters and order as /openings."""

from __future__ import annotations

from flask import request

from careerlink.api import present
from careerlink.api import schemas as s
from careerlink.api.blueprint import bp
from careerlink.api.scopes import DIRECTORY_READ
from careerlink.api.spec import operation
from careerlink.openings import services

TAG = "openings"


def opening_out(opening) -> s.OpeningOut:
    """An open opening as the API shows it (never the poster's address)."""
    profile = services.poster_listed_profile(opening)
    return s.OpeningOut(
        id=opening.id,
        title=opening.title,
        organisation=opening.organisation,
        url=opening.url,
        location=opening.location,
        remote=opening.remote,
        industry=s.IndustryOut(slug=opening.industry.slug, name=opening.industry.name)
        if opening.industry
        else None,
        description=opening.description,
        closes_on=opening.closes_on,
        posted_by=opening.posted_by.display_name,
        mentor_id=profile.id if profile is not None else None,
    )


@bp.get("/openings")
@operation(tag=TAG, returns=s.OpeningsPageOut, scope=DIRECTORY_READ, query=s.OpeningsQuery)
def list_openings():
    """Open openings (approved, not past their closing date), newest approval first.

    The same filters and order as the /openings page; an unknown industry is a 404.
    """
    query: s.OpeningsQuery = request.context.query
    criteria = services.parse_criteria(
        {
            "q": query.q,
            "industry": query.industry,
            "remote": "1" if query.remote else "",
            "location": query.location,
        }
    )
    page = services.browse(criteria, query.page, query.per_page)
    return s.OpeningsPageOut(
        **present.page_info(page, "api.list_openings"),
        items=[opening_out(o) for o in page.items],
    )
