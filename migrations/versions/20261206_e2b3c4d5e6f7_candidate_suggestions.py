"""candidate suggestions

Suggested candidates for the recruiting pipeline (issue 19): a deal closed won, or an account
whose NPS or health crossed the threshold, with why; nominated or dismissed by customer success.

Revision ID: e2b3c4d5e6f7
Revises: e1a2b3c4d5e6
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b3c4d5e6f7"
down_revision = "e1a2b3c4d5e6"
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
        "candidate_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "kind", _enum("won_deal", "nps", "health", name="suggestion_kind"), nullable=False
        ),
        sa.Column(
            "status",
            _enum("suggested", "nominated", "dismissed", name="suggestion_status"),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_candidate_suggestions_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_candidate_suggestions_opportunity_id_opportunities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_candidate_suggestions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_suggestions")),
        sa.UniqueConstraint(
            "kind", "opportunity_id", name="uq_candidate_suggestions_kind_opportunity"
        ),
        sa.UniqueConstraint("kind", "account_id", name="uq_candidate_suggestions_kind_account"),
    )
    with op.batch_alter_table("candidate_suggestions") as batch:
        batch.create_index("ix_candidate_suggestions_account_id", ["account_id"])
        batch.create_index("ix_candidate_suggestions_opportunity_id", ["opportunity_id"])
        batch.create_index("ix_candidate_suggestions_status", ["status", "created_at"])


def downgrade():
    with op.batch_alter_table("candidate_suggestions") as batch:
        batch.drop_index("ix_candidate_suggestions_status")
        batch.drop_index("ix_candidate_suggestions_opportunity_id")
        batch.drop_index("ix_candidate_suggestions_account_id")
    op.drop_table("candidate_suggestions")
