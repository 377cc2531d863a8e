"""matching masks

Matching reads less per advocate (issue 16): the multi-valued criteria of
advocate_eligibility (products, use cases, languages) also as bit masks, a term's id picking
its bit (portal.asks.eligibility.value_bit), and the live asks per calendar window the row
was counted in (counted_on, used_*, last_live_at, account_used_*), so a match's reasons
count nothing. The masks of existing rows are filled here; their window counts stay unknown
(counted_on null: matching counts those rows itself) until the next
`flask refresh-eligibility` or any change to the advocate recomputes them.

Revision ID: c5be4c7f9a65
Revises: c4ad3b6e8a54
Create Date: 2026-12-05 19:00:00

"""

import zlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5be4c7f9a65"
down_revision = "c4ad3b6e8a54"
branch_labels = None
depends_on = None

MASKS = {"product": "products", "use_case": "use_cases", "language": "languages"}
COUNTS = ("used_month", "used_quarter", "used_year", "account_used_month", "account_used_quarter")
# As portal.asks.eligibility.value_bit, written out: a migration must not follow later code.
TERM_BITS = 48
HASH_BITS = 15


def _bit(kind, value, ids):
    term_id = ids.get((kind, value))
    if term_id is not None:
        return 1 << (term_id % TERM_BITS)
    return 1 << (TERM_BITS + zlib.crc32(value.encode()) % HASH_BITS)


def upgrade():
    with op.batch_alter_table("advocate_eligibility") as batch:
        for kind in MASKS:
            batch.add_column(
                sa.Column(f"{kind}_bits", sa.BigInteger(), server_default="0", nullable=False)
            )
        batch.add_column(sa.Column("counted_on", sa.Date(), nullable=True))
        for name in COUNTS[:3]:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_live_at", sa.DateTime(timezone=True), nullable=True))
        for name in COUNTS[3:]:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))

    connection = op.get_bind()
    ids = {
        (kind, value): term_id
        for kind, value, term_id in connection.execute(
            sa.text("SELECT kind, value, id FROM taxonomy_terms WHERE kind IN :kinds").bindparams(
                sa.bindparam("kinds", list(MASKS), expanding=True)
            )
        )
    }
    table = sa.table(
        "advocate_eligibility",
        sa.column("advocate_id", sa.Integer),
        *(sa.column(column, sa.Text) for column in MASKS.values()),
        *(sa.column(f"{kind}_bits", sa.BigInteger) for kind in MASKS),
    )
    update = (
        table.update()
        .where(table.c.advocate_id == sa.bindparam("id"))
        .values({f"{kind}_bits": sa.bindparam(f"new_{kind}") for kind in MASKS})
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.advocate_id, *(table.c[column] for column in MASKS.values()))
            .where(table.c.advocate_id > last)
            .order_by(table.c.advocate_id)
            .limit(2000)
        ).all()
        if not rows:
            break
        changes = []
        for row in rows:
            change = {"id": row[0]}
            for n, kind in enumerate(MASKS, start=1):
                mask = 0
                for value in (row[n] or "").split("|"):
                    if value:
                        mask |= _bit(kind, value, ids)
                change[f"new_{kind}"] = mask
            changes.append(change)
        connection.execute(update, changes)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("advocate_eligibility") as batch:
        for name in reversed(COUNTS[3:]):
            batch.drop_column(name)
        batch.drop_column("last_live_at")
        for name in reversed(COUNTS[:3]):
            batch.drop_column(name)
        batch.drop_column("counted_on")
        for kind in reversed(list(MASKS)):
            batch.drop_column(f"{kind}_bits")
