"""nominations from everyone

(issue 20) Where each nomination came from (advocates.nomination_source, backfilled from who
nominated), the account CSM's objections to a nomination, and self-nominations from the public
page.

Revision ID: a8b9c0d1e2f3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a8b9c0d1e2f3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None

SOURCES = ("csm", "requester", "program", "self", "import", "suggestion")


def _enum(*values, name):
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def _backfill() -> None:
    """Customer success's and other teams' nominations by the nominator's role; advocates that
    no one added on a page (no `advocate.created` event: an import) as imports; a contact a CSM
    nominated from a suggested candidate of that account as a suggestion; the rest the program's."""
    for role in ("csm", "requester"):
        op.execute(
            sa.text(
                "UPDATE advocates SET nomination_source = :role WHERE (SELECT users.role "
                "FROM users WHERE users.id = advocates.nominated_by_id) = :role"
            ).bindparams(role=role)
        )
    op.execute(
        "UPDATE advocates SET nomination_source = 'import' WHERE NOT EXISTS ("
        "SELECT 1 FROM audit_events WHERE audit_events.action = 'advocate.created' "
        "AND audit_events.entity = 'advocates' AND audit_events.entity_id = advocates.id)"
    )
    op.execute(
        "UPDATE advocates SET nomination_source = 'suggestion' WHERE EXISTS ("
        "SELECT 1 FROM candidate_suggestions s WHERE s.account_id = advocates.account_id "
        "AND s.status = 'nominated' AND s.decided_by_id = advocates.nominated_by_id "
        "AND s.decided_at <= advocates.created_at)"
    )


def upgrade():
    with op.batch_alter_table("advocates") as batch:
        batch.add_column(
            sa.Column(
                "nomination_source",
                _enum(*SOURCES, name="nomination_source"),
                nullable=False,
                server_default="program",
            )
        )
    _backfill()

    op.create_table(
        "nomination_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("objected_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "resolution", _enum("upheld", "overruled", name="objection_resolution"), nullable=True
        ),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_nomination_objections_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objected_by_id"],
            ["users.id"],
            name=op.f("fk_nomination_objections_objected_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_nomination_objections_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_objections")),
    )
    with op.batch_alter_table("nomination_objections") as batch:
        batch.create_index("ix_nomination_objections_advocate_id", ["advocate_id"])

    op.create_table(
        "self_nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("activity_types", sa.JSON(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            _enum(
                "unconfirmed",
                "to_review",
                "attached",
                "discarded",
                "duplicate",
                name="self_nomination_status",
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("advocate_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_self_nominations_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_self_nominations_advocate_id_advocates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_self_nominations_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_nominations")),
    )
    with op.batch_alter_table("self_nominations") as batch:
        batch.create_index("ix_self_nominations_email", ["email"])
        batch.create_index("ix_self_nominations_status", ["status", "created_at"])


def downgrade():
    with op.batch_alter_table("self_nominations") as batch:
        batch.drop_index("ix_self_nominations_status")
        batch.drop_index("ix_self_nominations_email")
    op.drop_table("self_nominations")
    with op.batch_alter_table("nomination_objections") as batch:
        batch.drop_index("ix_nomination_objections_advocate_id")
    op.drop_table("nomination_objections")
    with op.batch_alter_table("advocates") as batch:
        batch.drop_constraint(op.f("ck_advocates_nomination_source"), type_="check")
        batch.drop_column("nomination_source")
