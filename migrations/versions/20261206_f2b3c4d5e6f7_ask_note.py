"""ask note

An ask carries a personal note from whoever placed it (the reference manager, or the requester
on a self-service request), shown to the advocate after the program's ask template for the
activity type (issue 22). The column is `personal_note`: `note` already holds the advocate's
own note with their answer.

Revision ID: f2b3c4d5e6f7
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2b3c4d5e6f7"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("asks") as batch:
        batch.add_column(sa.Column("personal_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("asks") as batch:
        batch.drop_column("personal_note")
