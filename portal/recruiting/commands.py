"""Command-line import and export of accounts and advocates (flask --app portal ...)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from portal.cli import finish_import
from portal.errors import DomainError
from portal.extensions import db
from portal.recruiting import csv_export, csv_import, csv_rows


def _line(outcome: csv_import.RowOutcome) -> str:
    why = " ".join(
        f"{name}: {message}" if name else message for name, message in outcome.errors.items()
    )
    return f"line {outcome.line}: {outcome.key or '(no key)'}: {why}"


def _run(kind: str, file, dry_run: bool) -> None:
    data = file.read()
    try:
        text = csv_rows.decode(data)
        total = max(sum(1 for _ in csv_rows.read_rows(text)[1]), 0)
        with click.progressbar(
            length=total, label=f"{'Checking' if dry_run else 'Importing'} {kind}", file=sys.stderr
        ) as bar:
            report = csv_import.run_import(None, kind, text, dry_run=dry_run, progress=bar.update)
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    for outcome in report.errors:
        click.echo(_line(outcome), err=True)
    finish_import(report, dry_run)


@click.command("import-accounts")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and report every row; write nothing.")
@with_appcontext
def import_accounts_command(file, dry_run):
    """Create or update accounts from a CSV file (upsert by crm_id); bad rows are reported."""
    _run("accounts", file, dry_run)


@click.command("import-advocates")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and report every row; write nothing.")
@with_appcontext
def import_advocates_command(file, dry_run):
    """Create or update advocates from a CSV file (upsert by e-mail); bad rows are reported."""
    _run("advocates", file, dry_run)


def _export_command(kind: str):
    @click.command(f"export-{kind}")
    @click.argument("file", type=click.File("w", encoding="utf-8", lazy=True), default="-")
    @with_appcontext
    def command(file):
        # Audited (and committed) before a byte is written: a failed write still was an export.
        csv_export.record_export(None, kind, via="cli")
        db.session.commit()
        for chunk in csv_export.EXPORTS[kind]():
            file.write(chunk)

    command.help = f"Write all {kind} as CSV (to FILE, or standard output); imports read it back."
    return command


COMMANDS = [
    import_accounts_command,
    import_advocates_command,
    *[_export_command(kind) for kind in ("accounts", "advocates", "asks")],
]
