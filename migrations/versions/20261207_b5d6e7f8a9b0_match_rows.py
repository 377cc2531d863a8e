"""match rows

The narrow part of each advocate's eligibility row that matching scans (issue 16): ranking reads
every askable advocate's row, and its cost follows the row's width; `points` (fairness +
standing, indexed) lets it read the advocates with the most points first. Filled from the
eligibility rows as they are; the app keeps both equal from then on.

Revision ID: b5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-12-07 15:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d6e7f8a9b0"
down_revision = "b4c5d6e7f8a9"
branch_labels = None
depends_on = None

COLUMNS = (
    "advocate_id",
    "active",
    "status",
    "activity_bits",
    "askable_from",
    "blocked_from",
    "blocked_until",
    "account_key",
    "fairness",
    "standing",
    "industry",
    "region",
    "segment",
    "seniority",
    "product_bits",
    "use_case_bits",
    "language_bits",
)


def upgrade():
    op.create_table(
        "match_rows",
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("activity_bits", sa.Integer(), nullable=False),
        sa.Column("askable_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_key", sa.String(length=200), nullable=False),
        sa.Column("fairness", sa.Integer(), nullable=False),
        sa.Column("standing", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("segment", sa.String(length=16), nullable=True),
        sa.Column("seniority", sa.String(length=16), nullable=True),
        sa.Column("product_bits", sa.BigInteger(), nullable=False),
        sa.Column("use_case_bits", sa.BigInteger(), nullable=False),
        sa.Column("language_bits", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_match_rows_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("advocate_id", name=op.f("pk_match_rows")),
    )
    op.create_index("ix_match_rows_points", "match_rows", ["points"], unique=False)
    names = ", ".join(COLUMNS)
    # Fixed column names, no input: text SQL is safe here.
    op.execute(
        f"INSERT INTO match_rows ({names}, points) "  # noqa: S608
        f"SELECT {names}, fairness + standing FROM advocate_eligibility"
    )


def downgrade():
    op.drop_index("ix_match_rows_points", table_name="match_rows")
    op.drop_table("match_rows")
