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
