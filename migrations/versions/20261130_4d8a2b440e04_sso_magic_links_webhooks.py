"""sso magic links webhooks

Single sign-on identities, magic links, token scopes and webhooks (issue 8).

Revision ID: 4d8a2b440e04
Revises: 3c6f1a330d03
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "4d8a2b440e04"
down_revision = "3c6f1a330d03"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
