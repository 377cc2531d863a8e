"""nominations in order

A person's nominations, newest first (`/nominations/mine`), read from an index in that order
instead of sorting every nomination of theirs for each page (issue 16): the index on the
nominator gains the creation time and id, and still serves "who has nominated anyone".

Revision ID: c1d2e3f4a5b6
Revises: b5d6e7f8a9b0
Create Date: 2026-12-07 21:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c1d2e3f4a5b6"
down_revision = "b5d6e7f8a9b0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_advocates_nominated_by_created", "advocates", ["nominated_by_id", "created_at", "id"]
    )
    op.drop_index("ix_advocates_nominated_by_id", table_name="advocates")


def downgrade():
    op.create_index("ix_advocates_nominated_by_id", "advocates", ["nominated_by_id"])
    op.drop_index("ix_advocates_nominated_by_created", table_name="advocates")
