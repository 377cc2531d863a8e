"""page speed

The pipeline board reads the most recently changed advocates of each status: one index on
(status, updated_at, id) serves it (and every status filter, so the index on status alone goes). The board's "nominated by" filter
lists the users who nominated anyone: an index on advocates.nominated_by_id.

Revision ID: c7d06e9b1c87
Revises: c5be4c7f9a65
Create Date: 2026-12-05 19:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c7d06e9b1c87"
down_revision = "c5be4c7f9a65"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("advocates") as batch:
        batch.create_index("ix_advocates_status_updated", ["status", "updated_at", "id"])
        batch.drop_index("ix_advocates_status")
        batch.create_index("ix_advocates_nominated_by_id", ["nominated_by_id"])


def downgrade():
    with op.batch_alter_table("advocates") as batch:
        batch.drop_index("ix_advocates_nominated_by_id")
        batch.create_index("ix_advocates_status", ["status"])
        batch.drop_index("ix_advocates_status_updated")
