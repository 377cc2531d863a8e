"""audit request id

Each audit event keeps the id of the web request that made the change (the X-Request-ID that
the request's log line and error page show), indexed so a reference leads to its changes.
Commands and the worker leave it empty.

Revision ID: d2b3c4d5e6f7
Revises: d1a2b3c4d5e6
Create Date: 2026-12-06 00:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2b3c4d5e6f7"
down_revision = "d1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))
        batch.create_index("ix_audit_events_request_id", ["request_id"])


def downgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_request_id")
        batch.drop_column("request_id")
