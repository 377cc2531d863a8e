"""planning

Planning (issue 20): initiatives (launch, new segment, partner channel) and planned needs, so
many activities of a type matching optional criteria by a date, owned by a user and a team.

Revision ID: a7b8c9d0e1f2
Revises: f3c4d5e6f7a8
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7b8c9d0e1f2"
down_revision = "f3c4d5e6f7a8"
branch_labels = None
depends_on = None

ACTIVITY_TYPES = (
    "reference_call",
    "site_visit",
    "case_study",
    "quote",
    "video_testimonial",
    "press_interview",
    "analyst_briefing",
    "speaking",
    "webinar",
    "peer_review",
    "advisory_board",
    "beta_program",
    "social_post",
    "referral",
)
PLANNING_TEAMS = ("program", "csm", "sales", "pr", "ar", "ir", "events", "social")


def _enum(*values, name):
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("launch", "new_segment", "partner_channel", "other", name="initiative_kind"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_initiatives_ends_after_starts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_initiatives_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
    )
    op.create_table(
        "planned_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("activity_type", _enum(*ACTIVITY_TYPES, name="activity_type"), nullable=False),
        sa.Column("count_needed", sa.Integer(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=True),
        sa.Column(
            "segment", _enum("smb", "mid_market", "enterprise", name="segment"), nullable=True
        ),
        sa.Column("region", _enum("na", "emea", "apac", "latam", name="region"), nullable=True),
        sa.Column("product", sa.String(length=64), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_team", _enum(*PLANNING_TEAMS, name="planning_team"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "count_needed BETWEEN 1 AND 10000", name=op.f("ck_planned_needs_count_needed_range")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_planned_needs_initiative_id_initiatives"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["targets.id"],
            name=op.f("fk_planned_needs_target_id_targets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_planned_needs_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_planned_needs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_needs")),
    )
    with op.batch_alter_table("planned_needs") as batch:
        batch.create_index("ix_planned_needs_initiative_id", ["initiative_id"])
        batch.create_index("ix_planned_needs_target_id", ["target_id"])
        batch.create_index("ix_planned_needs_owner_id", ["owner_id"])
        batch.create_index("ix_planned_needs_needed_by", ["needed_by", "id"])


def downgrade():
    with op.batch_alter_table("planned_needs") as batch:
        batch.drop_index("ix_planned_needs_needed_by")
        batch.drop_index("ix_planned_needs_owner_id")
        batch.drop_index("ix_planned_needs_target_id")
        batch.drop_index("ix_planned_needs_initiative_id")
    op.drop_table("planned_needs")
    op.drop_table("initiatives")
