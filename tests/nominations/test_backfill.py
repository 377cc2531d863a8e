"""The nominations migration fills in where each existing nomination came from."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from tests.conftest import make_app

BEFORE = "a7b8c9d0e1f2"
NOMINATIONS = "a8b9c0d1e2f3"
AT = "2026-01-01 00:00:00+00"


def test_existing_advocates_get_their_nomination_source(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for uid, role in ((1, "csm"), (2, "requester"), (3, "manager")):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, email, name, role, timezone, active, created_at,"
                        " updated_at) VALUES (:id, :email, 'U', :role, 'UTC', true, :at, :at)"
                    ),
                    {"id": uid, "email": f"u{uid}@example.com", "role": role, "at": AT},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO accounts (id, name, industry, segment, region, status, products,"
                    " created_at, updated_at) VALUES (1, 'Nordbank', 'banking', 'enterprise',"
                    " 'emea', 'active', '[]', :at, :at)"
                ),
                {"at": AT},
            )
            # advocate id -> nominated by; 4 has no `advocate.created` event (an import)
            for aid, by in ((1, 1), (2, 2), (3, 3), (4, 3)):
                conn.execute(
                    sa.text(
                        "INSERT INTO advocates (id, account_id, name, email, products, use_cases,"
                        " languages, timezone, status, nominated_by_id, activity_types,"
                        " preferred_contact, created_at, updated_at) VALUES (:id, 1, 'A',"
                        " :email, '[]', '[]', '[]', 'UTC', 'nominated', :by, '[]', 'email', :at,"
                        " :at)"
                    ),
                    {"id": aid, "email": f"a{aid}@nordbank.example", "by": by, "at": AT},
                )
                if aid != 4:
                    conn.execute(
                        sa.text(
                            "INSERT INTO audit_events (actor_id, action, entity, entity_id, data,"
                            " at) VALUES (:by, 'advocate.created', 'advocates', :id, '{}', :at)"
                        ),
                        {"id": aid, "by": by, "at": AT},
                    )
        upgrade(revision=NOMINATIONS)
        sources = dict(
            db.session.execute(sa.text("SELECT id, nomination_source FROM advocates")).all()
        )
        assert sources == {1: "csm", 2: "requester", 3: "program", 4: "import"}
        db.session.remove()
        db.engine.dispose()
