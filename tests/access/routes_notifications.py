"""Access matrix rows for notifications, notification settings and calendar feeds."""

from __future__ import annotations

from portal.extensions import db
from portal.notifications import calendar
from portal.notifications.models import Notification
from tests.access.common import expect

ROUTES = [
    ("GET", "/notifications/", expect(200, executive=200)),
    ("GET", "/notifications/settings", expect(200, executive=200)),
    ("GET", "/notifications/calendar", expect(200, executive=200)),
    # The feed needs no session: the token is the key (the advocate's feed here).
    ("GET", "/calendar/feed/{feed_token}.ics", expect(200, anonymous=200, executive=200)),
    # Only the owner marks a notification (the advocate's here); others get 404.
    (
        "POST",
        "/notifications/{advocate_notification}/read",
        expect(404, advocate=302, executive=404),
    ),
    ("POST", "/notifications/read-all", expect(302, executive=302)),
    # Sent empty: every choice missing, refused with the form again.
    ("POST", "/notifications/settings", expect(422, executive=422)),
    ("POST", "/notifications/calendar/regenerate", expect(302, executive=302)),
    ("POST", "/notifications/calendar/revoke", expect(302, executive=302)),
]


def make_ids(users, ids) -> dict:
    advocate = users["advocate"]
    note = Notification(user_id=advocate.id, event_type="ask_placed", title="Test", link="/me/")
    db.session.add(note)
    db.session.flush()
    return {"advocate_notification": note.id, "feed_token": calendar.regenerate_feed(advocate)}
