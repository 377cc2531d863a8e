"""Merging two terms moves every record that used the old one, in one transaction: accounts,
advocates, requests, content, targets, and what matching and reports read from them."""

import pytest
import sqlalchemy as sa

from portal.asks.models import AdvocateEligibility
from portal.audit.models import AuditEvent
from portal.content.models import ContentAsset
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.program import taxonomy, taxonomy_merge
from portal.program.models import TaxonomyTerm
from portal.recruiting.models import Target
from portal.reports.models import RequestFacts
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
)

# Tables whose rows are history or the taxonomy itself: the old value may stay there.
NOT_SCANNED = {"audit_events", "taxonomy_terms", "alembic_version"}


def term(kind, value) -> TaxonomyTerm:
    return _db.session.scalar(
        sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == kind, TaxonomyTerm.value == value)
    )


def rows_holding(value: str) -> list[str]:
    """Every table.column of every row that still holds `value`: as the whole value, in a JSON
    list or dict (quoted) or in matching's framed strings (|a|b|)."""
    found = []
    for table in _db.metadata.sorted_tables:
        if table.name in NOT_SCANNED:
            continue
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.Enum):
                continue
            text = sa.cast(column, sa.Text)
            hit = sa.or_(
                text == value,
                text.contains(f'"{value}"', autoescape=True),
                text.contains(f"|{value}|", autoescape=True),
            )
            count = _db.session.scalar(sa.select(sa.func.count()).select_from(table).where(hit))
            if count:
                found.append(f"{table.name}.{column.name}")
    return found


@pytest.fixture
def world(db):
    admin = UserFactory(role="admin")
    account = AccountFactory(industry="banking", products=["payments", "analytics"])
    advocate = AdvocateFactory(account=account, products=["payments", "identity"])
    request = ReferenceRequestFactory(
        criteria={"industries": ["banking", "insurance"], "products": ["payments"]}
    )
    other = ReferenceRequestFactory(criteria={"industries": ["insurance"]})
    asset = ContentAsset(
        kind="case_study",
        title="Banking story",
        url="https://example.com/story",
        industries=["banking", "insurance"],
        products=["payments"],
    )
    target = Target(industry="banking", product="payments", target_count=3)
    db.session.add_all([asset, target])
    db.session.commit()
    return admin, account, advocate, request, other, asset, target


def test_merge_moves_every_record_and_leaves_nothing_on_the_old_value(db, world):
    admin, account, advocate, request, other, asset, target = world
    eligibility = db.session.get(AdvocateEligibility, advocate.id)
    assert eligibility.industry == "banking"
    assert db.session.get(RequestFacts, request.id).industry == "banking"
    assert rows_holding("banking")  # the scan finds what is there

    banking, insurance = term("industry", "banking"), term("industry", "insurance")
    counts = taxonomy_merge.merge_terms(admin, "industry", banking.id, insurance.id)
    db.session.commit()
    db.session.expire_all()

    assert counts["accounts"] == 1
    assert counts["reference_requests"] == 1  # `other` asked for insurance only
    assert counts["content_assets"] == 1
    assert counts["targets"] == 1
    assert account.industry == "insurance"
    assert request.criteria == {"industries": ["insurance"], "products": ["payments"]}
    assert other.criteria == {"industries": ["insurance"]}
    assert asset.industries == ["insurance"]  # without repeats
    assert target.industry == "insurance"
    assert db.session.get(AdvocateEligibility, advocate.id).industry == "insurance"
    assert db.session.get(RequestFacts, request.id).industry == "insurance"
    assert rows_holding("banking") == []

    old = term("industry", "banking")
    assert old.active is False and old.merged_into_id == insurance.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "taxonomy.merged").order_by(AuditEvent.id)
    )
    assert event.entity_id == old.id and event.actor_id == admin.id
    assert event.data["from"] == "banking" and event.data["into"] == "insurance"
    assert event.data["rows"]["accounts"] == 1 and event.data["rows"]["targets"] == 1


def test_merging_a_product_moves_lists_and_matching_tags(db, world):
    admin, account, advocate, request, other, asset, target = world
    payments, analytics = term("product", "payments"), term("product", "analytics")
    counts = taxonomy_merge.merge_terms(admin, "product", payments.id, analytics.id)
    db.session.commit()
    db.session.expire_all()
    assert counts["accounts"] == 1 and counts["advocates"] == 1
    assert account.products == ["analytics"]  # payments + analytics: one left
    assert advocate.products == ["analytics", "identity"]
    assert request.criteria["products"] == ["analytics"]
    assert asset.products == ["analytics"]
    assert target.product == "analytics"
    framed = db.session.get(AdvocateEligibility, advocate.id).products
    assert "|payments|" not in framed and "|analytics|" in framed
    assert rows_holding("payments") == []


def test_merge_runs_the_registered_handlers_in_its_transaction(db, world, monkeypatch):
    admin = world[0]
    calls = []
    monkeypatch.setattr(
        taxonomy_merge, "MERGE_HANDLERS", [lambda *args: calls.append(args) or 7], raising=True
    )
    retail, energy = term("industry", "retail"), term("industry", "energy")
    counts = taxonomy_merge.merge_terms(admin, "industry", retail.id, energy.id)
    assert calls == [("industry", "retail", "energy")]
    assert counts["other"] == 7


def test_bad_merges_are_refused_and_write_nothing(db, world):
    admin = world[0]
    banking, insurance = term("industry", "banking"), term("industry", "insurance")
    payments = term("product", "payments")
    emea = term("region", "emea")
    cases = [
        (("industry", banking.id, banking.id), "into"),  # into itself
        (("industry", banking.id, payments.id), "into"),  # across kinds
        (("industry", banking.id, "insurance"), "into"),  # not an id
        (("industry", banking.id, 99999), "into"),  # no such term
        (("region", emea.id, term("region", "apac").id), "term"),  # fixed keys
    ]
    for args, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            taxonomy_merge.merge_terms(admin, *args)
        assert field in refused.value.fields
        db.session.rollback()
    with pytest.raises(NotFound):
        taxonomy_merge.merge_terms(admin, "no_such_kind", banking.id, insurance.id)
    db.session.rollback()
    with pytest.raises(NotFound):
        taxonomy_merge.merge_terms(admin, "product", banking.id, insurance.id)  # not of that kind
    db.session.rollback()
    insurance.active = False
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        taxonomy_merge.merge_terms(admin, "industry", banking.id, insurance.id)  # retired target
    assert "into" in refused.value.fields
    db.session.rollback()
    db.session.expire_all()
    assert world[1].industry == "banking" and term("industry", "banking").active
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("taxonomy.%"))
        )
        == 0
    )


def test_merging_a_group_hands_its_members_to_the_other_term(db, world):
    admin = world[0]
    group = taxonomy.add_term(admin, "industry", None, "Financial services")
    finance = taxonomy.add_term(admin, "industry", None, "Finance")
    for value in ("banking", "insurance"):
        taxonomy.set_term_group(admin, term("industry", value), group.id)
    taxonomy_merge.merge_terms(admin, "industry", group.id, finance.id)
    db.session.commit()
    assert {m.value for m in taxonomy.terms("industry") if m.group_id == finance.id} == {
        "banking",
        "insurance",
    }
