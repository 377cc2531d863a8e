"""The benefit form's chosen advocates: only those chosen are on the page (ticked), more are
added by typing a name the server resolves, and a name it can't resolve writes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.benefits.models import Benefit, BenefitAllowedAdvocate
from tests.factories import AccountFactory, AdvocateFactory, BenefitFactory
from tests.helpers import count, sign_in

BOARD = {"kind": "advisory_board", "title": "Advisory board", "eligibility": "chosen"}


def chosen(db, benefit) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(BenefitAllowedAdvocate.advocate_id).where(
                BenefitAllowedAdvocate.benefit_id == benefit.id
            )
        )
    )


def test_a_typed_name_adds_the_advocate_to_a_new_benefit(client, auth, db):
    jana = AdvocateFactory(name="Jana Novak", account=AccountFactory(name="Nordbank"))
    AdvocateFactory(name="Jana Novakova")
    sign_in(db, auth)
    response = client.post(
        "/program/benefits/new", data={**BOARD, "allowed_advocate_ids-text": "jana novak"}
    )
    assert response.status_code == 302
    assert chosen(db, db.session.scalars(sa.select(Benefit)).one()) == {jana.id}


def test_the_edit_page_holds_the_chosen_advocates_and_no_one_else(client, auth, db):
    jana = AdvocateFactory(name="Jana Novak", account=AccountFactory(name="Nordbank"))
    for n in range(5):
        AdvocateFactory(name=f"Someone Else {n}")
    benefit = BenefitFactory(kind="advisory_board", eligibility="chosen")
    db.session.add(BenefitAllowedAdvocate(benefit_id=benefit.id, advocate_id=jana.id))
    sign_in(db, auth)
    body = client.get(f"/program/benefits/{benefit.id}/edit").get_data(as_text=True)
    assert (
        f'<input checked class="form-check-input" id="allowed_advocate_ids-{jana.id}" '
        f'name="allowed_advocate_ids" type="checkbox" value="{jana.id}">'
    ) in body
    assert "Jana Novak (Nordbank)" in body
    assert "Someone Else" not in body
    assert 'data-lookup-url="/program/lookup/advocates?active=1"' in body


def test_unticked_advocates_leave_and_a_typed_one_joins(client, auth, db):
    jana, sam, kim = (AdvocateFactory(name=name) for name in ("Jana Novak", "Sam Lee", "Kim Park"))
    benefit = BenefitFactory(kind="advisory_board", eligibility="chosen")
    for advocate in (jana, sam):
        db.session.add(BenefitAllowedAdvocate(benefit_id=benefit.id, advocate_id=advocate.id))
    sign_in(db, auth)
    data = {
        **BOARD,
        "allowed_advocate_ids": [str(jana.id)],
        "allowed_advocate_ids-text": "KIM PARK",
    }
    assert client.post(f"/program/benefits/{benefit.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert chosen(db, benefit) == {jana.id, kim.id}


def test_an_unknown_or_inactive_name_is_refused_and_nothing_changes(client, auth, db):
    jana = AdvocateFactory(name="Jana Novak")
    AdvocateFactory(name="Pat Paused", status="paused")
    benefit = BenefitFactory(kind="advisory_board", eligibility="chosen", title="Board")
    db.session.add(BenefitAllowedAdvocate(benefit_id=benefit.id, advocate_id=jana.id))
    sign_in(db, auth)
    before = count(db, AuditEvent)
    for typed, why in (
        ("Nobody Known", "No active advocate is called “Nobody Known”."),
        ("pat paused", "No active advocate is called “pat paused”."),
    ):
        data = {
            **BOARD,
            "title": "Renamed",
            "allowed_advocate_ids": [str(jana.id)],
            "allowed_advocate_ids-text": typed,
        }
        response = client.post(f"/program/benefits/{benefit.id}/edit", data=data)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert f'id="allowed_advocate_ids-error">{why}' in body
        assert f'value="{typed}"' in body  # kept, as is the ticked advocate
        assert f'id="allowed_advocate_ids-{jana.id}"' in body
    db.session.expire_all()
    assert chosen(db, benefit) == {jana.id}
    assert db.session.get(Benefit, benefit.id).title == "Board"
    assert count(db, AuditEvent) == before
    refused_new = client.post(
        "/program/benefits/new", data={**BOARD, "allowed_advocate_ids-text": "Nobody Known"}
    )
    assert refused_new.status_code == 422 and count(db, Benefit) == 1


def test_a_chosen_list_left_empty_is_refused(client, auth, db):
    sign_in(db, auth)
    response = client.post("/program/benefits/new", data=BOARD)
    assert response.status_code == 422
    assert 'id="allowed_advocate_ids-error">Choose at least one advocate.' in response.get_data(
        as_text=True
    )
    assert count(db, Benefit) == 0
