"""advocate thanks

The advocate thanked (issue 20): what each advocate was already told (a thank-you per completed
ask, what a won deal achieved, a benefit that opened), keyed so nobody is told twice; and the
manager's per-deal switch that lets a won deal's advocates hear its outcome.

Revision ID: b1c2d3e4f5a6
Revises: b0c1d2e3f4a5
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b1c2d3e4f5a6"
down_revision = "b0c1d2e3f4a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "advocate_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "thank_you",
                "outcome",
                "benefit_open",
                name="thanks_kind",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("benefit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_advocate_thanks_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ask_id"], ["asks.id"], name=op.f("fk_advocate_thanks_ask_id_asks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_advocate_thanks_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefits.id"],
            name=op.f("fk_advocate_thanks_benefit_id_benefits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_thanks")),
        sa.UniqueConstraint("key", name=op.f("uq_advocate_thanks_key")),
    )
    with op.batch_alter_table("advocate_thanks") as batch:
        batch.create_index("ix_advocate_thanks_advocate_id", ["advocate_id"])
    op.create_table(
        "deal_outcome_shares",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_deal_outcome_shares_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_deal_outcome_shares_set_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_deal_outcome_shares")),
    )


def downgrade():
    op.drop_table("deal_outcome_shares")
    with op.batch_alter_table("advocate_thanks") as batch:
        batch.drop_index("ix_advocate_thanks_advocate_id")
    op.drop_table("advocate_thanks")
