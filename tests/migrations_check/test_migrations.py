"""The migrations build exactly the models' schema, and downgrade cleanly, on both databases."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import make_app


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_gives_the_models_schema_and_downgrade_removes_it(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        assert schema_differences(db.engine) == []
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables

        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()  # and back up again: the downgrade left nothing behind
        assert schema_differences(db.engine) == []
        db.engine.dispose()


def test_upgrade_installs_the_default_taxonomy(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        kinds = dict(
            db.session.execute(
                sa.text("SELECT kind, count(*) FROM taxonomy_terms GROUP BY kind")
            ).all()
        )
        assert set(kinds) == {"industry", "product", "use_case", "language", "region", "seniority"}
        assert all(count >= 5 for kind, count in kinds.items() if kind != "region")
        assert kinds["region"] == 4  # the fixed keys, with labels administrators may change
        db.session.remove()
        db.engine.dispose()
