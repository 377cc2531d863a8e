"""custom fields

Custom fields on accounts and advocates (helper C): their definitions (custom_fields), the
values on each record (a JSON object, key -> value), and the choice values matching compares
(advocate_eligibility.crit_custom, `|key=value|...`).

Revision ID: c4ad3b6e8a54
Revises: c39c2a5d7f43
Create Date: 2026-12-05 13:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4ad3b6e8a54"
down_revision = "c39c2a5d7f43"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "entity",
            sa.Enum(
                "account",
                "advocate",
                name="custom_entity",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "text",
                "number",
                "choice",
                "date",
                name="custom_field_type",
                native_enum=False,
                create_constraint=True,
                length=6,
            ),
            nullable=False,
        ),
        sa.Column("taxonomy_kind", sa.String(length=40), nullable=True),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("match_criterion", sa.Boolean(), nullable=False),
        sa.Column("show_in_list", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type = 'choice' OR (taxonomy_kind IS NULL AND NOT multiple AND NOT match_criterion)",
            name=op.f("ck_custom_fields_choice_options"),
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_kind"],
            ["taxonomy_kinds.key"],
            name=op.f("fk_custom_fields_taxonomy_kind_taxonomy_kinds"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
        sa.UniqueConstraint("entity", "key", name="uq_custom_fields_entity_key"),
    )
    # Server defaults too: bulk loads (COPY) that name no custom values still fit.
    for table in ("accounts", "advocates"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("custom_fields", sa.JSON(), nullable=False, server_default="{}")
            )
    with op.batch_alter_table("advocate_eligibility") as batch:
        batch.add_column(sa.Column("crit_custom", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("advocate_eligibility") as batch:
        batch.drop_column("crit_custom")
    for table in ("advocates", "accounts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("custom_fields")
    op.drop_table("custom_fields")
