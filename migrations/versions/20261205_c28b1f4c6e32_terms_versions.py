"""terms versions

Published terms versions and who accepted which (helper LD).

The text the portal showed until now (one template, whatever the version) becomes version
2026-01 in Markdown, and every advocate's recorded consent becomes an acceptance row.

Revision ID: c28b1f4c6e32
Revises: c17a0e3b5d21
Create Date: 2026-12-05 13:30:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c28b1f4c6e32"
down_revision = "c17a0e3b5d21"
branch_labels = None
depends_on = None

FIRST_VERSION = "2026-01"

# templates/advocates/portal/_terms_article.html as it was, in Markdown. The default limits it
# quoted are program settings that change: the page shows them beside the terms.
TERMS_2026_01 = """\
## What we ask of you

Now and then, someone at our company may ask whether you would help: take a call with a \
company thinking of working with us, give a quote, speak at an event, or something else you \
chose. Every ask says what is needed, for whom and by when. You are free to say no, every \
time, and saying no never counts against you.

## Limits you set

You decide which activities you are open to and how often we may ask: per month, per quarter \
and per year, and how many days must pass between two asks. Until you choose your own, the \
program's default limits apply (shown with these terms). You can block out periods (leave, \
quarter-end) or pause completely. The portal refuses any ask that would break these limits.

## What we do with your data

We keep your name, work contact details, role, the products you use, your preferences and a \
record of each ask and its answer. People at our company who look for references see your \
profile and bio; other customers and advocates never see your details. We use this only to \
run the program and to thank you with the benefits it offers. We do not sell it or share it \
outside our company.

## Leaving

You can leave at any time from "Your data and leaving": open asks are withdrawn and the people \
who asked are told. You can download everything we hold about you, and ask us to erase your \
personal details; we keep only anonymous counts of past activities.
"""


def upgrade():
    op.create_table(
        "terms_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=True),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="terms_status",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_terms_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_terms_versions_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_terms_versions_version")),
    )
    with op.batch_alter_table("terms_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_terms_versions_one_draft",
            ["status"],
            unique=True,
            postgresql_where=sa.text("status = 'draft'"),
            sqlite_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "terms_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_terms_acceptances_advocate_id_advocates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_terms_acceptances_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_acceptances")),
    )
    with op.batch_alter_table("terms_acceptances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_terms_acceptances_advocate_id"), ["advocate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_terms_acceptances_version"), ["version"], unique=False)

    _seed()


def _seed():
    """Version 2026-01 (and the current version, if a program had moved on: the portal showed
    the same text for every version), and one acceptance per advocate's recorded consent."""
    conn = op.get_bind()
    settings = sa.table(
        "program_settings", sa.column("key", sa.String), sa.column("value", sa.JSON)
    )
    current = conn.execute(
        sa.select(settings.c.value).where(settings.c.key == "terms_version")
    ).scalar()
    versions = [FIRST_VERSION]
    if isinstance(current, str) and current.strip() and current != FIRST_VERSION:
        versions.append(current[:32])
    now = dt.datetime.now(dt.UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as the app stores UTC times there
    terms = sa.table(
        "terms_versions",
        sa.column("version", sa.String),
        sa.column("body_markdown", sa.Text),
        sa.column("status", sa.String),
        sa.column("published_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        terms,
        [
            {
                "version": version,
                "body_markdown": TERMS_2026_01,
                "status": "published",
                "published_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for version in versions
        ],
    )
    op.execute(
        "INSERT INTO terms_acceptances (advocate_id, version, accepted_at, user_id) "
        "SELECT id, consent_version, consent_at, NULL FROM advocates "
        "WHERE consent_at IS NOT NULL AND consent_version IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("terms_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_terms_acceptances_version"))
        batch_op.drop_index(batch_op.f("ix_terms_acceptances_advocate_id"))
    op.drop_table("terms_acceptances")
    with op.batch_alter_table("terms_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_terms_versions_one_draft",
            postgresql_where=sa.text("status = 'draft'"),
            sqlite_where=sa.text("status = 'draft'"),
        )
    op.drop_table("terms_versions")
