"""matching compact criteria

Compact criteria for index-driven matching (issue 4).

Revision ID: 6f4c4d660a06
Revises: 5e9b3c550f05
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "6f4c4d660a06"
down_revision = "5e9b3c550f05"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
