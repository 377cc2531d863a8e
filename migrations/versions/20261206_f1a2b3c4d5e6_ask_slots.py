"""ask slots

Times offered to meet for an accepted ask (issue 22): the advocate offers two or three (or the
requester's side does), the other side picks one and the pick schedules the ask.

Revision ID: f1a2b3c4d5e6
Revises: e2b3c4d5e6f7
Create Date: 2026-12-06 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a2b3c4d5e6"
down_revision = "e2b3c4d5e6f7"
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
        "ask_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "proposed_by",
            _enum("advocate", "requester", "manager", name="slot_proposer"),
            nullable=False,
        ),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column(
            "status", _enum("offered", "picked", "withdrawn", name="slot_status"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ask_id"], ["asks.id"], name=op.f("fk_ask_slots_ask_id_asks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["users.id"],
            name=op.f("fk_ask_slots_proposer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_slots")),
    )
    with op.batch_alter_table("ask_slots") as batch:
        batch.create_index("ix_ask_slots_ask_id_status", ["ask_id", "status"])


def downgrade():
    with op.batch_alter_table("ask_slots") as batch:
        batch.drop_index("ix_ask_slots_ask_id_status")
    op.drop_table("ask_slots")
