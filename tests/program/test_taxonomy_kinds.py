"""Administrators add kinds (job function, competitor replaced) and terms to any kind."""

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.program import taxonomy
from portal.program.models import TaxonomyKind, TaxonomyTerm
from tests.factories import UserFactory


def events(db, action):
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_builtin_kinds_are_seeded_with_region_and_seniority_labels(db):
    keys = [k.key for k in taxonomy.kinds()]
    assert keys == ["industry", "product", "use_case", "region", "seniority", "language"]
    regions = {t.value: t.label for t in taxonomy.terms("region")}
    assert regions == {
        "na": "North America",
        "emea": "EMEA",
        "apac": "APAC",
        "latam": "Latin America",
    }


def test_admin_adds_a_kind_and_its_terms(db):
    admin = UserFactory(role="admin")
    kind = taxonomy.add_kind(admin, "", "Competitor replaced")
    assert kind.key == "competitor_replaced" and not kind.builtin and kind.active
    first = taxonomy.add_term(admin, kind.key, None, "Acme CRM")
    second = taxonomy.add_term(admin, kind.key, "globex", "Globex Suite")
    db.session.commit()
    assert (first.value, second.value) == ("acme_crm", "globex")
    assert [t.value for t in taxonomy.terms(kind.key)] == ["acme_crm", "globex"]
    assert events(db, "taxonomy.kind_added")[0].data == {
        "key": "competitor_replaced",
        "label": "Competitor replaced",
    }
    assert len(events(db, "taxonomy.term_added")) == 2


@pytest.mark.parametrize(
    ("key", "label", "field"),
    [
        ("industry", "Industries again", "key"),
        ("", "", "label"),
        ("Bad Key", "Fine", "key"),
        ("", "<b>x</b>", "label"),
    ],
)
def test_bad_kinds_are_refused_and_write_nothing(db, key, label, field):
    admin = UserFactory(role="admin")
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        taxonomy.add_kind(admin, key, label)
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaxonomyKind)) == 6
    assert events(db, "taxonomy.kind_added") == []


def test_duplicate_value_unknown_kind_and_fixed_kinds_are_refused(db):
    admin = UserFactory(role="admin")
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(TaxonomyTerm))
    with pytest.raises(ValidationFailed) as refused:
        taxonomy.add_term(admin, "industry", "banking", "Banking again")
    assert "value" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        taxonomy.add_term(admin, "industry", None, "Banking")  # the derived value is taken
    assert "value" in refused.value.fields
    with pytest.raises(NotFound):
        taxonomy.add_term(admin, "no_such_kind", None, "Anything")
    with pytest.raises(ValidationFailed) as refused:
        taxonomy.add_term(admin, "region", "mena", "Middle East")
    assert "kind" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaxonomyTerm)) == before
    assert events(db, "taxonomy.term_added") == []


def test_only_administrators_change_the_taxonomy(db):
    manager = UserFactory(role="manager")
    with pytest.raises(Forbidden):
        taxonomy.add_kind(manager, "", "Job function")
    with pytest.raises(Forbidden):
        taxonomy.add_term(manager, "industry", None, "Aviation")
