"""recruiting pipeline

Recruiting: referenceable accounts, nominations, invitations, touchpoints, targets (issue 6).

Revision ID: 3c6f1a330d03
Revises: 2b7e0f220c02
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "3c6f1a330d03"
down_revision = "2b7e0f220c02"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
