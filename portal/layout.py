"""What every signed-in page's layout shows besides the page itself: the program's name, the
viewer's unread notification count, and (for an advocate) the language they chose.

Both are read in the statement that loads the signed-in user (`auth.session.load_user`), so a
page spends no statement of its own on its frame. Each is kept for the rest of the request where
its owner reads it (`policy.program_name`, `inapp.unread_count`), and dropped there when the
request changes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context

from portal import i18n
from portal.notifications import inapp
from portal.program import policy


def columns(user_id) -> tuple:
    """The layout's facts as scalar subqueries beside the user's row (`user_id`: its column)."""
    from portal.advocates.models import Advocate

    chosen_locale = sa.select(Advocate.locale).where(Advocate.user_id == user_id)
    return (
        policy.program_name_column(),
        inapp.unread_count_column(user_id),
        chosen_locale.scalar_subquery(),
    )


def remember(user, stored_name, unread, locale=None) -> None:
    """Keep the facts read with `user` for the rest of this request."""
    if not has_request_context():
        return
    policy.remember_program_name(stored_name)
    inapp.remember_unread_count(user, int(unread or 0))
    i18n.remember_advocate_locale(locale)
