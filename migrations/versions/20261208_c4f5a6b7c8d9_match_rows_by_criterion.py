"""match rows by criterion

A match reads the advocates with the most points first. When the last of the top found falls
short of what everyone else could score, it reads again, and below the best-standing advocates
it keeps only those who share each requested kind too heavy to miss. These indexes of the match
rows by each single-valued criterion (industry, region, segment, seniority) let that second read
find them without reading every row. At 100,000 advocates it went from a scan of every row
(about 20 ms) to 4 ms (issue 16).

Revision ID: c4f5a6b7c8d9
Revises: c3e4f5a6b7c8
Create Date: 2026-12-08 01:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c4f5a6b7c8d9"
down_revision = "c3e4f5a6b7c8"
branch_labels = None
depends_on = None

KINDS = ("industry", "region", "segment", "seniority")


def upgrade():
    for kind in KINDS:
        op.create_index(f"ix_match_rows_{kind}", "match_rows", [kind])


def downgrade():
    for kind in KINDS:
        op.drop_index(f"ix_match_rows_{kind}", table_name="match_rows")
