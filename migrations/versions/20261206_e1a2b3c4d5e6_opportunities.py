"""opportunities

CRM deals as their own record (issue 19): one row per CRM id, many reference requests per deal
(`reference_requests.opportunity_id`). Every CRM id already typed on requests becomes a deal,
from the newest request that names it (owned by that request's requester, opened on the day
the first of them was filed); the requests keep their own values.

Revision ID: e1a2b3c4d5e6
Revises: d2b3c4d5e6f7
Create Date: 2026-12-06 07:00:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1a2b3c4d5e6"
down_revision = "d2b3c4d5e6f7"
branch_labels = None
depends_on = None


def _enum(*values, name):
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def upgrade():
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=True),
        sa.Column("account_crm_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=True),
        sa.Column(
            "stage_group", _enum("early", "middle", "late", name="stage_group"), nullable=True
        ),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome", _enum("open", "won", "lost", name="opportunity_outcome"), nullable=False
        ),
        sa.Column("owner_email", sa.String(length=320), nullable=True),
        sa.Column(
            "source",
            _enum("request", "csv", "api", "form", name="opportunity_source"),
            nullable=False,
        ),
        sa.Column("outcome_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_opportunities_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opportunities_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("crm_id", name=op.f("uq_opportunities_crm_id")),
    )
    with op.batch_alter_table("opportunities") as batch:
        batch.create_index("ix_opportunities_account_id", ["account_id"])
        batch.create_index("ix_opportunities_owner_email", ["owner_email"])
        batch.create_index("ix_opportunities_outcome_close_date", ["outcome", "close_date"])
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(sa.Column("opportunity_id", sa.Integer(), nullable=True))
        batch.create_index("ix_reference_requests_opportunity_id", ["opportunity_id"])
        batch.create_foreign_key(
            "fk_reference_requests_opportunity_id_opportunities",
            "opportunities",
            ["opportunity_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _deals_from_requests()


def _deals_from_requests():
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT r.opportunity_crm_id, r.opportunity_name, r.prospect_company,"
            " r.opportunity_amount, r.opportunity_stage, r.opportunity_close_date,"
            " r.opportunity_outcome, u.email, f.first_at"
            " FROM reference_requests r"
            " JOIN (SELECT opportunity_crm_id AS crm_id, max(id) AS last_id,"
            "       min(created_at) AS first_at FROM reference_requests"
            "       WHERE opportunity_crm_id IS NOT NULL AND opportunity_crm_id <> ''"
            "       GROUP BY opportunity_crm_id) f ON f.last_id = r.id"
            " JOIN users u ON u.id = r.requester_id"
        )
    ).all()
    now = dt.datetime.now(dt.UTC)
    table = sa.table(
        "opportunities",
        *[
            sa.column(name)
            for name in (
                "crm_id",
                "name",
                "account_name",
                "amount",
                "currency",
                "stage",
                "close_date",
                "opened_on",
                "outcome",
                "owner_email",
                "source",
                "outcome_changed_at",
                "created_at",
                "updated_at",
            )
        ],
    )
    values = []
    for crm_id, name, prospect, amount, stage, close, outcome, email, first_at in rows:
        if isinstance(first_at, str):  # SQLite hands back text
            first_at = dt.datetime.fromisoformat(first_at)
        values.append(
            {
                "crm_id": crm_id[:64],
                "name": (name or prospect or crm_id)[:200],
                "account_name": prospect,
                "amount": amount,
                "currency": "USD",
                "stage": stage,
                "close_date": close,
                "opened_on": first_at.date() if first_at else None,
                "outcome": outcome or "open",
                "owner_email": email,
                "source": "request",
                "outcome_changed_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(values), 1000):
        bind.execute(sa.insert(table), values[start : start + 1000])
    bind.execute(
        sa.text(
            "UPDATE reference_requests SET opportunity_id = (SELECT o.id FROM opportunities o"
            " WHERE o.crm_id = reference_requests.opportunity_crm_id)"
            " WHERE opportunity_crm_id IS NOT NULL AND opportunity_crm_id <> ''"
        )
    )


def downgrade():
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_constraint(
            "fk_reference_requests_opportunity_id_opportunities", type_="foreignkey"
        )
        batch.drop_index("ix_reference_requests_opportunity_id")
        batch.drop_column("opportunity_id")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_index("ix_opportunities_outcome_close_date")
        batch.drop_index("ix_opportunities_owner_email")
        batch.drop_index("ix_opportunities_account_id")
    op.drop_table("opportunities")
