"""content library

Content library and report support (issue 9).

Revision ID: 5e9b3c550f05
Revises: 4d8a2b440e04
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "5e9b3c550f05"
down_revision = "4d8a2b440e04"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
