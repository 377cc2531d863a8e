"""matching compact criteria

Compact criteria for matching (issue 4): the criteria relevance compares move from the
`advocate_tags` postings (a join and an aggregate per match) onto the eligibility row, so a
match reads one narrow table. Existing rows are filled here from advocates and accounts.

Revision ID: 6f4c4d660a06
Revises: 5e9b3c550f05
Create Date: 2026-11-30 04:20:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6f4c4d660a06"
down_revision = "5e9b3c550f05"
branch_labels = None
depends_on = None


COLUMNS = (
    ("industry", sa.String(length=64)),
    ("region", sa.String(length=16)),
    ("segment", sa.String(length=16)),
    ("seniority", sa.String(length=16)),
)
MULTI = ("products", "use_cases", "languages")


def _values(raw) -> list[str]:
    if isinstance(raw, str):
        raw = json.loads(raw)
    return [v for v in raw or [] if v]


def _framed(values) -> str:
    values = sorted(set(values))
    return f"|{'|'.join(values)}|" if values else ""


def upgrade():
    with op.batch_alter_table("advocate_eligibility", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        for name in MULTI:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("advocate_eligibility", schema=None) as batch_op:
        for name in MULTI:
            batch_op.alter_column(name, server_default=None)

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.id, a.industry, a.region, a.segment, v.seniority, v.products, "
            "a.products, v.use_cases, v.languages FROM advocates v "
            "JOIN accounts a ON a.id = v.account_id "
            "JOIN advocate_eligibility e ON e.advocate_id = v.id"
        )
    ).all()
    update = sa.text(
        "UPDATE advocate_eligibility SET industry = :industry, region = :region, "
        "segment = :segment, seniority = :seniority, products = :products, "
        "use_cases = :use_cases, languages = :languages WHERE advocate_id = :id"
    )
    batch = []
    for id_, industry, region, segment, seniority, products, account_products, uses, langs in rows:
        batch.append(
            {
                "id": id_,
                "industry": (industry or None) and industry[:64],
                "region": region or None,
                "segment": segment or None,
                "seniority": seniority or None,
                "products": _framed(_values(products) + _values(account_products)),
                "use_cases": _framed(_values(uses)),
                "languages": _framed(_values(langs)),
            }
        )
        if len(batch) >= 1000:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)

    if bind.dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_advocate_tags_kind_value")
    with op.batch_alter_table("advocate_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_advocate_tags_advocate_id")
    op.drop_table("advocate_tags")


def downgrade():
    op.create_table(
        "advocate_tags",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["advocates.id"],
            name=op.f("fk_advocate_tags_advocate_id_advocates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "value", "advocate_id", name=op.f("pk_advocate_tags")),
    )
    with op.batch_alter_table("advocate_tags", schema=None) as batch_op:
        batch_op.create_index("ix_advocate_tags_advocate_id", ["advocate_id"], unique=False)
    bind = op.get_bind()
    tags = []
    for row in bind.execute(
        sa.text(
            "SELECT advocate_id, industry, region, segment, seniority, products, use_cases, "
            "languages FROM advocate_eligibility"
        )
    ):
        for kind, value in zip(
            ("industry", "region", "segment", "seniority"), row[1:5], strict=True
        ):
            if value:
                tags.append({"advocate_id": row[0], "kind": kind, "value": value})
        for kind, framed in zip(("product", "use_case", "language"), row[5:8], strict=True):
            tags.extend(
                {"advocate_id": row[0], "kind": kind, "value": value[:64]}
                for value in (framed or "").split("|")
                if value
            )
    if tags:
        bind.execute(
            sa.text(
                "INSERT INTO advocate_tags (kind, value, advocate_id) "
                "VALUES (:kind, :value, :advocate_id)"
            ),
            tags,
        )
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS st_advocate_tags_kind_value (dependencies, mcv) "
            "ON kind, value FROM advocate_tags"
        )
    with op.batch_alter_table("advocate_eligibility", schema=None) as batch_op:
        for name in reversed(MULTI):
            batch_op.drop_column(name)
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
