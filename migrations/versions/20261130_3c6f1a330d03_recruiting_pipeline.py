"""recruiting pipeline

Recruiting: referenceable accounts, nominations, invitations, touchpoints, targets (issue 6).

Revision ID: 3c6f1a330d03
Revises: 2b7e0f220c02
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c6f1a330d03"
down_revision = "2b7e0f220c02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referenceability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "referenceable",
                "not_now",
                "not_referenceable",
                name="referenceability_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "health",
            sa.Enum(
                "healthy",
                "watch",
                "at_risk",
                name="relationship_health",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "nps IS NULL OR nps BETWEEN -100 AND 100", name=op.f("ck_referenceability_nps_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_referenceability_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_referenceability_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referenceability")),
        sa.UniqueConstraint("account_id", name=op.f("uq_referenceability_account_id")),
    )
    op.create_table(
        "advocate_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_advocate_invitations_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_advocate_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocate_invitations")),
    )
    with op.batch_alter_table("advocate_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_advocate_invitations_advocate_id"), ["advocate_id"], unique=False
        )
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follow_up_done_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_touchpoints_created_by_id"), ["created_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touchpoints_created_by_id"))
        batch_op.drop_column("follow_up_done_at")
    with op.batch_alter_table("advocate_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advocate_invitations_advocate_id"))
    op.drop_table("advocate_invitations")
    op.drop_table("referenceability")
