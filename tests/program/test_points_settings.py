"""Administrators set the points each completed activity earns; every change is audited."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.program.service import DEFAULTS, get_setting
from tests.factories import UserFactory


def form_with(**changes):
    data = {k: str(v) for k, v in DEFAULTS["points_by_activity"].items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_admin_changes_points_and_it_is_audited(db, client, auth):
    UserFactory(email="adm@example.com", role="admin")
    db.session.commit()
    auth.login("adm@example.com")
    assert client.get("/admin/settings/points").status_code == 200
    response = client.post("/admin/settings/points", data=form_with(reference_call=75))
    assert response.status_code == 302
    db.session.expire_all()
    assert get_setting("points_by_activity")["reference_call"] == 75
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    )
    assert event.data["key"] == "points_by_activity"
    assert event.data["to"]["reference_call"] == 75


def test_negative_or_missing_points_are_refused_at_the_field(db, client, auth):
    UserFactory(email="adm@example.com", role="admin")
    db.session.commit()
    auth.login("adm@example.com")
    bad = client.post("/admin/settings/points", data=form_with(quote=-5, webinar=""))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="quote-error"' in page and 'id="webinar-error"' in page
    db.session.expire_all()
    assert get_setting("points_by_activity") == DEFAULTS["points_by_activity"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1  # sign-in


def test_only_administrators_may_change_points(db, client, auth):
    UserFactory(email="mgr@example.com", role="manager")
    db.session.commit()
    auth.login("mgr@example.com")
    assert client.post("/admin/settings/points", data=form_with(quote=1)).status_code == 403
