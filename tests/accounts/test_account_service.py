"""accounts.service: data checks, who may change what, and the list query."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts import service
from portal.accounts.models import Account
from portal.audit.models import AuditEvent
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.program.models import TaxonomyTerm
from portal.program.service import Vocabulary
from tests.factories import AccountFactory, UserFactory
from tests.queries import QueryCounter

GOOD = {"name": "Nordbank AG", "industry": "banking", "segment": "enterprise", "region": "emea"}


def test_check_account_data_names_every_bad_field(db):
    with pytest.raises(ValidationFailed) as caught:
        service.check_account_data(
            {
                "name": "",
                "domain": "not a domain",
                "industry": "astrology",
                "segment": "huge",
                "region": "mars",
                "country": "Germany",
                "employees": -1,
                "arr": "lots",
                "crm_id": "X" * 65,
                "status": "sleepy",
                "products": ["teleportation"],
                "notes": "n" * 10_001,
                "colour": "blue",
            }
        )
    fields = caught.value.fields
    assert set(fields) == {
        "name", "domain", "industry", "segment", "region", "country", "employees", "arr",
        "crm_id", "status", "products", "notes", "colour",
    }  # fmt: skip
    assert fields["name"] == "This field is required."
    assert fields["employees"] == "Must be at least 0."
    assert fields["crm_id"] == "Must be at most 64 characters (it has 65)."
    assert fields["products"] == "Unknown value: teleportation."
    assert fields["colour"] == "Unknown field."


def test_check_account_data_cleans_values(db):
    clean = service.check_account_data(
        dict(GOOD, name="  Nordbank AG ", domain="NordBank.Example", country="de", employees=10)
    )
    assert clean["name"] == "Nordbank AG"
    assert clean["domain"] == "nordbank.example"
    assert clean["country"] == "DE"
    assert clean["products"] == []


def test_check_account_data_refuses_a_csm_who_is_not_customer_success(db):
    requester = UserFactory(role="requester")
    with pytest.raises(ValidationFailed) as caught:
        service.check_account_data(dict(GOOD, csm_id=requester.id))
    assert caught.value.fields == {"csm_id": "Must be a customer success manager."}


def test_create_account_by_a_csm_makes_them_its_csm_and_audits(db):
    csm = UserFactory(role="csm")
    other = UserFactory(role="csm")
    account = service.create_account(csm, dict(GOOD, csm_id=other.id))
    assert account.csm_id == csm.id
    assert account.status == "candidate"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity == "accounts").order_by(AuditEvent.id)
    )
    assert (event.action, event.entity_id, event.actor_id) == (
        "account.created",
        account.id,
        csm.id,
    )


def test_create_account_refuses_a_duplicate_crm_id(db):
    AccountFactory(crm_id="CRM-1")
    with pytest.raises(DomainError) as caught:
        service.create_account(UserFactory(role="manager"), dict(GOOD, crm_id="CRM-1"))
    assert caught.value.fields == {"crm_id": "Another account has this CRM id."}


def test_can_edit_account_csm_only_their_own_program_team_all(db):
    csm, other_csm = UserFactory(role="csm"), UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    assert service.can_edit_account(csm, account)
    assert not service.can_edit_account(other_csm, account)
    assert service.can_edit_account(UserFactory(role="manager"), account)
    assert service.can_edit_account(UserFactory(role="admin"), account)
    assert not service.can_edit_account(UserFactory(role="requester"), account)


def test_update_account_by_another_csm_is_forbidden(db):
    account = AccountFactory(csm=UserFactory(role="csm"), name="Kept AG")
    with pytest.raises(Forbidden):
        service.update_account(UserFactory(role="csm"), account, {"name": "Taken AG"})
    assert account.name == "Kept AG"


def test_csm_cannot_hand_their_account_to_another_csm(db):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    with pytest.raises(Forbidden):
        service.update_account(csm, account, {"csm_id": UserFactory(role="csm").id})


def test_update_account_returns_and_audits_only_real_changes(db):
    manager = UserFactory(role="manager")
    account = AccountFactory(name="Old AG", region="emea")
    changed = service.update_account(manager, account, {"name": "New AG", "region": "emea"})
    assert changed == {"name": ["Old AG", "New AG"]}
    assert service.update_account(manager, account, {"name": "New AG"}) == {}
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity == "accounts")
    ).all()
    assert actions == ["account.updated"]


def test_update_account_refuses_to_blank_a_required_field(db):
    account = AccountFactory(name="Kept AG")
    with pytest.raises(ValidationFailed) as caught:
        service.update_account(UserFactory(role="manager"), account, {"name": ""})
    assert "name" in caught.value.fields


def test_get_account_unknown_is_not_found_and_requesters_are_refused(db):
    account = AccountFactory()
    with pytest.raises(NotFound):
        service.get_account(UserFactory(role="manager"), 999_999)
    with pytest.raises(Forbidden):
        service.get_account(UserFactory(role="requester"), account.id)


def test_account_query_filters_and_mine(db):
    csm = UserFactory(role="csm")
    mine = AccountFactory(name="Mine", csm=csm, industry="retail")
    AccountFactory(name="Theirs", industry="retail")
    AccountFactory(name="Bank", industry="banking")

    def names(**filters):
        return [a.name for a in db.session.scalars(service.account_query(csm, **filters))]

    assert names(industry="retail") == ["Mine", "Theirs"]
    assert names(mine=True) == [mine.name]
    assert names(q="ban") == ["Bank"]
    with pytest.raises(Forbidden):
        service.account_query(UserFactory(role="requester"))


def test_account_rows_are_not_written_on_a_failed_check(db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    with pytest.raises(ValidationFailed):
        service.create_account(UserFactory(role="manager"), dict(GOOD, employees=-1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == before


def test_check_account_data_refuses_markup_in_free_text(db):
    with pytest.raises(ValidationFailed) as caught:
        service.check_account_data(dict(GOOD, name="<b>Nordbank</b>", notes="<script>x</script>"))
    assert caught.value.fields == {
        "name": "Please write plain text, without HTML tags.",
        "notes": "Please write plain text, without HTML tags.",
    }


def test_check_account_data_names_a_wrong_csm_with_the_other_bad_fields(db):
    requester = UserFactory(role="requester")
    with pytest.raises(ValidationFailed) as caught:
        service.check_account_data(dict(GOOD, industry="astrology", csm_id=requester.id))
    assert set(caught.value.fields) == {"industry", "csm_id"}


@pytest.mark.parametrize("role", ["csm", "manager", "admin"])
def test_check_account_data_takes_anyone_who_may_look_after_accounts_as_csm(db, role):
    user = UserFactory(role=role)
    assert service.check_account_data(dict(GOOD, csm_id=user.id))["csm_id"] == user.id


def test_a_vocabulary_is_read_once_and_then_checks_read_nothing(db):
    vocabulary = Vocabulary()
    assert "banking" in vocabulary.values("industry")
    assert vocabulary.labels["industry"]["banking"] == "Banking"
    assert vocabulary.values("no_such_kind") == frozenset()
    with QueryCounter(_db.engine) as queries:
        for _ in range(3):
            service.check_account_data(dict(GOOD, products=["payments"]), vocabulary=vocabulary)
        with pytest.raises(ValidationFailed):
            service.check_account_data(dict(GOOD, industry="astrology"), vocabulary=vocabulary)
    assert queries.statements == []


def test_a_vocabulary_holds_only_active_terms(db):
    # A retired term (not a new one: the test database restarts ids under the seeded terms).
    _db.session.execute(
        sa.update(TaxonomyTerm)
        .where(TaxonomyTerm.kind == "industry", TaxonomyTerm.value == "energy")
        .values(active=False)
    )
    vocabulary = Vocabulary()
    assert "banking" in vocabulary.values("industry")
    assert "energy" not in vocabulary.values("industry")
    with pytest.raises(ValidationFailed):
        service.check_account_data(dict(GOOD, industry="energy"))
    assert service.check_account_data(dict(GOOD, industry="banking"))["industry"] == "banking"
