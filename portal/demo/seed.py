"""The demo's entry point: run the builders in order, write their rows in bulk, then the
seeds that go through the services."""

from __future__ import annotations

import click
import sqlalchemy as sa

from portal.asks.eligibility import rebuild_eligibility
from portal.content.assets import rebuild_index
from portal.demo.advocates import AdvocatesBuilder
from portal.demo.base import INSERT_ORDER
from portal.demo.benefits import BenefitsBuilder
from portal.demo.content import ContentBuilder
from portal.demo.deals import DealsBuilder
from portal.demo.nominations import seed_demo_nominations
from portal.demo.notifications import seed_demo_notifications
from portal.demo.planning import seed_demo_planning
from portal.demo.recognition import seed_demo_recognition
from portal.demo.recruiting import RecruitingBuilder, seed_demo_recruiting
from portal.demo.requests import RequestsBuilder
from portal.demo.thanks import seed_demo_thanks
from portal.demo.users import UsersBuilder, demo_emails
from portal.demo.work import seed_demo_work
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.program.terms import backfill_acceptances
from portal.reports.facts import rebuild_request_facts

DEFAULT_ADVOCATES = 200
MAX_ADVOCATES = 200_000
BATCH = 1000
# The published terms texts stay too: they are the program's, not demo data.
KEEP_ON_RESET = {"alembic_version", "taxonomy_kinds", "taxonomy_terms", "terms_versions"}


def demo_present() -> bool:
    """Whether any printed demo login already exists."""
    query = sa.select(sa.func.count()).select_from(User).where(User.email.in_(demo_emails()))
    return bool(db.session.scalar(query))


def delete_program_data() -> None:
    """Delete every row but the taxonomy and the migration version, children first."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEEP_ON_RESET:
            db.session.execute(table.delete())


def seed_demo(
    advocates: int = DEFAULT_ADVOCATES, *, reset: bool = False, show_progress: bool = False
) -> dict[str, int] | None:
    """Write the demo program (not committed); None when the demo users are already there."""
    if not 1 <= advocates <= MAX_ADVOCATES:
        raise ValueError(f"advocates must be between 1 and {MAX_ADVOCATES}")
    if reset:
        delete_program_data()
    elif demo_present():
        return None
    builder = _Builder(advocates)
    builder.build()
    builder.write(show_progress)
    # The demo advocates' consent, on record as acceptances of the terms version.
    backfill_acceptances()
    # Bulk inserts skip the session hook that keeps matching's eligibility rows current.
    rebuild_eligibility()
    # ...and the hooks that keep the library's search text and the reports' request facts.
    rebuild_index()
    rebuild_request_facts()
    seed_demo_recruiting()
    seed_demo_nominations()  # other teams' nominations, an objection, self-nominations
    seed_demo_recognition()  # the leaderboard on, last month's executive summary written
    seed_demo_notifications()
    seed_demo_work()  # one activity serving two teams' requests
    seed_demo_planning()  # a launch this quarter and the needs four teams planned
    seed_demo_thanks()  # outcome sharing on, a thank-you, a won deal's advocates told
    return builder.counts()


class _Builder(
    UsersBuilder,
    AdvocatesBuilder,
    RequestsBuilder,
    DealsBuilder,
    BenefitsBuilder,
    RecruitingBuilder,
    ContentBuilder,
):
    """The whole program, built in memory in one order (every draw comes from one seeded
    stream, so the order is part of the data), then written in bulk."""

    def build(self) -> None:
        self._users()
        self._accounts()
        self._advocates()
        self._demo_history()
        self._requests()
        self._adjustments()
        self._benefits_and_claims()
        self._touchpoints()
        self._content()
        self._targets()
        self._lead_times()
        self._deals()
        self.rows[AuditEvent].append(
            {
                "id": self._id(AuditEvent),
                "actor_id": self.admin_id,
                "action": "program.seeded",
                "entity": "program",
                "entity_id": None,
                "data": self.counts(),
                "at": self.now,
            }
        )

    def write(self, show_progress: bool) -> None:
        total = sum(len(rows) for rows in self.rows.values())
        if show_progress:
            with click.progressbar(length=total, label="Writing demo data") as bar:
                self._insert(bar.update)
        else:
            self._insert(lambda _: None)
        if db.session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move each sequence past them for later inserts.
            for model in INSERT_ORDER:
                table = model.__tablename__
                db.session.execute(
                    sa.text(
                        # bandit B608: table names from our metadata
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )

    def _insert(self, advance) -> None:
        for model in INSERT_ORDER:
            rows = self.rows[model]
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                # Core, not ORM, inserts: the ORM drops None values and splits the batch.
                db.session.execute(model.__table__.insert(), batch)
                advance(len(batch))
