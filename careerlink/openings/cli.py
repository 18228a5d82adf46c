"""`flask careerlink openings ...`: thin wrappers over the openings services."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from careerlink.database import transaction


@click.group("openings")
def openings_cli():
    """Openings that alumni post."""


@openings_cli.command("digest")
@with_appcontext
def digest_command():
    """Email each subscriber the openings approved since their last digest (cron, weekly)."""
    from careerlink.openings.services import digest_subscription_ids, send_digest

    with transaction():
        ids = digest_subscription_ids()
    sent = listed = 0
    # One unit of work per subscriber: the email and the record of what it listed commit
    # together, and a failure on one subscriber never loses the others' digests.
    for subscription_id in ids:
        with transaction():
            count = send_digest(subscription_id)
        if count:
            sent += 1
            listed += count
    click.echo(
        _(
            "%(sent)d digests queued, %(listed)d openings listed, %(subscribers)d subscribers",
            sent=sent,
            listed=listed,
            subscribers=len(ids),
        )
    )
