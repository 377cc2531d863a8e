"""import previews

A checked CSV file waiting for the manager's confirmation is kept in the database instead of
on the app server's disk, so the confirmation may reach any app server.

Revision ID: 8b2f6a990d09
Revises: 7a1e5f880c08
Create Date: 2026-11-30 07:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8b2f6a990d09"
down_revision = "7a1e5f880c08"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_previews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_import_previews_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_previews")),
        sa.UniqueConstraint("token", name=op.f("uq_import_previews_token")),
    )
    with op.batch_alter_table("import_previews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_previews_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_previews_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("import_previews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_previews_user_id"))
        batch_op.drop_index(batch_op.f("ix_import_previews_created_at"))
    op.drop_table("import_previews")
