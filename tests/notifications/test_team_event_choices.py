"""The messages of issue 20's team features are event types people choose for, like the rest:
a CSM who wants nominations in the portal only gets no e-mail, and each role sees its choices."""

from __future__ import annotations

import sqlalchemy as sa

from portal.nominations import service as nominations
from portal.notifications import settings
from portal.notifications.models import Notification, NotificationSetting, OutboxMessage
from tests.factories import AccountFactory, UserFactory


def test_a_csm_who_chose_in_app_hears_of_a_nomination_without_an_email(db):
    csm = UserFactory(role="csm", email="carla@example.com")
    rep = UserFactory(role="requester", team="sales", name="Sam Sales")
    account = AccountFactory(name="Nordbank AG", domain="nordbank.example", csm=csm)
    db.session.add(
        NotificationSetting(user_id=csm.id, event_type="nomination_received", channel="in_app")
    )
    nominations.nominate_contact(
        rep,
        {
            "account": account.name,
            "name": "Petra Payments",
            "email": "petra@nordbank.example",
            "reason": "Cut fraud losses by half with us.",
        },
    )
    db.session.commit()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.recipient == csm.email))
        == 0
    )
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == csm.id))
    assert note.event_type == "nomination_received"


def test_each_role_sees_the_choices_of_its_messages(db):
    executive = UserFactory(role="executive")
    csm = UserFactory(role="csm")
    requester = UserFactory(role="requester")
    assert "executive_summary" in settings.event_types_for(executive)
    assert "nomination_received" in settings.event_types_for(csm)
    assert "nomination_received" not in settings.event_types_for(requester)
    assert "work_shared" in settings.event_types_for(requester)
    for template in ("work_shared_added", "work_shared_joined", "work_shared_completed"):
        assert settings.event_type_of(template) == "work_shared"
    assert settings.event_type_of("nomination_objection_decided") == "nomination_received"
