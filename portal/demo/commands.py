"""flask --app portal seed-demo: seed the demo program and print the logins."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from portal.database import refresh_statistics
from portal.demo.seed import DEFAULT_ADVOCATES, MAX_ADVOCATES, seed_demo
from portal.demo.users import DEMO_LOGINS, PASSWORD
from portal.extensions import db
from portal.notifications.inbox import clear_console_mail

PROGRESS_FROM = 1000


def _advocates_option(ctx, param, value: int) -> int:
    if value < 1:
        raise click.BadParameter(f"give at least 1 advocate (the default is {DEFAULT_ADVOCATES}).")
    if value > MAX_ADVOCATES:
        raise click.BadParameter(f"give at most {MAX_ADVOCATES:,} advocates.")
    return value


def _echo_logins() -> None:
    click.echo("")
    click.echo(f"Open {current_app.config['BASE_URL']} and sign in as:")
    width = max(len(role) for role, *_ in DEMO_LOGINS)
    email_width = max(len(email) for _, email, *_ in DEMO_LOGINS)
    for role, email, *_ in DEMO_LOGINS:
        click.echo(f"  {role:<{width}}  {email:<{email_width}}  {PASSWORD}")
    click.echo(f"Every demo login uses the password {PASSWORD}")


@click.command("seed-demo")
@click.option(
    "--advocates",
    type=int,
    default=DEFAULT_ADVOCATES,
    show_default=True,
    callback=_advocates_option,
    help="How many advocates to create (accounts: a quarter of it).",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Delete all program data first (the taxonomy stays), then seed again.",
)
@with_appcontext
def seed_demo_command(advocates: int, reset: bool) -> None:
    """Fill the database with a believable demo program."""
    started = time.perf_counter()
    try:
        counts = seed_demo(advocates, reset=reset, show_progress=advocates >= PROGRESS_FROM)
        if counts is not None:
            db.session.commit()
            refresh_statistics()
            if reset:
                # The old program's mail: its links lead nowhere now.
                cleared = clear_console_mail()
                if cleared:
                    plural = "s" if cleared != 1 else ""
                    click.echo(f"Cleared {cleared} e-mail{plural} of the old demo from the inbox.")
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException(
            "The database holds data that clashes with the demo data "
            f"({error.orig}). Nothing was written; use --reset to start over."
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    if counts is None:
        click.echo(
            "Demo data is already present: nothing was written "
            "(use --reset to delete all program data and seed again)."
        )
        _echo_logins()
        return
    seconds = time.perf_counter() - started
    click.echo(
        f"Seeded the demo program in {seconds:.1f} s: {counts['advocates']:,} advocates at "
        f"{counts['accounts']:,} accounts, {counts['reference_requests']:,} requests, "
        f"{counts['opportunities']:,} opportunities, {counts['asks']:,} asks, "
        f"{counts['benefits']:,} benefits, {counts['claims']:,} claims, "
        f"{counts['ledger_entries']:,} ledger entries, {counts['touchpoints']:,} touchpoints, "
        f"{counts['content_assets']:,} content assets, {counts['targets']:,} targets."
    )
    _echo_logins()
