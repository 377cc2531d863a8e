"""Helpers the page tests share: sign in as a new user, count a table's rows."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import UserFactory


def sign_in(db, auth, role="manager", **kwargs):
    """Sign in (through the sign-in page) as a new user with `role`; return the user."""
    user = UserFactory(role=role, **kwargs)
    db.session.commit()
    auth.login(user.email)
    return user


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def delivered_text(message) -> str:
    """The text of an outbox e-mail as its recipient gets it: delivery fills in the live links
    that the stored text only holds stand-ins for."""
    from portal.notifications.transports import build_email

    return build_email(message, "portal@example.com").get_body(("plain",)).get_content()


# A test's HTTP server thread runs `serve_forever(**QUICK_STOP)`: `shutdown()` waits for the
# loop's next look at its flag, half a second by default, on every test that stops a server.
QUICK_STOP = {"poll_interval": 0.02}


def match_rows_differ() -> set:
    """The rows on which the narrow match rows (`MatchRow`) and the eligibility rows they copy
    disagree, as stored (each side's rows no other holds); empty when they agree."""
    from portal.asks.models import AdvocateEligibility, MatchRow
    from portal.extensions import db

    wide, narrow = AdvocateEligibility.__table__, MatchRow.__table__
    names = [column.name for column in narrow.c if column.name != "points"]
    found = [
        set(db.session.execute(sa.select(*(table.c[name] for name in names))).all())
        for table in (wide, narrow)
    ]
    # points is fairness + standing
    found[1] |= set(
        db.session.execute(
            sa.select(narrow.c.advocate_id, narrow.c.points).where(
                narrow.c.points != narrow.c.fairness + narrow.c.standing
            )
        ).all()
    )
    return found[0] ^ found[1]
