"""Content library commands (registered by portal.cli)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("warn-expiring-content")
@with_appcontext
def warn_expiring_content_command():
    """E-mail the program team about customer approvals ending within 30 days (run daily)."""
    from portal.content.approval import warn_expiring

    count = warn_expiring()
    db.session.commit()
    click.echo(f"Warned about {count} approval{'' if count == 1 else 's'} ending within 30 days.")
