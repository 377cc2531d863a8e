"""content library

Content library and report support (issue 9): approval details, use limits, uploaded files,
regions, searchable text and facet tags on assets; the opportunity and action of each use; per
request facts (asks summed up) that the reports read.

Revision ID: 5e9b3c550f05
Revises: 4d8a2b440e04
Create Date: 2026-11-30 04:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e9b3c550f05"
down_revision = "4d8a2b440e04"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regions", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_customer", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("use_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("file_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("expiry_warned_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_content_assets_created_by_id_users"),
            "users",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_content_assets_use_limit_positive"), "use_limit IS NULL OR use_limit >= 1"
        )

    op.create_table(
        "content_tags",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["content_assets.id"],
            name=op.f("fk_content_tags_asset_id_content_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "value", "asset_id", name=op.f("pk_content_tags")),
    )
    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.create_index("ix_content_tags_asset_id", ["asset_id"], unique=False)

    op.create_table(
        "report_request_facts",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("declined_too_busy", sa.Integer(), nullable=False),
        sa.Column("declined_not_a_fit", sa.Integer(), nullable=False),
        sa.Column("declined_topic", sa.Integer(), nullable=False),
        sa.Column("declined_timing", sa.Integer(), nullable=False),
        sa.Column("declined_other", sa.Integer(), nullable=False),
        sa.Column("first_accept_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
            name=op.f("fk_report_request_facts_request_id_reference_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_report_request_facts")),
    )
    # Sum up the asks already there (later the app keeps these rows current).
    op.execute(
        "INSERT INTO report_request_facts (request_id, asks, accepted, completed, declined, "
        "declined_too_busy, declined_not_a_fit, declined_topic, declined_timing, declined_other, "
        "first_accept_at, refreshed_at) "
        "SELECT request_id, COUNT(id), "
        "SUM(CASE WHEN status IN ('accepted', 'completed') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' AND decline_reason = 'too_busy' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' AND decline_reason = 'not_a_fit' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' AND decline_reason = 'topic' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' AND decline_reason = 'timing' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'declined' AND decline_reason = 'other' THEN 1 ELSE 0 END), "
        "MIN(CASE WHEN status IN ('accepted', 'completed') THEN responded_at END), "
        "CURRENT_TIMESTAMP FROM asks GROUP BY request_id"
    )

    with op.batch_alter_table("content_uses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("action", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_content_uses_request_id_reference_requests"),
            "reference_requests",
            ["request_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("content_uses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_content_uses_request_id_reference_requests"), type_="foreignkey"
        )
        batch_op.drop_column("action")
        batch_op.drop_column("request_id")

    op.drop_table("report_request_facts")

    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_content_tags_asset_id")
    op.drop_table("content_tags")

    with op.batch_alter_table("content_assets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_content_assets_use_limit_positive"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_content_assets_created_by_id_users"), type_="foreignkey"
        )
        for name in (
            "created_by_id",
            "expiry_warned_at",
            "search_text",
            "file_size",
            "file_type",
            "file_name",
            "file_key",
            "use_limit",
            "approved_by_customer",
            "approved_on",
            "regions",
        ):
            batch_op.drop_column(name)
