"""live asks by date

Planning counts every advocate's live asks (pending, accepted, completed) in the months,
quarters and years of a plan. At 100,000 advocates and 1,000,000 asks it read the whole asks
table for it; this index of asks by status, date and advocate answers the plan's window of
each live status alone, without the table (issue 16).

Revision ID: c3e4f5a6b7c8
Revises: c2d3e4f5a6b7
Create Date: 2026-12-07 23:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e4f5a6b7c8"
down_revision = "c2d3e4f5a6b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_asks_status_asked_at", "asks", ["status", "asked_at", "advocate_id"])


def downgrade():
    op.drop_index("ix_asks_status_asked_at", table_name="asks")
