"""The playbook migration gives a new program a useful playbook (an entry per activity type,
written as data), matches the model, and its downgrade removes the table."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.playbook import service
from portal.vocab import ACTIVITY_TYPES, STAGE_GROUPS
from tests.conftest import make_app
from tests.migrations_check.test_migrations import schema_differences

PLAYBOOK = "b2c3d4e5f6a7"
BEFORE = "b1c2d3e4f5a6"


def test_upgrade_seeds_every_activity_type_and_downgrade_removes_the_table(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision=PLAYBOOK)
        assert not [d for d in schema_differences(db.engine) if "playbook" in str(d)]
        rows = db.session.execute(
            sa.text("SELECT activity_type, stages, brief, dos, donts FROM playbook_entries")
        ).all()
        assert sorted(r.activity_type for r in rows) == sorted(ACTIVITY_TYPES)
        for row in rows:
            entry = service.entry(row.activity_type)
            assert entry.stages and set(entry.stages) <= set(STAGE_GROUPS)
            assert entry.brief and entry.do_lines and entry.dont_lines
            assert service.check_entry(
                {
                    "stages": list(entry.stages),
                    "brief": row.brief,
                    "dos": row.dos,
                    "donts": row.donts,
                }
            )  # every default passes the editing rules
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "playbook_entries" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
