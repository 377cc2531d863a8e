"""report speed

The report pages and the program page read their date range from an index alone (issue 16):
the two range indexes of report_request_facts become covering indexes, with every column
the funnel, fulfilment and lead-time reports (by creation) and the business value report (by
close) read, so PostgreSQL's index-only scans and SQLite's covering-index searches never
visit the rows. They replace the one-column indexes on the same leading column.

Revision ID: c6cf5d8a0b76
Revises: c7d06e9b1c87
Create Date: 2026-12-05 20:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c6cf5d8a0b76"
down_revision = "c7d06e9b1c87"
branch_labels = None
depends_on = None

# As portal.reports.models, written out: a migration must not follow later code.
CREATED_COVER = [
    "created_at",
    "status",
    "requester_id",
    "activity_type",
    "asks",
    "accepted",
    "completed",
    "declined",
    "declined_too_busy",
    "declined_not_a_fit",
    "declined_topic",
    "declined_timing",
    "declined_other",
    "first_accept_at",
    "notice_days",
    "rush",
]
CLOSED_COVER = [
    "closed_on",
    "outcome",
    "opportunity_key",
    "completed",
    "amount",
    "requester_id",
    "industry",
]


def upgrade():
    op.create_index("ix_report_request_facts_created_cover", "report_request_facts", CREATED_COVER)
    op.create_index("ix_report_request_facts_closed_cover", "report_request_facts", CLOSED_COVER)
    op.drop_index("ix_report_request_facts_created", table_name="report_request_facts")
    op.drop_index("ix_report_request_facts_closed", table_name="report_request_facts")


def downgrade():
    op.create_index("ix_report_request_facts_closed", "report_request_facts", ["closed_on"])
    op.create_index("ix_report_request_facts_created", "report_request_facts", ["created_at"])
    op.drop_index("ix_report_request_facts_closed_cover", table_name="report_request_facts")
    op.drop_index("ix_report_request_facts_created_cover", table_name="report_request_facts")
