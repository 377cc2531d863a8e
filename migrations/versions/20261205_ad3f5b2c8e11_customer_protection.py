"""customer protection

The standing of each advocate on their eligibility row (account health, NPS and the ratings of
their past calls, in tenths of a score point), so matching ranks by it without a join.

Revision ID: ad3f5b2c8e11
Revises: 9c2e4f1a7b10
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ad3f5b2c8e11"
down_revision = "9c2e4f1a7b10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("advocate_eligibility") as batch:
        batch.add_column(sa.Column("standing", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("advocate_eligibility") as batch:
        batch.drop_column("standing")
