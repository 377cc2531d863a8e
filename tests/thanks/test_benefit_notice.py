"""A benefit opens (created open, or opened again): every active advocate who may claim it hears,
in the portal and by e-mail as each chose, in the transaction of the change; never twice."""

from __future__ import annotations

import sqlalchemy as sa

from portal.benefits.catalog import create_benefit, set_benefit_status
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.settings import save_settings
from portal.thanks.models import AdvocateThanks
from tests.factories import AdvocateFactory, LedgerEntryFactory, UserFactory, advocate_with_login
from tests.queries import BoundValues


def _notice_recipients(db) -> list[str]:
    return sorted(
        db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.template == "benefit_opened")
        )
    )


def _points(advocate, points):
    LedgerEntryFactory(advocate=advocate, delta=points)


def test_only_eligible_advocates_hear_of_a_new_benefit(db):
    manager = UserFactory(role="manager")
    rich, rich_user = advocate_with_login(email="rich@customer.example")
    _points(rich, 200)
    poor, _ = advocate_with_login(email="poor@customer.example")
    _points(poor, 50)
    paused = AdvocateFactory(email="paused@customer.example", status="paused")
    _points(paused, 500)
    no_login = AdvocateFactory(email="nologin@customer.example")
    _points(no_login, 100)
    db.session.commit()

    benefit = create_benefit(
        manager, {"kind": "conference_pass", "title": "Summit pass", "points_cost": 100}
    )
    db.session.commit()
    assert _notice_recipients(db) == ["nologin@customer.example", "rich@customer.example"]
    [message] = [
        m
        for m in db.session.scalars(sa.select(OutboxMessage))
        if m.recipient == "rich@customer.example"
    ]
    assert message.subject == "New for you: Summit pass"
    assert "It costs 100 points." in message.body_text
    assert f"/benefits/{benefit.id}\n" in message.body_text
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == rich_user.id))
    assert [(n.event_type, n.link) for n in notes] == [
        ("benefit_opened", f"/benefits/{benefit.id}")
    ]

    # Closed and opened again: the same advocates are not told twice; one who can now is.
    set_benefit_status(manager, benefit, "closed")
    _points(poor, 60)
    set_benefit_status(manager, benefit, "open")
    db.session.commit()
    assert _notice_recipients(db) == [
        "nologin@customer.example",
        "poor@customer.example",
        "rich@customer.example",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdvocateThanks)) == 3


def test_eligibility_rules_of_the_benefit_apply(db):
    manager = UserFactory(role="manager")
    chosen, _ = advocate_with_login(email="chosen@customer.example")
    advocate_with_login(email="other@customer.example")
    create_benefit(
        manager,
        {
            "kind": "advisory_board",
            "title": "Advisory board seat",
            "eligibility": "chosen",
            "allowed_advocate_ids": [chosen.id],
        },
    )
    create_benefit(
        manager,
        {"kind": "training", "title": "Veterans' training", "eligibility": "min_completed",
         "min_completed": 1},
    )  # fmt: skip
    db.session.commit()
    assert _notice_recipients(db) == ["chosen@customer.example"]


def test_an_advocate_who_chose_in_app_only_gets_no_email(db):
    manager = UserFactory(role="manager")
    _, user = advocate_with_login(email="quiet@customer.example")
    save_settings(user, {"benefit_opened": "in_app"})
    db.session.commit()
    create_benefit(manager, {"kind": "training", "title": "Free training"})
    db.session.commit()
    assert _notice_recipients(db) == []
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))
    assert [n.event_type for n in notes] == ["benefit_opened"]


def test_the_notices_commit_with_the_change_or_not_at_all(db):
    manager = UserFactory(role="manager")
    advocate_with_login()
    db.session.commit()
    create_benefit(manager, {"kind": "training", "title": "Never saved"})
    db.session.rollback()
    assert _notice_recipients(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdvocateThanks)) == 0


def test_a_notice_to_thousands_of_advocates_binds_no_list_of_them_whole(db):
    """PostgreSQL refuses a statement with more than 65,535 bound values: telling a program of
    that many advocates of a new benefit must read them with subqueries, and its recipients in
    slices. Here 2,500 advocates hear, and no statement binds more than a thousand values."""
    from portal.advocates.models import Advocate
    from portal.benefits.models import LedgerEntry
    from tests.factories import AccountFactory

    manager = UserFactory(role="manager")
    account = AccountFactory()
    db.session.commit()
    db.session.execute(
        sa.insert(Advocate),
        [
            {
                "account_id": account.id,
                "name": f"Advocate {n}",
                "email": f"many{n}@customer.example",
                "status": "active",
            }
            for n in range(2_500)
        ],
    )
    ids = db.session.scalars(sa.select(Advocate.id).where(Advocate.email.like("many%"))).all()
    db.session.execute(
        sa.insert(LedgerEntry),
        [{"advocate_id": i, "delta": 20, "reason": "adjustment"} for i in ids],
    )
    db.session.commit()
    with BoundValues(db.engine) as bound:
        create_benefit(
            manager, {"kind": "conference_pass", "title": "Summit pass", "points_cost": 10}
        )
        db.session.commit()
    assert len(_notice_recipients(db)) == 2_500
    assert bound.widest <= 1_010  # a thousand ids, and the statement's own few values
