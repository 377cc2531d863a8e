"""The test database is emptied between tests and the migrations' rows put back: a row a
test adds to a seeded table gets a fresh id, however many tests ran before."""

import pytest

from portal.program.models import TaxonomyTerm


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_row_added_to_a_seeded_table_after_a_reset(db, n):
    term = TaxonomyTerm(kind="industry", value=f"test_sector_{n}", label=f"Test sector {n}")
    db.session.add(term)
    db.session.commit()
    assert term.id is not None
