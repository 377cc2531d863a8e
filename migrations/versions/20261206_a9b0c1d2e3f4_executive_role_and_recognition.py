"""executive role and recognition

(issue 20) A read-only `executive` role: users.role's CHECK list gains "executive". Scorecards,
the leaderboard switch and the summary frequency need no tables (program settings are rows).

Revision ID: a9b0c1d2e3f4
Revises: a8b9c0d1e2f3
Create Date: 2026-12-06 21:30:00

"""

import re

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
    """Make users.role's CHECK list `new` (ck_users_role)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("users") as batch:
            batch.alter_column(
                "role",
                existing_type=_role_type(old),
                type_=_role_type(new),
                existing_nullable=False,
            )
        return
    # SQLite: recreating `users` (batch mode) fails once other tables' rows refer to its rows,
    # as foreign keys are enforced and can't be switched off inside the migration's transaction.
    # The CHECK's text is changed in place instead, SQLite's documented way to change a CHECK
    # that every stored row satisfies (sqlite.org/lang_altertable.html, "other changes").
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
    ).scalar_one()
    listed = ", ".join(f"'{role}'" for role in new)
    changed, found = re.subn(
        r"CHECK \(role IN \([^)]*\)\)", f"CHECK (role IN ({listed}))", table_sql
    )
    if found != 1:
        raise RuntimeError("users.role's CHECK constraint was not found")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'", (changed,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


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
