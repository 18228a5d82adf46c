"""`flask careerlink reports ...`: recount the figures the reports read from kept counts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from careerlink.connections import counts, durations, outcome_marks
from careerlink.connections.models import ConnectionRequest
from careerlink.database import transaction
from careerlink.extensions import db
from careerlink.mentors import supply


@click.group("reports")
def reports_cli():
    """The staff reports."""


@reports_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Recount the per-month request counts, the supply per industry, and each request's
    durations, answer, outcomes and ratings from the data.

    The triggers keep them as the data changes; this is for after a restore or a repair.
    """
    with transaction():
        connection = db.session.connection()
        keys = counts.rebuild(connection)
        industries = supply.rebuild(connection)
        reviewed = durations.rebuild(connection)
        marked = outcome_marks.rebuild(connection)
        total = db.session.scalar(select(func.count()).select_from(ConnectionRequest))
    click.echo(
        _(
            "Recounted %(total)s requests into %(keys)s monthly counts "
            "and the listed alumni of %(industries)s industries; "
            "timed %(reviewed)s reviewed requests; "
            "%(marked)s requests have outcomes or feedback.",
            total=total,
            keys=keys,
            industries=industries,
            reviewed=reviewed,
            marked=marked,
        )
    )
