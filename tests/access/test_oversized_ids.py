"""An id too long to name any row, in a URL or a form, is "no such record": never a server
error. (SQLite can't bind an integer past 2**63 at all; the junk-parameter crawl covers query
strings, these are the paths and form fields that read an id themselves.)"""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.database import parse_id
from portal.program.models import TaxonomyTerm
from tests.factories import AccountFactory, ReferenceRequestFactory, UserFactory
from tests.helpers import count, sign_in

HUGE = "99999999999999999999999"  # past 2**63
LONG = "9223372036854775808"  # 2**63


def test_parse_id_takes_only_ids_that_can_name_a_row():
    assert parse_id("42") == 42
    assert parse_id("000000007") == 7
    assert [parse_id(v) for v in (HUGE, LONG, "1234567890", "-1", "4.2", "", None, 42)] == [
        None
    ] * 8


def test_a_calendar_feed_link_with_an_oversized_id_is_not_found(client, db):
    for token in (f"{HUGE}-abc", f"{LONG}-abcdef"):
        assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_ticked_claims_and_advocates_with_oversized_ids_are_ignored(client, auth, db):
    sign_in(db, auth)
    answer = client.post("/program/benefits/claims/approve", data={"claim_ids": [HUGE, LONG]})
    assert answer.status_code == 302  # "Tick the claims to approve first."
    found = ReferenceRequestFactory(status="submitted")
    db.session.commit()
    answer = client.post(f"/program/requests/{found.id}/asks", data={"advocate_id": [HUGE]})
    assert answer.status_code == 422
    assert "Tick at least one advocate." in answer.get_data(as_text=True)
    answer = client.post(f"/program/requests/{found.id}/assign", data={"manager_id": LONG})
    assert answer.status_code == 422
    assert "Choose a reference manager." in answer.get_data(as_text=True)


def test_an_oversized_account_id_in_the_advocate_form_is_refused_and_writes_nothing(
    client, auth, db
):
    csm = UserFactory(role="csm")
    AccountFactory(csm=csm)
    db.session.commit()
    auth.login(csm.email)
    before = count(db, Advocate)
    answer = client.post(
        "/advocates/new",
        data={"account_id": HUGE, "name": "Greta Gold", "email": "greta@nordbank.example"},
    )
    assert answer.status_code == 422
    assert count(db, Advocate) == before


def test_merging_into_an_oversized_term_id_is_refused(client, auth, db):
    sign_in(db, auth, role="admin")
    term = db.session.scalar(sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == "industry"))
    answer = client.post(
        f"/admin/settings/taxonomies/industry/terms/{term.id}/merge", data={"merge-into": HUGE}
    )
    assert answer.status_code == 422
    assert "Pick the term to merge into." in answer.get_data(as_text=True)
