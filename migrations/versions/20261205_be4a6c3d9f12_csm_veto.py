"""csm veto

The end of the window in which the account's customer success manager may veto an ask
(program setting csm_veto_hours); null when the ask was never held.

Revision ID: be4a6c3d9f12
Revises: ad3f5b2c8e11
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "be4a6c3d9f12"
down_revision = "ad3f5b2c8e11"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("asks") as batch:
        batch.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("asks") as batch:
        batch.drop_column("held_until")
