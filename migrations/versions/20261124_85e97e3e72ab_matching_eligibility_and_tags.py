"""matching eligibility and tags

Per-advocate eligibility (askable_from, fairness counts) and matchable tags, kept current by the
flush hook in portal.asks.eligibility; `flask refresh-eligibility` fills them for existing data.
The requester's comment on a completed ask.

Revision ID: 85e97e3e72ab
Revises: dd659a3738fa
Create Date: 2026-11-24 05:38:44.757498

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '85e97e3e72ab'
down_revision = 'dd659a3738fa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advocate_eligibility',
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('activity_bits', sa.Integer(), nullable=False),
    sa.Column('askable_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_key', sa.String(length=200), nullable=False),
    sa.Column('asks_90d', sa.Integer(), nullable=False),
    sa.Column('asks_12m', sa.Integer(), nullable=False),
    sa.Column('last_asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fairness', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'], name=op.f('fk_advocate_eligibility_advocate_id_advocates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('advocate_id', name=op.f('pk_advocate_eligibility'))
    )
    with op.batch_alter_table('advocate_eligibility', schema=None) as batch_op:
        batch_op.create_index('ix_advocate_eligibility_active_fairness', ['active', 'fairness'], unique=False)

    op.create_table('advocate_tags',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'], name=op.f('fk_advocate_tags_advocate_id_advocates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'value', 'advocate_id', name=op.f('pk_advocate_tags'))
    )
    with op.batch_alter_table('advocate_tags', schema=None) as batch_op:
        batch_op.create_index('ix_advocate_tags_advocate_id', ['advocate_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # kind and value are far from independent: without this the planner misjudges how many
        # advocates a criterion matches and picks nested loops over hash joins.
        op.execute('CREATE STATISTICS st_advocate_tags_kind_value (dependencies, mcv) '
                   'ON kind, value FROM advocate_tags')

    with op.batch_alter_table('asks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requester_feedback', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('asks', schema=None) as batch_op:
        batch_op.drop_column('requester_feedback')

    with op.batch_alter_table('advocate_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_tags_advocate_id')

    op.drop_table('advocate_tags')
    with op.batch_alter_table('advocate_eligibility', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_eligibility_active_fairness')

    op.drop_table('advocate_eligibility')
