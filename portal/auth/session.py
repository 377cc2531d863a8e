"""Flask-Login's user loader."""

from __future__ import annotations

from portal.auth.models import User
from portal.extensions import db


def load_user(user_id: str) -> User | None:
    """The signed-in user; a deactivated user's session ends at their next request."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None
