"""Command-line commands (flask --app portal ...), registered by the factory."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.auth import service as auth_service
from portal.auth.links import reveal_issued
from portal.errors import DomainError
from portal.extensions import db
from portal.vocab import ROLES, TEAMS


def _fail(error: DomainError) -> None:
    db.session.rollback()
    detail = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
    click.echo(f"Error: {detail}", err=True)
    sys.exit(1)


def finish_import(report, dry_run: bool) -> None:
    """The end of an import command (accounts, advocates, opportunities): the columns it
    ignored, then its rows committed (or, on a dry run, rolled back), then its summary."""
    if report.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(report.ignored_columns)}.")
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was written.")
    else:
        db.session.commit()
    click.echo(report.summary())


@click.command("create-user")
@click.option("--email", required=True, help="Sign-in e-mail.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The user's role.")
@click.option("--password", help="Set this password; without it an invitation link is printed.")
@click.option("--name", help="Display name (default: from the advocate or the e-mail).")
@click.option("--team", type=click.Choice(TEAMS), help="Requester team.")
def create_user_command(email, role, password, name, team):
    """Create a user; with role advocate, link it to the advocate with that e-mail."""
    try:
        user = auth_service.create_user(
            None, email=email, role=role, name=name, team=team, password=password, invite=False
        )
        link = None if password else reveal_issued(auth_service.send_invitation(None, user))
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if link:
        click.echo(f"Invitation link (also queued as an e-mail): {link}")


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="Command line", show_default=True, help="A name to recognise it.")
@click.option(
    "--scope", type=click.Choice(("read", "read_write")), default="read_write", show_default=True
)
def create_token_command(email, name, scope):
    """Create an API token for a user and print it once."""
    user = auth_service.find_user(email)
    if user is None:
        click.echo(f"Error: email: no user with the e-mail {email}.", err=True)
        sys.exit(1)
    try:
        _, plain = auth_service.create_api_token(None, user, name=name, scope=scope)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(plain)


@click.command("expire-asks")
@with_appcontext
def expire_asks_command():
    """Expire pending asks past their answer date, and open requests past their needed-by date."""
    from portal.asks.asks import expire_overdue_asks
    from portal.asks.requests import expire_overdue_requests

    asks = expire_overdue_asks()
    requests = expire_overdue_requests()
    db.session.commit()
    click.echo(
        f"Expired {asks} ask{'' if asks == 1 else 's'} and {requests} request"
        f"{'' if requests == 1 else 's'}."
    )


@click.command("refresh-eligibility")
@with_appcontext
@click.option(
    "--all", "everyone", is_flag=True, help="Recompute every advocate (after a bulk load)."
)
def refresh_eligibility_command(everyone):
    """Roll matching's fairness counts forward (run daily); --all rebuilds every advocate's row."""
    from portal.asks.eligibility import rebuild_eligibility, refresh_fairness

    if everyone:
        count = rebuild_eligibility()
        db.session.commit()
        click.echo(f"Rebuilt matching data for {count} advocates.")
        return
    count = refresh_fairness()
    db.session.commit()
    click.echo(f"Refreshed fairness counts; recomputed {count} advocates whose blackout passed.")


@click.command("expire-points")
@with_appcontext
def expire_points_command():
    """Expire points older than the program setting points_expiry_months (run daily) and tell
    advocates whose points expire within 30 days. Does nothing while the setting is empty."""
    from portal.benefits.ledger import expire_points

    expired, told = expire_points()
    db.session.commit()
    click.echo(f"Expired points of {expired} advocates; told {told} about points expiring soon.")


def register(app: Flask) -> None:
    from portal.content.commands import warn_expiring_content_command
    from portal.demo.commands import seed_demo_command
    from portal.notifications.digest import send_digests_command
    from portal.notifications.reminders import send_reminders_command
    from portal.notifications.sender import send_outbox_command
    from portal.operations.worker import worker_command
    from portal.opportunities.commands import COMMANDS as opportunity_commands
    from portal.recognition.summary import send_executive_summaries_command
    from portal.recruiting.commands import COMMANDS as recruiting_commands

    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(warn_expiring_content_command)
    app.cli.add_command(expire_asks_command)
    app.cli.add_command(refresh_eligibility_command)
    app.cli.add_command(expire_points_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(send_outbox_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(send_executive_summaries_command)
    for command in [*recruiting_commands, *opportunity_commands]:
        app.cli.add_command(command)
