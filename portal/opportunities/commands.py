"""Opportunity commands: `import-opportunities` and `export-activity`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from portal import csvio
from portal.auth import service as auth_service
from portal.cli import finish_import
from portal.errors import DomainError
from portal.extensions import db
from portal.opportunities import activity, csv_import
from portal.opportunities.presets import CHOICES


def _lines(line: int, problems: dict[str, str], tag: str = "") -> list[str]:
    return [
        f"line {line}{tag}: {f'{column}: ' if column else ''}{why}"
        for column, why in problems.items()
    ]


@click.command("import-opportunities")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--preset",
    type=click.Choice(CHOICES),
    default="auto",
    show_default=True,
    help="The file's columns: ours, a Salesforce opportunity report or a HubSpot deals "
    "export; auto guesses from the header.",
)
@click.option("--dry-run", is_flag=True, help="Check and report every row; write nothing.")
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="Import as this member of the reference team (audited as them).",
)
@with_appcontext
def import_opportunities_command(file, preset, dry_run, as_email):
    """Create or update opportunities from a CRM export (upsert by CRM id); bad rows are
    reported with their line, column and why."""
    actor = None
    if as_email:
        actor = auth_service.find_user(as_email)
        if actor is None:
            click.echo(f"Error: --as: no user with the e-mail {as_email}.", err=True)
            sys.exit(1)
    try:
        report = csv_import.run_import(
            actor, file.read(), preset=preset, dry_run=dry_run, command_line=True
        )
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    click.echo(report.preset_line())
    for outcome in report.outcomes:
        for text in _lines(outcome.line, outcome.errors):
            click.echo(text, err=True)
        for text in _lines(outcome.line, outcome.warnings, " (warning)"):
            click.echo(text, err=True)
    finish_import(report, dry_run)


@click.command("export-activity")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="The CSV file to write (default: standard output).",
)
@with_appcontext
def export_activity_command(since, until, output):
    """Write reference activity on CRM deals as CSV, one row per accepted or completed ask, for
    the CRM's activity import."""
    since = since.date() if since else None
    until = until.date() if until else None
    try:
        rows = activity.activity_rows(None, since, until)
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    activity.record_export(None, rows, since, until, via="cli")
    db.session.commit()  # audited before a byte is written
    for chunk in csvio.lines(activity.COLUMNS, rows):
        output.write(chunk)
    if output.name != "<stdout>":
        click.echo(f"{len(rows)} activit{'y' if len(rows) == 1 else 'ies'} written.", err=True)


COMMANDS: list = [
    import_opportunities_command,
    export_activity_command,
]
