"""Failed sign-ins, lock-outs and sign-outs are in the audit log (and never a password)."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from tests.factories import UserFactory


def events(db, action):
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_failed_sign_in_is_audited_for_the_user_without_the_password(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com", "a wrong guess 123")
    [event] = events(db, "user.sign_in_failed")
    assert (event.entity, event.entity_id, event.actor_id) == ("users", user.id, None)
    assert event.data == {"email": "mia@example.com", "reason": "password"}
    assert "a wrong guess 123" not in str(event.data)


def test_failed_sign_in_for_an_unknown_address_records_the_address_but_no_user(db, client, auth):
    auth.login("  NoBody@Example.com ", "a wrong guess 123")
    [event] = events(db, "user.sign_in_failed")
    assert (event.entity, event.entity_id) == ("users", None)
    assert event.data["email"] == "nobody@example.com"


def test_lock_out_is_audited_once_per_window_not_per_attempt(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    for _ in range(10):
        auth.login("mia@example.com", "a wrong guess 123")
    assert events(db, "user.locked_out") == []
    assert auth.login("mia@example.com", "a wrong guess 123").status_code == 429
    first = events(db, "user.locked_out")
    assert first and {e.data["scope"] for e in first} <= {"client", "address"}
    assert {e.entity_id for e in first} == {user.id}
    for _ in range(3):
        assert auth.login("mia@example.com", "a wrong guess 123").status_code == 429
    assert len(events(db, "user.locked_out")) == len(first)


def test_sign_out_is_audited(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    auth.logout()
    [event] = events(db, "user.signed_out")
    assert event.actor_id == user.id
