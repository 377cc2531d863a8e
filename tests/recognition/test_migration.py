"""The executive role migration widens users.role's CHECK list; its downgrade narrows it, and
refuses while executives exist."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import make_app

INSERT = (
    "INSERT INTO users (email, name, role, timezone, active, created_at, updated_at)"
    " VALUES (:email, 'Eve', :role, 'UTC', true, '2026-12-01', '2026-12-01')"
)


def test_users_role_check_admits_executive_only_after_the_migration(empty_database_url, caplog):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="a8b9c0d1e2f3")
        with db.engine.begin() as conn:  # a row that refers to a user
            conn.execute(sa.text(INSERT), {"email": "ann@example.com", "role": "manager"})
            conn.execute(
                sa.text(
                    "INSERT INTO notification_settings (user_id, event_type, channel)"
                    " SELECT id, 'ask_answered', 'email' FROM users"
                )
            )
        upgrade(revision="a9b0c1d2e3f4")
        with db.engine.connect() as conn:  # the rows referring to users are all still there
            kept = conn.execute(sa.text("SELECT count(*) FROM notification_settings")).scalar()
        assert kept == 1
        with db.engine.begin() as conn:
            conn.execute(sa.text(INSERT), {"email": "eve@example.com", "role": "executive"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(INSERT), {"email": "bad@example.com", "role": "emperor"})

        # An executive would change powers with any older role: the downgrade refuses, and
        # changes nothing, until the administrator has decided.
        with pytest.raises(SystemExit):  # Flask-Migrate logs the reason and exits
            downgrade(revision="a8b9c0d1e2f3")
        assert "1 user(s) have the executive role" in caplog.text
        with db.engine.connect() as conn:
            roles = dict(conn.execute(sa.text("SELECT email, role FROM users")).all())
        assert roles == {"ann@example.com": "manager", "eve@example.com": "executive"}

        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET role = 'manager' WHERE role = 'executive'"))
        downgrade(revision="a8b9c0d1e2f3")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(INSERT), {"email": "eve2@example.com", "role": "executive"})
        db.engine.dispose()
