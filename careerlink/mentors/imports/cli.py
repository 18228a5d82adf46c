"""`flask careerlink alumni ...`: import a CRM export, map its industries."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from careerlink.database import rollback, transaction
from careerlink.mentors.imports.presets import PRESETS


@click.group("alumni")
def alumni_cli():
    """Alumni records from the advancement CRM."""


def _estimated_rows(path: Path) -> int:
    """Lines in the file (a progress bar's length; a quoted line break counts one more)."""
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return max(count, 1)


@alumni_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(list(PRESETS)), default=None, help="A CRM layout.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='A JSON mapping: {"source": ..., "columns": {field: column}}.',
)
@click.option("--dry-run", is_flag=True, help="Plan every row and report; write nothing.")
@click.option(
    "--convert-from",
    type=click.Choice(["cp1252"]),
    default=None,
    help="Read a CSV saved in Windows-1252 (converted to UTF-8 as it is read).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the per-row report to this CSV file.",
)
@with_appcontext
def import_command(file, preset, mapping, dry_run, convert_from, report):
    """Import alumni records from FILE (CSV or XLSX); one transaction for the whole file."""
    from careerlink.exports import csv_text
    from careerlink.mentors.imports import presets, services

    if preset and mapping:
        raise click.UsageError(_("Give --preset or --mapping, not both."))
    layout = presets.load_mapping(mapping) if mapping else presets.preset(preset or "generic")
    with click.progressbar(length=_estimated_rows(file), label="Rows") as bar:
        if dry_run:
            # Nothing is written; the rollback ends the reads' transaction.
            result = services.run_import(
                file, layout, dry_run=True, convert=convert_from, progress=bar.update
            )
            rollback()
        else:
            with transaction():
                result = services.run_import(
                    file, layout, dry_run=False, convert=convert_from, progress=bar.update
                )
    for outcome in result.outcomes:
        if outcome.action == services.ERROR:
            where = f" [{outcome.column}]" if outcome.column else ""
            click.echo(
                _(
                    "row %(row)s%(where)s: %(detail)s",
                    row=outcome.row,
                    where=where,
                    detail=outcome.detail,
                ),
                err=True,
            )
    for value, count in sorted(result.unknown_industries.items()):
        click.echo(
            ngettext(
                "industry not mapped: “%(value)s” (%(num)d row); map it with "
                '`flask careerlink alumni map-industry "%(value)s" SLUG`',
                "industry not mapped: “%(value)s” (%(num)d rows); map it with "
                '`flask careerlink alumni map-industry "%(value)s" SLUG`',
                count,
                value=value,
            )
        )
    if report:
        report.write_text(csv_text(services.REPORT_HEADER, result.report_rows()), encoding="utf-8")
    click.echo(result.summary())


@alumni_cli.command("map-industry")
@click.argument("value")
@click.argument("slug")
@with_appcontext
def map_industry_command(value, slug):
    """Map the CRM's industry VALUE to the CareerLink industry SLUG (records are updated)."""
    from careerlink.mentors.imports.services import map_industry

    with transaction():
        fixed = map_industry(value, slug)
    click.echo(
        _(
            "mapped “%(value)s” to %(slug)s; %(count)d records updated",
            value=value,
            slug=slug,
            count=fixed,
        )
    )


@alumni_cli.command("unmapped-industries")
@with_appcontext
def unmapped_command():
    """List the CRM industry values no mapping covers yet."""
    from careerlink.mentors.imports.services import unmapped_industries

    rows = unmapped_industries()
    for value, count in rows:
        click.echo(f"{count}\t{value}")
    if not rows:
        click.echo(_("every industry value is mapped"))


@alumni_cli.command("work")
@click.option("--loop", is_flag=True, help="Keep running, polling for queued imports.")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    help="Seconds between polls (0.5 to 3600).",
)
@with_appcontext
def work_command(loop, interval):
    """Run the imports queued on the staff page (each file one transaction)."""
    import time

    from careerlink.mentors.imports.jobs import work_once

    while True:
        job = work_once()
        if job is not None:
            click.echo(
                _(
                    "import #%(number)d (%(file)s): %(result)s",
                    number=job.id,
                    file=job.filename,
                    result=job.summary or job.error,
                )
            )
            continue
        if not loop:
            return
        time.sleep(interval)


@alumni_cli.command("remind")
@with_appcontext
def remind_command():
    """Send the one reminder to alumni who have not answered their invitation (cron, daily)."""
    from careerlink.mentors.imports.invitations import remind_due

    with transaction():
        count = remind_due()
    click.echo(_("reminded %(count)d", count=count))
