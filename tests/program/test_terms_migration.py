"""The terms migration keeps what a running program already holds: the text advocates read
becomes a published version, and every recorded consent becomes an acceptance."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import make_app

BEFORE = "c17a0e3b5d21"
TERMS = "c28b1f4c6e32"


def _row(table: str, json: tuple = (), **columns):
    types = {k: sa.JSON if isinstance(v, list) or k in json else None for k, v in columns.items()}
    target = sa.table(table, *(sa.column(k, types[k]) for k in columns))
    db.session.execute(sa.insert(target).values(**columns))


def test_upgrade_seeds_the_text_and_backfills_acceptances_and_downgrade_removes_them(
    empty_database_url,
):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        now = dt.datetime(2026, 3, 1, 9, 30)
        _row(
            "accounts", id=1, name="Nordbank", industry="banking", segment="enterprise",
            region="emea", status="active", products=[], created_at=now, updated_at=now,
        )  # fmt: skip
        for advocate_id, version, at in ((1, "2026-01", now), (2, None, None), (3, "2026-07", now)):
            _row(
                "advocates", id=advocate_id, account_id=1, name=f"A{advocate_id}",
                email=f"a{advocate_id}@nordbank.example", products=[], use_cases=[],
                languages=[], timezone="UTC", status="active" if at else "invited",
                activity_types=[], preferred_contact="email", created_at=now, updated_at=now,
                consent_at=at, consent_version=version,
            )  # fmt: skip
        # The program had moved on to 2026-07 (by hand: the text was the same for every version).
        _row(
            "program_settings",
            ("value",),
            key="terms_version",
            value="2026-07",
            created_at=now,
            updated_at=now,
        )
        db.session.commit()

        upgrade(revision=TERMS)
        versions = db.session.execute(
            sa.text("SELECT version, status, body_markdown FROM terms_versions ORDER BY id")
        ).all()
        assert [(v, s) for v, s, _ in versions] == [
            ("2026-01", "published"),
            ("2026-07", "published"),
        ]
        assert "## What we ask of you" in versions[0][2] and versions[0][2] == versions[1][2]
        accepted = db.session.execute(
            sa.text(
                "SELECT advocate_id, version, accepted_at, user_id FROM terms_acceptances "
                "ORDER BY advocate_id"
            )
        ).all()
        assert [(a, v, u) for a, v, _, u in accepted] == [
            (1, "2026-01", None),
            (3, "2026-07", None),
        ]
        assert all(str(at).startswith("2026-03-01 09:30") for _, _, at, _ in accepted)
        db.session.commit()

        downgrade(revision=BEFORE)
        tables = set(sa.inspect(db.engine).get_table_names())
        assert not {"terms_versions", "terms_acceptances"} & tables
        assert db.session.execute(sa.text("SELECT count(*) FROM advocates")).scalar() == 3
        db.session.remove()
        db.engine.dispose()
