"""Long lists read their page from an index in the list's order, never by sorting every row
for each page: the request lists (everyone's, newest first, for the program team and the API;
a requester's own) and the opportunities (by last change, as a CRM sync reads them)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import request_queries
from portal.opportunities import service as opportunities
from tests.factories import UserFactory

LISTS = {
    "everyone's requests": (
        "manager",
        lambda actor: request_queries.requests_query(actor, {}),
        "ix_reference_requests_created",
    ),
    "a requester's own requests": (
        "requester",
        lambda actor: request_queries.requests_query(actor, {}),
        "ix_reference_requests_requester_created",
    ),
    "opportunities by last change": (
        "manager",
        lambda actor: opportunities.opportunities_query(actor, {}),
        "ix_opportunities_updated",
    ),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_long_list_reads_its_page_in_order_from_an_index(db, name):
    role, query, index = LISTS[name]
    actor = UserFactory(role=role)
    db.session.commit()
    statement = query(actor).limit(20)
    table = statement.get_final_froms()[0].name
    assert index in {i["name"] for i in sa.inspect(db.engine).get_indexes(table)}
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner reads a small table whole: the plan shows nothing here
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert index in plan and "TEMP B-TREE" not in plan, plan
