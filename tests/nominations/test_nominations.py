"""Nominations from everyone: a requester nominates, the account's CSM is told and may object,
an objection holds the invitation until the program team decides, My nominations shows what
became of each; duplicates never make a second advocate; every change is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.nominations import service
from portal.nominations.models import NominationObjection
from portal.notifications.models import Notification, OutboxMessage
from portal.program.service import set_setting
from portal.recruiting import pipeline as recruiting
from portal.recruiting.models import Referenceability
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import delivered_text


@pytest.fixture
def setting(db):
    csm = UserFactory(role="csm", name="Carla CSM", email="carla@example.com")
    rep = UserFactory(role="requester", team="sales", name="Sam Sales")
    manager = UserFactory(role="manager", name="Mia Manager")
    account = AccountFactory(name="Nordbank AG", domain="nordbank.example", csm=csm)
    return csm, rep, manager, account


def _nominate(rep, on, **extra):
    data = {
        "account": on.name,
        "name": "Petra Payments",
        "email": "Petra@Nordbank.example",
        "title": "Head of Payments",
        "reason": "Cut fraud losses by half with us; loves to talk about it.",
    }
    data.update(extra)
    return service.nominate_contact(rep, data)


def test_a_requester_nominates_a_contact_and_the_csm_is_told(db, setting):
    csm, rep, _, account = setting
    advocate = _nominate(rep, account)
    db.session.commit()
    assert advocate.status == "nominated"
    assert advocate.nominated_by_id == rep.id
    assert advocate.nomination_source == "requester"
    assert advocate.email == "petra@nordbank.example"
    assert advocate.account_id == account.id
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "nomination_received")
    )
    assert mail.recipient == csm.email
    text = delivered_text(mail)
    assert "Sam Sales nominated Petra Payments" in text
    assert f"/nominations/{advocate.id}/object" in text
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == csm.id))
    assert note.title == "New nomination at Nordbank AG: Petra Payments"
    assert note.link == f"/nominations/{advocate.id}/object"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.created", AuditEvent.entity_id == advocate.id)
        .order_by(AuditEvent.id)
    )
    assert event.actor_id == rep.id
    assert event.data["nomination_source"] == "requester"


def test_a_csm_nominating_at_their_own_account_is_not_told_and_is_source_csm(db, setting):
    csm, _, _, account = setting
    advocate = _nominate(csm, account)
    assert advocate.nomination_source == "csm"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_program_team_nominates_as_program(db, setting):
    _, _, manager, account = setting
    assert _nominate(manager, account).nomination_source == "program"


def test_an_executive_or_advocate_may_not_nominate(db, setting):
    _, _, _, account = setting
    for role in ("advocate", "executive"):
        with pytest.raises(Forbidden):
            _nominate(UserFactory(role=role), account)


def test_the_account_is_picked_by_name_and_must_take_nominations(db, setting):
    _, rep, _, account = setting
    with pytest.raises(ValidationFailed) as refused:
        _nominate(rep, account, account="No Such Company")
    assert refused.value.fields == {
        "account": "No customer account by this name takes nominations."
    }
    retired = AccountFactory(name="Gone GmbH", status="do_not_contact")
    with pytest.raises(ValidationFailed) as refused:
        _nominate(rep, retired)
    assert "account" in refused.value.fields
    db.session.add(Referenceability(account_id=account.id, status="not_referenceable", reason="x"))
    db.session.flush()
    with pytest.raises(ValidationFailed):
        _nominate(rep, account)
    assert service.suggest_account_names(rep, "Nordbank") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0


def test_a_part_of_the_name_that_names_one_account_is_enough(db, setting):
    _, rep, _, account = setting
    assert _nominate(rep, account, account="  nordBANK ").account_id == account.id
    AccountFactory(name="Nordbank Leasing GmbH")
    with pytest.raises(ValidationFailed) as refused:
        _nominate(rep, account, account="nordbank", email="other@nordbank.example")
    assert refused.value.fields["account"].startswith(
        "Several accounts match: Nordbank AG, Nordbank Leasing GmbH."
    )
    assert service.suggest_account_names(rep, "bank") == ["Nordbank AG", "Nordbank Leasing GmbH"]
    assert service.suggest_account_names(rep, "Nord%") == []  # a wildcard is a plain character


def test_bad_input_names_each_field_and_writes_nothing(db, setting):
    _, rep, _, account = setting
    with pytest.raises(ValidationFailed) as refused:
        _nominate(rep, account, name="", email="not-an-address", reason="  ")
    assert set(refused.value.fields) == {"name", "email", "reason"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_known_email_is_never_a_second_advocate(db, setting):
    _, rep, _, account = setting
    AdvocateFactory(account=account, email="petra@nordbank.example")
    with pytest.raises(DomainError) as refused:
        _nominate(rep, account)
    assert refused.value.status == 409
    assert "already known" in refused.value.fields["email"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 1


# Objections ---------------------------------------------------------------------------------


def test_an_objection_blocks_the_invitation_until_overruled(db, setting):
    csm, rep, manager, account = setting
    advocate = _nominate(rep, account)
    objection = service.object_to_nomination(csm, advocate, "Renewal at risk this quarter.")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        recruiting.invite_advocate(manager, advocate)
    assert "objected (Renewal at risk this quarter.)" in refused.value.message
    db.session.rollback()
    assert advocate.status == "nominated"
    # The board's move and an edit of the status (page, API PATCH) are refused as well.
    with pytest.raises(DomainError):
        recruiting.move_advocate(manager, advocate, "invited")
    db.session.rollback()
    with pytest.raises(DomainError):
        advocates_service.update_advocate(manager, advocate, {"status": "invited"})
    db.session.rollback()
    with pytest.raises(ValidationFailed):  # overruling needs a note
        service.overrule_objection(manager, objection, None)
    db.session.rollback()
    service.overrule_objection(manager, objection, "Spoke to Carla: the renewal signed.")
    db.session.commit()
    assert objection.resolution == "overruled"
    assert objection.resolved_by_id == manager.id
    recruiting.invite_advocate(manager, advocate)
    db.session.commit()
    assert advocate.status == "invited"
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.entity == "advocates", AuditEvent.entity_id == advocate.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[:3] == [
        "advocate.created",
        "nomination.objected",
        "nomination.objection_overruled",
    ]
    assert "advocate.invited" in actions
    told = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "nomination_objection_decided")
    )
    assert told.recipient == csm.email


def test_upholding_an_objection_declines_the_nominee_with_the_reason(db, setting):
    csm, rep, manager, account = setting
    advocate = _nominate(rep, account)
    objection = service.object_to_nomination(csm, advocate, "Open escalation.")
    service.uphold_objection(manager, objection)
    db.session.commit()
    assert advocate.status == "declined"
    assert objection.resolution == "upheld"
    moved = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.status_changed", AuditEvent.entity_id == advocate.id)
        .order_by(AuditEvent.id)
    )
    assert moved.data == {
        "from": "nominated",
        "to": "declined",
        "reason": "CSM objection upheld: Open escalation.",
    }
    with pytest.raises(DomainError):  # decided once
        service.overrule_objection(manager, objection, "No.")


def test_only_the_accounts_csm_objects_within_the_window_once(db, setting):
    csm, rep, manager, account = setting
    advocate = _nominate(rep, account)
    for other in (UserFactory(role="csm"), rep, manager):
        with pytest.raises(NotFound):
            service.object_to_nomination(other, advocate, "No.")
    with pytest.raises(ValidationFailed):
        service.object_to_nomination(csm, advocate, "")
    set_setting(manager, "nomination_objection_days", 2)
    late = advocate.created_at + dt.timedelta(days=2, minutes=1)
    with pytest.raises(DomainError) as refused:
        service.object_to_nomination(csm, advocate, "Too late.", now=late)
    assert "time to object has passed" in refused.value.message
    service.object_to_nomination(csm, advocate, "In time.", now=now_utc())
    with pytest.raises(DomainError) as refused:
        service.object_to_nomination(csm, advocate, "Again.")
    assert "already objected" in refused.value.message
    # A CSM's own nomination is not theirs to object to.
    own = _nominate(csm, account, email="own@nordbank.example")
    with pytest.raises(NotFound):
        service.object_to_nomination(csm, own, "Mine.")


def test_the_objection_window_setting_is_checked(db, setting):
    _, _, manager, _ = setting
    for bad in (0, 31, "5", None):
        with pytest.raises(ValidationFailed):
            set_setting(manager, "nomination_objection_days", bad)
    with pytest.raises(ValidationFailed):
        set_setting(manager, "self_nomination_enabled", "yes")
    set_setting(manager, "nomination_objection_days", 10)


# What became of them ------------------------------------------------------------------------


def test_my_nominations_show_each_stage_and_only_my_own(db, setting):
    csm, rep, manager, account = setting
    waiting = _nominate(rep, account, email="a@nordbank.example", name="Ann")
    held = _nominate(rep, account, email="b@nordbank.example", name="Ben")
    invited = _nominate(rep, account, email="c@nordbank.example", name="Cleo")
    _nominate(UserFactory(role="requester"), account, email="d@nordbank.example", name="Dan")
    service.object_to_nomination(csm, held, "Not now.")
    recruiting.invite_advocate(manager, invited)
    db.session.commit()
    advocates = db.session.scalars(service.nominations_query(rep)).all()
    rows = {row.advocate.name: row for row in service.rows_of(advocates)}
    assert set(rows) == {"Ann", "Ben", "Cleo"}
    assert rows["Ann"].stage == "nominated"
    assert rows["Ben"].stage == "objected"
    assert rows["Cleo"].stage == "invited"
    assert rows["Ann"].at == waiting.created_at
    only_held = db.session.scalars(service.nominations_query(rep, stage="objected")).all()
    assert [a.name for a in only_held] == ["Ben"]
    everyone = db.session.scalars(service.nominations_query(manager, everyone=True)).all()
    assert len(everyone) == 4
    # A requester asking for everyone's still gets their own.
    assert len(db.session.scalars(service.nominations_query(rep, everyone=True)).all()) == 3
    assert service.nominator_label(waiting) == "Sam Sales (Sales)"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NominationObjection)) == 1


def test_a_persons_nominations_are_read_newest_first_from_an_index(db):
    """A CSM may have nominated thousands: a page of theirs reads the index in order instead
    of sorting them all."""
    indexes = sa.inspect(db.engine).get_indexes("advocates")
    assert ["nominated_by_id", "created_at", "id"] in [i["column_names"] for i in indexes]
    if db.engine.dialect.name == "sqlite":
        csm = UserFactory(role="csm")
        db.session.commit()
        statement = service.nominations_query(csm).limit(50)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[-1] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "ix_advocates_nominated_by_created" in plan and "TEMP B-TREE" not in plan
