"""advocate locale

Advocates in their own language (issue 23): the language an advocate chose for their pages,
e-mails and calendar invitations (a shipped locale: en, de, fr, es, ja). NULL means the
browser's Accept-Language on pages and, in messages, the first of the languages they speak that
the portal has (portal.i18n). Nothing to backfill: NULL keeps today's behaviour for English
speakers and gives everyone else their language.

Revision ID: b3c4d5e6f7a8
Revises: b2c3d4e5f6a7
Create Date: 2026-12-07 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3c4d5e6f7a8"
down_revision = "b2c3d4e5f6a7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("advocates") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("advocates") as batch:
        batch.drop_column("locale")
