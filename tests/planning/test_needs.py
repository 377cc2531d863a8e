"""Planned needs and initiatives: who may plan what, checked input, audit, and the pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db as _db
from portal.planning import gap, initiatives, months, needs
from portal.planning.models import Initiative, PlannedNeed
from tests.factories import AdvocateFactory, UserFactory

SOON = (dt.date.today() + dt.timedelta(days=10)).isoformat()


def _data(**overrides) -> dict:
    return {
        "title": "Q1 launch: banking calls",
        "activity_type": "reference_call",
        "count_needed": 5,
        "needed_by": SOON,
        **overrides,
    }


def _actions(entity_id: int) -> list[str]:
    return list(
        _db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity == "planned_needs", AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_requester_plans_a_need_owned_by_them_for_their_team(db):
    pr_lead = UserFactory(role="requester", team="pr")
    need = needs.create_need(pr_lead, _data(industry="banking", segment="enterprise"))
    db.session.commit()
    assert (need.owner_id, need.owner_team, need.created_by_id) == (pr_lead.id, "pr", pr_lead.id)
    assert (need.industry, need.segment, need.region) == ("banking", "enterprise", None)
    assert _actions(need.id) == ["planned_need.created"]


def test_customer_success_and_the_program_team_plan_for_their_own_team(db):
    csm = UserFactory(role="csm")
    manager = UserFactory(role="manager")
    assert needs.create_need(csm, _data()).owner_team == "csm"
    assert needs.create_need(manager, _data()).owner_team == "program"


def test_a_requester_may_not_plan_for_someone_else(db):
    seller = UserFactory(role="requester", team="sales")
    colleague = UserFactory(role="requester", team="sales")
    with pytest.raises(ValidationFailed) as refused:
        needs.create_need(seller, _data(owner_id=colleague.id))
    assert "owner_id" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count(PlannedNeed.id))) == 0


def test_the_program_team_plans_for_a_requester_and_edits_every_need(db):
    manager = UserFactory(role="manager")
    seller = UserFactory(role="requester", team="sales")
    need = needs.create_need(manager, _data(owner_id=seller.id))
    assert (need.owner_id, need.owner_team) == (seller.id, "sales")
    own = needs.create_need(seller, _data())
    needs.update_need(manager, own, {"count_needed": 7})
    db.session.commit()
    assert own.count_needed == 7
    assert _actions(own.id) == ["planned_need.created", "planned_need.updated"]


def test_a_requester_changes_only_their_own_needs(db):
    seller = UserFactory(role="requester", team="sales")
    pr_lead = UserFactory(role="requester", team="pr")
    theirs = needs.create_need(pr_lead, _data())
    with pytest.raises(Forbidden):
        needs.update_need(seller, theirs, {"count_needed": 1})
    with pytest.raises(Forbidden):
        needs.delete_need(seller, theirs)
    needs.update_need(pr_lead, theirs, {"count_needed": 2, "notes": "Two will do."})
    assert theirs.count_needed == 2
    needs.delete_need(pr_lead, theirs)
    db.session.commit()
    assert db.session.get(PlannedNeed, theirs.id) is None
    assert _actions(theirs.id)[-1] == "planned_need.deleted"


def test_an_executive_reads_the_plan_but_never_plans(db):
    executive = UserFactory(role="executive")
    manager = UserFactory(role="manager")
    need = needs.create_need(manager, _data())
    assert needs.get_need(executive, need.id) is need
    with pytest.raises(Forbidden):
        needs.create_need(executive, _data())
    with pytest.raises(Forbidden):
        needs.update_need(executive, need, {"count_needed": 1})
    with pytest.raises(Forbidden):
        initiatives.create_initiative(executive, {"kind": "launch", "name": "X"})


def test_an_advocate_sees_no_plan(db):
    advocate = UserFactory(role="advocate")
    with pytest.raises(Forbidden):
        gap.plan_gap(advocate, {}, dt.date(2030, 1, 1), dt.date(2030, 3, 1))


def test_bad_input_names_every_field_and_writes_nothing(db):
    manager = UserFactory(role="manager")
    advocate_user = UserFactory(role="advocate")
    with pytest.raises(ValidationFailed) as refused:
        needs.create_need(
            manager,
            {
                "title": "<script>x</script>",
                "activity_type": "poem",
                "count_needed": 0,
                "needed_by": "soon",
                "industry": "piracy",
                "segment": "huge",
                "region": "mars",
                "product": "time_machine",
                "owner_team": "marketing",
                "initiative_id": 999_999,
                "owner_id": advocate_user.id,
                "colour": "red",
            },
        )
    assert set(refused.value.fields) == {
        "title",
        "activity_type",
        "count_needed",
        "needed_by",
        "industry",
        "segment",
        "region",
        "product",
        "owner_team",
        "initiative_id",
        "owner_id",
        "colour",
    }
    assert db.session.scalar(sa.select(sa.func.count(PlannedNeed.id))) == 0


def test_a_requester_without_a_team_must_name_one(db):
    seller = UserFactory(role="requester", team=None)
    with pytest.raises(ValidationFailed) as refused:
        needs.create_need(seller, _data())
    assert "owner_team" in refused.value.fields
    assert needs.create_need(seller, _data(owner_team="events")).owner_team == "events"


def test_removing_an_initiative_keeps_its_needs(db):
    manager = UserFactory(role="manager")
    launch = initiatives.create_initiative(
        manager,
        {"kind": "launch", "name": "Pay 2", "starts_on": "2030-01-01", "ends_on": "2030-03-31"},
    )
    need = needs.create_need(manager, _data(initiative_id=launch.id))
    db.session.commit()
    assert initiatives.needs_per_initiative() == {launch.id: 1}
    initiatives.delete_initiative(manager, launch)
    db.session.commit()
    db.session.refresh(need)
    assert need.initiative_id is None
    assert db.session.get(Initiative, launch.id) is None


def test_an_initiative_ending_before_it_starts_is_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        initiatives.create_initiative(
            UserFactory(role="manager"),
            {"kind": "launch", "name": "X", "starts_on": "2030-03-01", "ends_on": "2030-01-01"},
        )
    assert set(refused.value.fields) == {"ends_on"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"from": "2030-13"}, "from"),
        ({"from": "2030-03", "to": "2030-01"}, "to"),
        ({"from": "2030-01", "to": "2032-12"}, "to"),
        ({"to": "next"}, "to"),
    ],
)
def test_a_bad_month_range_is_refused_naming_the_field(values, field):
    with pytest.raises(ValidationFailed) as refused:
        months.check_range(values, dt.date(2030, 1, 15))
    assert field in refused.value.fields


def test_the_default_range_is_this_month_and_the_two_after():
    assert months.check_range({}, dt.date(2030, 11, 15)) == (
        dt.date(2030, 11, 1),
        dt.date(2031, 1, 1),
    )
    assert months.check_range({"from": "2030-05"}, dt.date(2030, 1, 1)) == (
        dt.date(2030, 5, 1),
        dt.date(2030, 7, 1),
    )


# Pages ------------------------------------------------------------------------------------------


def test_a_requester_plans_a_need_on_the_page_and_sees_it_on_the_plan(client, auth, db):
    seller = UserFactory(role="requester", team="sales", email="seller@example.com")
    AdvocateFactory(activity_types=["reference_call"])  # banking, 2 a month by default
    db.session.commit()
    auth.login(seller.email)
    form = client.get("/planning/needs/new").get_data(as_text=True)
    assert 'name="owner_id"' not in form  # requesters own what they plan
    response = client.post(
        "/planning/needs/new",
        data={
            "title": "Bank calls",
            "activity_type": "reference_call",
            "count_needed": "3",
            "needed_by": SOON,
            "industry": "banking",
        },
    )
    assert response.status_code == 302
    page = client.get("/planning/").get_data(as_text=True)
    assert "Bank calls" in page
    assert "Gap 1" in page  # 3 needed, 2 available


def test_a_refused_form_keeps_the_values_and_names_the_field(client, auth, db):
    seller = UserFactory(role="requester", team="sales", email="seller@example.com")
    db.session.commit()
    auth.login(seller.email)
    response = client.post(
        "/planning/needs/new",
        data={"title": "Keep me", "activity_type": "reference_call", "count_needed": "0"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Keep me"' in body
    assert "Must be at least 1." in body
    assert "This field is required." in body  # needed_by


def test_the_csv_export_is_safe_in_a_spreadsheet(client, auth, db):
    manager = UserFactory(role="manager", email="mgr@example.com")
    needs.create_need(manager, _data(title="=HYPERLINK(1)", notes="+cmd"))
    db.session.commit()
    auth.login(manager.email)
    response = client.get("/planning/plan.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(gap.EXPORT_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"] == "'=HYPERLINK(1)"
    assert row["notes"] == "'+cmd"
    assert (row["count_needed"], row["supply"], row["gap"]) == ("5", "0", "5")
    exported = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.entity == "exports")
    )
    assert exported == 1


def test_a_bad_month_on_the_page_falls_back_to_this_quarter(client, auth, db):
    manager = UserFactory(role="manager", email="mgr@example.com")
    db.session.commit()
    auth.login(manager.email)
    response = client.get("/planning/?from=2030-13")
    assert response.status_code == 200
    assert "Use a month like 2027-01." in response.get_data(as_text=True)


def test_an_executive_sees_the_plan_without_planning_actions(client, auth, db):
    manager = UserFactory(role="manager")
    executive = UserFactory(role="executive", email="exec@example.com")
    needs.create_need(manager, _data(title="Visible to the board"))
    db.session.commit()
    auth.login(executive.email)
    page = client.get("/planning/").get_data(as_text=True)
    assert "Visible to the board" in page
    assert "Plan a need" not in page
    assert "/edit" not in page


@pytest.mark.parametrize("query", ["from=9999-12", "to=9999-12", "from=9999-11&to=9999-12"])
def test_a_month_past_the_calendar_is_named_not_a_crash(client, auth, db, query):
    manager = UserFactory(role="manager", email="mgr@example.com")
    db.session.commit()
    auth.login(manager.email)
    response = client.get(f"/planning/?{query}")
    assert response.status_code == 200
    assert "Use a month like 2027-01." in response.get_data(as_text=True)
    assert client.get(f"/planning/plan.csv?{query}").status_code == 200


def test_a_bad_team_or_initiative_filter_is_named_on_the_page(client, auth, db):
    manager = UserFactory(role="manager", email="mgr@example.com")
    db.session.commit()
    auth.login(manager.email)
    query = "team=nobody&initiative_id=99999999999999999999&by=%00"
    page = client.get(f"/planning/?{query}").get_data(as_text=True)
    assert "The filter “Team” was not applied" in page
    assert "The filter “Initiative” was not applied" in page
    assert "The filter “Break down by” was not applied" in page


def test_a_need_past_the_plannable_months_is_refused(db):
    seller = UserFactory(role="requester", team="sales")
    with pytest.raises(ValidationFailed) as refused:
        needs.create_need(seller, _data(needed_by="9999-12-31"))
    assert "needed_by" in refused.value.fields
