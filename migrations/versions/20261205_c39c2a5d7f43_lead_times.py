"""lead times

Lead time per activity type: rush requests (helper LD). A request records the working days of
notice it gave and whether it was accepted as a rush (inside the activity type's lead time),
with the reason; the reports' per-request facts copy both.

Revision ID: c39c2a5d7f43
Revises: c28b1f4c6e32
Create Date: 2026-12-05 13:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c39c2a5d7f43"
down_revision = "c28b1f4c6e32"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("rush", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("rush_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("report_request_facts") as batch:
        batch.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("rush", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("report_request_facts") as batch:
        batch.drop_column("rush")
        batch.drop_column("notice_days")
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("rush_reason")
        batch.drop_column("rush")
        batch.drop_column("notice_days")
