"""Matching's bit masks of multi-valued criteria: a term's id picks its bit, so the masks stay
true when terms are added, merged or outnumber the bits; the rows' counts per window agree with
counting."""

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.asks import matching, overuse
from portal.asks.eligibility_row import TERM_BITS, eligibility_of, stored_usage, term_ids, value_bit
from portal.extensions import db as _db
from portal.program import taxonomy, taxonomy_merge
from portal.program.models import TaxonomyTerm
from tests.conftest import make_app
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def holder(products):
    """An advocate whose only products are `products` (the account holds none)."""
    return AdvocateFactory(account=AccountFactory(products=[]), products=products)


def relevance_of(request, advocate) -> float:
    for found in matching.match(request, 50).matches:
        if found.advocate.id == advocate.id:
            return found.relevance
    raise AssertionError(f"{advocate.name} is not a match")


def product_term(value) -> TaxonomyTerm:
    return _db.session.scalar(
        sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == "product", TaxonomyTerm.value == value)
    )


def test_a_term_added_after_rows_hold_its_value_moves_their_bit(db, admin):
    advocate = holder(["quantum_ledger"])  # a value no term names (data from before)
    other = holder(["payments"])
    db.session.flush()
    before = eligibility_of(advocate.id).product_bits
    assert before == value_bit("product", "quantum_ledger", {})  # its checksum bit

    term = taxonomy.add_term(admin, "product", "quantum_ledger", "Quantum ledger")
    db.session.flush()

    after = eligibility_of(advocate.id).product_bits
    assert after == 1 << (term.id % TERM_BITS)
    assert after != before
    request = ReferenceRequestFactory(criteria={"products": ["quantum_ledger"]})
    assert relevance_of(request, advocate) == 3
    assert relevance_of(request, other) == 0
    assert "uses product: Quantum ledger" in next(
        m.reasons for m in matching.match(request, 50).matches if m.advocate == advocate
    )


def test_a_merge_gives_the_rows_the_bit_of_the_term_merged_into(db, admin):
    old = taxonomy.add_term(admin, "product", "ledgers", "Ledgers")
    advocate = holder(["ledgers"])
    db.session.flush()
    assert eligibility_of(advocate.id).product_bits == 1 << (old.id % TERM_BITS)
    into = product_term("payments")

    taxonomy_merge.merge_terms(admin, "product", old.id, into.id)
    db.session.flush()

    row = eligibility_of(advocate.id)
    assert row.products == "|payments|"
    assert row.product_bits == 1 << (into.id % TERM_BITS)
    request = ReferenceRequestFactory(criteria={"products": ["payments"]})
    assert relevance_of(request, advocate) == 3


def test_more_terms_than_bits_share_a_bit_and_still_match_exactly(db, admin):
    terms = [
        taxonomy.add_term(admin, "product", f"tool_{n}", f"Tool {n}") for n in range(TERM_BITS + 2)
    ]
    db.session.flush()
    by_bit = {}
    for term in terms:
        by_bit.setdefault(term.id % TERM_BITS, []).append(term)
    mine, twin = next(pair for pair in by_bit.values() if len(pair) >= 2)[:2]
    advocate = holder([mine.value])
    db.session.flush()
    assert eligibility_of(advocate.id).product_bits == value_bit(
        "product", twin.value, term_ids()
    )  # one bit for both

    wrong = ReferenceRequestFactory(criteria={"products": [twin.value]})
    right = ReferenceRequestFactory(criteria={"products": [mine.value]})
    both = ReferenceRequestFactory(criteria={"products": [mine.value, twin.value]})
    vocabulary = matching.Vocabulary()
    assert vocabulary.mask("product", [twin.value])[1] is False  # the bit alone can't tell
    assert vocabulary.mask("product", [mine.value, twin.value])[1] is True
    assert relevance_of(wrong, advocate) == 0
    assert relevance_of(right, advocate) == 3
    assert relevance_of(both, advocate) == 3


def test_values_without_a_term_match_by_their_text(db):
    advocate = holder(["legacy_a"])
    request = ReferenceRequestFactory(criteria={"products": ["legacy_b", "legacy_a"]})
    miss = ReferenceRequestFactory(criteria={"products": ["legacy_b"]})
    db.session.flush()
    assert relevance_of(request, advocate) == 3
    assert relevance_of(miss, advocate) == 0


def test_the_row_counts_live_asks_as_overuse_does_this_window_and_none_in_a_later_one(db):
    advocate = AdvocateFactory()
    now = dt.datetime.now(dt.UTC)
    AskFactory(advocate=advocate, status="accepted", asked_at=now - dt.timedelta(minutes=5))
    AskFactory(advocate=advocate, status="declined", asked_at=now - dt.timedelta(minutes=4))
    db.session.flush()
    row = eligibility_of(advocate.id)
    zone = overuse.zone_of(advocate)
    used, account = stored_usage(row, zone, now)
    assert used == overuse.usage(advocate, now)
    assert account == overuse.account_usage_of([advocate], now)[advocate.id]
    assert used.month == 1
    later = now + dt.timedelta(days=400)  # another month, quarter and year
    used, account = stored_usage(row, zone, later)
    assert used == overuse.usage(advocate, later)
    assert (used.month, used.quarter, used.year, account) == (0, 0, 0, (0, 0))
    assert stored_usage(row, zone, now - dt.timedelta(days=400)) is None  # only counting knows


def test_asks_left_agree_with_counting_in_the_next_month(db):
    advocate = AdvocateFactory(max_per_month=3, max_per_quarter=6, min_days_between=0)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    AskFactory(advocate=advocate, status="pending", asked_at=dt.datetime.now(dt.UTC))
    db.session.flush()
    today = dt.datetime.now(dt.UTC)
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1, hour=12)
    for at in (today, first):
        [found] = [m for m in matching.match(request, 10, at=at).matches]
        used = overuse.usage(advocate, at)
        assert found.asks_left["month"] == 3 - used.month
        assert found.asks_left["quarter"] == 6 - used.quarter


def test_the_migration_fills_the_masks_of_existing_rows(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="c4ad3b6e8a54")
        now = dt.datetime(2026, 3, 1, 9, 30)
        _db.session.execute(
            sa.text(
                "INSERT INTO accounts (id, name, industry, segment, region, status, products, "
                "created_at, updated_at) VALUES (1, 'Nordbank', 'banking', 'enterprise', 'emea', "
                "'active', '[]', :now, :now)"
            ),
            {"now": now},
        )
        _db.session.execute(
            sa.text(
                "INSERT INTO advocates (id, account_id, name, email, products, use_cases, "
                "languages, timezone, status, activity_types, preferred_contact, created_at, "
                "updated_at) VALUES (1, 1, 'A', 'a@nordbank.example', '[]', '[]', '[]', 'UTC', "
                "'active', '[]', 'email', :now, :now)"
            ),
            {"now": now},
        )
        _db.session.execute(
            sa.text(
                "INSERT INTO advocate_eligibility (advocate_id, active, status, activity_bits, "
                "account_key, asks_90d, asks_12m, fairness, standing, products, use_cases, "
                "languages, crit_custom, refreshed_at) VALUES (1, true, 'active', 0, 'nordbank', "
                "0, 0, 15, 0, '|payments|no_such_term|', '', '|en|', '', :now)"
            ),
            {"now": now},
        )
        _db.session.commit()

        upgrade()
        row = _db.session.execute(
            sa.text(
                "SELECT product_bits, use_case_bits, language_bits, counted_on "
                "FROM advocate_eligibility"
            )
        ).one()
        ids = term_ids()
        expected = value_bit("product", "payments", ids) | value_bit("product", "no_such_term", ids)
        assert row[0] == expected
        assert row[1] == 0
        assert row[2] == value_bit("language", "en", ids)
        assert row[3] is None  # the window counts: the next refresh's
        _db.session.remove()
        _db.engine.dispose()
