"""Demo program data (flask --app portal seed-demo)."""

import click


@click.command("seed-demo")
def seed_demo_command():
    """Fill the database with a believable demo program."""
