"""executive role and recognition

(issue 20) A read-only `executive` role: users.role's CHECK list gains "executive". Scorecards,
the leaderboard switch and the summary frequency need no tables (program settings are rows).

Revision ID: a9b0c1d2e3f4
Revises: a8b9c0d1e2f3
Create Date: 2026-12-06 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9b0c1d2e3f4"
down_revision = "a8b9c0d1e2f3"
branch_labels = None
depends_on = None

OLD_ROLES = ("advocate", "requester", "csm", "manager", "admin")
NEW_ROLES = (*OLD_ROLES, "executive")


def _role_type(roles):
    return sa.Enum(*roles, name="role", native_enum=False, create_constraint=True, length=9)


def _set_roles(old, new):
    """Make users.role's CHECK list `new` (ck_users_role). On SQLite the batch rebuilds `users`,
    with foreign keys off for the migration run (migrations/env.py), so no referring row goes."""
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "role",
            existing_type=_role_type(old),
            type_=_role_type(new),
            existing_nullable=False,
        )


def upgrade():
    _set_roles(OLD_ROLES, NEW_ROLES)


def downgrade():
    # An executive is neither a requester nor anything else that exists before this revision:
    # giving them another role would change what they may do, so the administrator decides.
    users = sa.table("users", sa.column("role", sa.String))
    executives = op.get_bind().scalar(
        sa.select(sa.func.count()).select_from(users).where(users.c.role == "executive")
    )
    if executives:
        raise RuntimeError(
            f"{executives} user(s) have the executive role, which this downgrade removes: "
            "give them another role (or remove them) first."
        )
    _set_roles(NEW_ROLES, OLD_ROLES)
