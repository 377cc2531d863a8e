"""benefits eligibility

Who may claim a benefit (everyone, at least N completed activities, or a chosen list) and
the manager's note on a claim decision.

Revision ID: 050b83ba8a76
Revises: 85e97e3e72ab
Create Date: 2026-11-24 06:06:49.655853

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "050b83ba8a76"
down_revision = "85e97e3e72ab"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "benefit_allowed_advocates",
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_benefit_allowed_advocates_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefits.id"],
            name=op.f("fk_benefit_allowed_advocates_benefit_id_benefits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "benefit_id", "advocate_id", name=op.f("pk_benefit_allowed_advocates")
        ),
    )
    with op.batch_alter_table("benefits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "eligibility",
                sa.Enum(
                    "everyone",
                    "min_completed",
                    "chosen",
                    name="benefit_eligibility",
                    native_enum=False,
                    create_constraint=True,
                ),
                server_default="everyone",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("min_completed", sa.Integer(), nullable=True))

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_note", sa.String(length=2000), nullable=True))


def downgrade():
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("decision_note")

    with op.batch_alter_table("benefits", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_benefits_benefit_eligibility"), type_="check")
        batch_op.drop_column("min_completed")
        batch_op.drop_column("eligibility")

    op.drop_table("benefit_allowed_advocates")
