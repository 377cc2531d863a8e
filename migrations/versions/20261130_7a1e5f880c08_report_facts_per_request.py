"""report facts per request

The reports' per-request facts (issue 9) now hold a row for every reference request with what
the funnel, fulfilment and business value reports group and count (activity, status, created,
opportunity key, outcome, amount, close date, first industry), so those reports read one
narrow table instead of the wide request rows joined to their facts. The table is derived
data: it is dropped and written again from requests and asks, both ways.

Two covering indexes for the value exchange: completed asks by completion time (partial) and
ledger entries by time, reason and points.

Revision ID: 7a1e5f880c08
Revises: 6f4c4d660a06
Create Date: 2026-11-30 07:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a1e5f880c08"
down_revision = "6f4c4d660a06"
branch_labels = None
depends_on = None

REASONS = ("too_busy", "not_a_fit", "topic", "timing", "other")
ASK_COUNTS = [
    ("asks", "COUNT(a.id)"),
    ("accepted", "SUM(CASE WHEN a.status IN ('accepted', 'completed') THEN 1 ELSE 0 END)"),
    ("completed", "SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END)"),
    ("declined", "SUM(CASE WHEN a.status = 'declined' THEN 1 ELSE 0 END)"),
    *[
        (
            f"declined_{reason}",
            f"SUM(CASE WHEN a.status = 'declined' AND a.decline_reason = '{reason}' "
            "THEN 1 ELSE 0 END)",
        )
        for reason in REASONS
    ],
    (
        "first_accept_at",
        "MIN(CASE WHEN a.status IN ('accepted', 'completed') THEN a.responded_at END)",
    ),
]


def _count_columns() -> list[sa.Column]:
    return [
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name, _ in ASK_COUNTS
            if name != "first_accept_at"
        ],
        sa.Column("first_accept_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _keys() -> list:
    return [
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
            name=op.f("fk_report_request_facts_request_id_reference_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_report_request_facts")),
    ]


def upgrade():
    op.drop_table("report_request_facts")
    op.create_table(
        "report_request_facts",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opportunity_key", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("industry", sa.String(length=64), nullable=True),
        *_count_columns(),
        *_keys(),
    )
    with op.batch_alter_table("report_request_facts", schema=None) as batch_op:
        batch_op.create_index("ix_report_request_facts_closed", ["closed_on"], unique=False)
        batch_op.create_index("ix_report_request_facts_created", ["created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        industry = "(r.criteria -> 'industries' ->> 0)"
    else:
        industry = "json_extract(r.criteria, '$.industries[0]')"
    op.execute(
        "INSERT INTO report_request_facts (request_id, requester_id, activity_type, status, "  # noqa: S608 (constant text)
        "created_at, opportunity_key, outcome, amount, closed_on, industry, "
        + ", ".join(name for name, _ in ASK_COUNTS)
        + ", refreshed_at) SELECT r.id, r.requester_id, r.activity_type, r.status, r.created_at, "
        "COALESCE(r.opportunity_crm_id, 'request-' || CAST(r.id AS VARCHAR)), "
        "r.opportunity_outcome, r.opportunity_amount, "
        f"COALESCE(r.opportunity_close_date, r.needed_by), {industry}, "
        + ", ".join(expression for _, expression in ASK_COUNTS)
        + ", CURRENT_TIMESTAMP FROM reference_requests r "
        "LEFT JOIN asks a ON a.request_id = r.id GROUP BY r.id"
    )
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_asks_completed_at",
            ["completed_at", "advocate_id"],
            unique=False,
            postgresql_where=sa.text("status = 'completed'"),
            sqlite_where=sa.text("status = 'completed'"),
        )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_created_reason", ["created_at", "reason", "delta"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_created_reason")
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.drop_index("ix_asks_completed_at")
    op.drop_table("report_request_facts")
    op.create_table(
        "report_request_facts",
        sa.Column("request_id", sa.Integer(), nullable=False),
        *_count_columns(),
        *_keys(),
    )
    # Requests with asks only, as before.
    op.execute(
        "INSERT INTO report_request_facts (request_id, "  # noqa: S608 (constant text)
        + ", ".join(name for name, _ in ASK_COUNTS)
        + ", refreshed_at) SELECT a.request_id, "
        + ", ".join(expression for _, expression in ASK_COUNTS)
        + ", CURRENT_TIMESTAMP FROM asks a GROUP BY a.request_id"
    )
