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


def test_crm_ids_typed_on_requests_become_deals(empty_database_url):
    """The opportunities migration makes one deal per CRM id already on requests (from the
    newest of them, owned by its requester) and links every request that names it."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="d2b3c4d5e6f7")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, role, timezone, active, created_at,"
                    " updated_at) VALUES (1, 'ann@example.com', 'Ann', 'requester', 'UTC', true,"
                    " '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
                )
            )
            for rid, crm, amount, outcome, created in (
                (1, "006X", 100, "open", "2026-02-01 10:00:00+00"),
                (2, "006X", 250, "won", "2026-03-01 10:00:00+00"),
                (3, None, 5, "lost", "2026-03-02 10:00:00+00"),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO reference_requests (id, requester_id, activity_type,"
                        " opportunity_crm_id, opportunity_name, opportunity_amount,"
                        " opportunity_outcome, prospect_company, criteria, needed_by,"
                        " advocates_needed, status, rush, created_at, updated_at) VALUES"
                        " (:id, 1, 'reference_call', :crm, 'Deal', :amount, :outcome, 'Nordbank',"
                        " '{}', '2026-04-01', 1, 'submitted', false, :created, :created)"
                    ),
                    {
                        "id": rid,
                        "crm": crm,
                        "amount": amount,
                        "outcome": outcome,
                        "created": created,
                    },
                )
        upgrade()
        deals = db.session.execute(
            sa.text(
                "SELECT crm_id, amount, outcome, owner_email, opened_on, account_name"
                " FROM opportunities"
            )
        ).all()
        assert len(deals) == 1
        crm_id, amount, outcome, owner, opened_on, account = deals[0]
        assert (crm_id, float(amount), outcome, owner, account) == (
            "006X",
            250.0,
            "won",
            "ann@example.com",
            "Nordbank",
        )
        assert str(opened_on).startswith("2026-02-01")
        links = dict(
            db.session.execute(sa.text("SELECT id, opportunity_id FROM reference_requests")).all()
        )
        assert links[1] == links[2] is not None and links[3] is None
        db.session.remove()
        db.engine.dispose()
