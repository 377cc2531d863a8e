"""taxonomy admin

Taxonomy administration: kinds an admin adds, order, groups, retire and merge (helper T).
taxonomy_terms.kind becomes a reference to taxonomy_kinds (was a fixed CHECK list); region
and seniority get terms so that administrators may rename and reorder their labels (their
keys stay the stored values).

Revision ID: c17a0e3b5d21
Revises: be4a6c3d9f12
Create Date: 2026-12-05 13:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c17a0e3b5d21"
down_revision = "be4a6c3d9f12"
branch_labels = None
depends_on = None

OLD_KINDS = ("industry", "product", "use_case", "language")
BUILTIN_KINDS = [
    ("industry", "Industries"),
    ("product", "Products"),
    ("use_case", "Use cases"),
    ("region", "Regions"),
    ("seniority", "Seniorities"),
    ("language", "Languages"),
]
LABEL_ONLY_TERMS = {
    "region": [
        ("na", "North America"),
        ("emea", "EMEA"),
        ("apac", "APAC"),
        ("latam", "Latin America"),
    ],
    "seniority": [
        ("executive", "Executive"),
        ("director", "Director"),
        ("manager", "Manager"),
        ("practitioner", "Practitioner"),
        ("technical", "Technical"),
    ],
}


def _old_kind_type():
    return sa.Enum(*OLD_KINDS, name="taxonomy_kind", native_enum=False, create_constraint=True)


def upgrade():
    kinds = op.create_table(
        "taxonomy_kinds",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_taxonomy_kinds")),
    )
    op.bulk_insert(
        kinds,
        [
            {"key": key, "label": label, "builtin": True, "position": i, "active": True}
            for i, (key, label) in enumerate(BUILTIN_KINDS, start=1)
        ],
    )
    with op.batch_alter_table("taxonomy_terms") as batch:
        batch.alter_column(
            "kind",
            existing_type=_old_kind_type(),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_taxonomy_terms_kind_taxonomy_kinds"),
            "taxonomy_kinds",
            ["kind"],
            ["key"],
            ondelete="RESTRICT",
        )
        batch.create_foreign_key(
            op.f("fk_taxonomy_terms_group_id_taxonomy_terms"),
            "taxonomy_terms",
            ["group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_taxonomy_terms_merged_into_id_taxonomy_terms"),
            "taxonomy_terms",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("taxonomy_terms") as batch:
        batch.alter_column("position", server_default=None, existing_type=sa.Integer())

    terms = sa.table(
        "taxonomy_terms",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("label", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    conn = op.get_bind()
    # The lists showed terms in label order until now: that order becomes their position.
    rows = conn.execute(sa.select(terms.c.id, terms.c.kind).order_by(terms.c.kind, terms.c.label))
    counters: dict[str, int] = {}
    for term_id, kind in rows.all():
        counters[kind] = counters.get(kind, 0) + 1
        conn.execute(sa.update(terms).where(terms.c.id == term_id).values(position=counters[kind]))
    op.bulk_insert(
        terms,
        [
            {"kind": kind, "value": value, "label": label, "active": True, "position": i}
            for kind, pairs in LABEL_ONLY_TERMS.items()
            for i, (value, label) in enumerate(pairs, start=1)
        ],
    )


def downgrade():
    terms = sa.table(
        "taxonomy_terms",
        sa.column("kind", sa.String),
        sa.column("group_id", sa.Integer),
        sa.column("merged_into_id", sa.Integer),
    )
    # The old schema knew four kinds only: the others' terms (region and seniority labels,
    # kinds an administrator added) can't be kept.
    conn = op.get_bind()
    conn.execute(sa.update(terms).values(group_id=None, merged_into_id=None))
    conn.execute(sa.delete(terms).where(terms.c.kind.not_in(OLD_KINDS)))
    with op.batch_alter_table("taxonomy_terms") as batch:
        batch.drop_constraint(
            op.f("fk_taxonomy_terms_merged_into_id_taxonomy_terms"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("fk_taxonomy_terms_group_id_taxonomy_terms"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_taxonomy_terms_kind_taxonomy_kinds"), type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.drop_column("group_id")
        batch.drop_column("position")
        batch.alter_column(
            "kind",
            existing_type=sa.String(length=40),
            type_=_old_kind_type(),
            existing_nullable=False,
        )
    op.drop_table("taxonomy_kinds")
