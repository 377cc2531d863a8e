"""Account pages: list, search, filters, create, edit, access and escaping."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.accounts.models import Account
from portal.audit.models import AuditEvent
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import count, sign_in
from tests.queries import QueryCounter


def audit_actions(db, entity_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity == "accounts", AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        )
    )


VALID = {
    "name": "Nordbank AG",
    "domain": "nordbank.example",
    "industry": "banking",
    "segment": "enterprise",
    "region": "emea",
    "country": "de",
    "employees": "12000",
    "arr": "450000",
    "crm_id": "CRM-NORD",
    "status": "active",
    "products": ["payments", "analytics"],
    "notes": "Renewed in March.",
}


# Lists


def test_account_list_searches_name_domain_and_crm_id(db, client, auth):
    AccountFactory(name="Alpenbank", domain="alpen.example", crm_id="CRM-111")
    AccountFactory(name="Harbour Insurance", domain="harbour.example", crm_id="CRM-222")
    sign_in(db, auth)
    for query in ("alpen", "ALPEN.EXAMPLE", "crm-111"):
        page = client.get("/accounts/", query_string={"q": query}).get_data(as_text=True)
        assert "Alpenbank" in page, query
        assert "Harbour Insurance" not in page, query


def test_account_list_filters_by_industry_region_segment_and_status(db, client, auth):
    AccountFactory(
        name="Match Co", industry="retail", region="apac", segment="smb", status="paused"
    )
    AccountFactory(name="Other Industry", industry="banking", region="apac", segment="smb")
    AccountFactory(name="Other Region", industry="retail", region="na", segment="smb")
    AccountFactory(name="Other Status", industry="retail", region="apac", segment="smb")
    sign_in(db, auth)
    response = client.get(
        "/accounts/",
        query_string={"industry": "retail", "region": "apac", "segment": "smb", "status": "paused"},
    )
    page = response.get_data(as_text=True)
    assert "Match Co" in page
    for other in ("Other Industry", "Other Region", "Other Status"):
        assert other not in page
    # The filters stay in the form, so the URL can be shared and the page reloaded.
    assert '<option value="retail" selected>' in page
    assert '<option value="paused" selected>' in page


def test_csm_my_accounts_filter_shows_only_accounts_they_look_after(db, client, auth):
    csm = UserFactory(role="csm")
    AccountFactory(name="Mine AG", csm=csm)
    AccountFactory(name="Someone Elses AG", csm=UserFactory(role="csm"))
    db.session.commit()
    auth.login(csm.email)
    everything = client.get("/accounts/").get_data(as_text=True)
    assert "Mine AG" in everything and "Someone Elses AG" in everything
    mine = client.get("/accounts/?mine=1").get_data(as_text=True)
    assert "Mine AG" in mine
    assert "Someone Elses AG" not in mine


def test_account_list_paginates_by_25_and_keeps_filters_in_page_links(db, client, auth):
    for n in range(30):
        AccountFactory(name=f"Bank {n:02d}", industry="banking")
    sign_in(db, auth)
    first = client.get("/accounts/?industry=banking").get_data(as_text=True)
    assert "Bank 00" in first and "Bank 24" in first and "Bank 25" not in first
    assert "30 in all" in first
    assert "industry=banking" in first and "page=2" in first
    second = client.get("/accounts/?industry=banking&page=2").get_data(as_text=True)
    assert "Bank 25" in second and "Bank 29" in second and "Bank 24" not in second
    beyond = client.get("/accounts/?page=99")
    assert beyond.status_code == 200


def test_account_list_sorts_by_name_or_recently_updated(db, client, auth):
    old = AccountFactory(name="Aardvark Bank")
    new = AccountFactory(name="Zebra Bank")
    old.updated_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    new.updated_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    sign_in(db, auth)
    by_name = client.get("/accounts/").get_data(as_text=True)
    assert by_name.index("Aardvark Bank") < by_name.index("Zebra Bank")
    by_update = client.get("/accounts/?sort=-updated").get_data(as_text=True)
    assert by_update.index("Zebra Bank") < by_update.index("Aardvark Bank")


def test_account_list_without_accounts_says_what_to_do(db, client, auth):
    sign_in(db, auth)
    page = client.get("/accounts/").get_data(as_text=True)
    assert "No accounts yet" in page
    assert 'href="/accounts/new"' in page
    filtered = client.get("/accounts/?q=nothing-like-this").get_data(as_text=True)
    assert "No accounts match these filters" in filtered


def test_account_list_runs_the_same_number_of_queries_for_many_rows(db, client, auth, app):
    sign_in(db, auth)

    def queries_for_list() -> int:
        with QueryCounter(db.engine) as queries:
            assert client.get("/accounts/").status_code == 200
        return queries.count

    AdvocateFactory(account=AccountFactory(csm=UserFactory(role="csm")))
    db.session.commit()
    few = queries_for_list()
    for _ in range(10):
        AdvocateFactory(account=AccountFactory(csm=UserFactory(role="csm")))
    db.session.commit()
    assert queries_for_list() == few


@pytest.mark.parametrize("role", ["requester", "advocate"])
def test_people_outside_customer_success_and_the_program_cannot_see_accounts(
    db, client, auth, role
):
    account = AccountFactory()
    sign_in(db, auth, role=role)
    assert client.get("/accounts/").status_code == 403
    assert client.get(f"/accounts/{account.id}").status_code == 403
    assert client.get("/accounts/new").status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


# Create


def test_manager_creates_an_account_with_a_csm(db, client, auth):
    csm = UserFactory(role="csm", name="Carla CSM")
    manager = sign_in(db, auth)
    form = dict(VALID, csm_id=str(csm.id))
    page = client.get("/accounts/new").get_data(as_text=True)
    assert "Carla CSM" in page
    response = client.post("/accounts/new", data=form)
    assert response.status_code == 302
    account = db.session.scalar(sa.select(Account).where(Account.crm_id == "CRM-NORD"))
    assert response.headers["Location"].endswith(f"/accounts/{account.id}")
    assert (account.name, account.country, account.employees, account.arr) == (
        "Nordbank AG",
        "DE",
        12000,
        450000,
    )
    assert account.csm_id == csm.id
    assert account.products == ["payments", "analytics"]
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == "accounts", AuditEvent.entity_id == account.id)
        .order_by(AuditEvent.id)
    )
    assert event.action == "account.created"
    assert event.actor_id == manager.id
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nordbank AG added." in follow


def test_csm_creating_an_account_becomes_its_csm(db, client, auth):
    csm = sign_in(db, auth, role="csm")
    page = client.get("/accounts/new").get_data(as_text=True)
    assert 'name="csm_id"' not in page
    assert client.post("/accounts/new", data=VALID).status_code == 302
    account = db.session.scalar(sa.select(Account).where(Account.crm_id == "CRM-NORD"))
    assert account.csm_id == csm.id
    assert audit_actions(db, account.id) == ["account.created"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"industry": "astrology"}, "industry", "Must be one of:"),
        ({"crm_id": "X" * 65}, "crm_id", "Must be at most 64 characters (it has 65)."),
        ({"employees": "-5"}, "employees", "Must be at least 0."),
        ({"country": "Germany"}, "country", "two-letter"),
        ({"domain": "https://nordbank"}, "domain", "Enter a domain"),
    ],
)
def test_bad_account_input_shows_the_message_next_to_the_field_and_writes_nothing(
    db, client, auth, changes, field, message
):
    sign_in(db, auth)
    accounts, events = count(db, Account), count(db, AuditEvent)
    response = client.post("/accounts/new", data=dict(VALID, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]
    assert message in error
    assert 'id="form-errors"' in page
    assert count(db, Account) == accounts
    assert count(db, AuditEvent) == events


def test_bad_account_input_keeps_the_values_typed(db, client, auth):
    sign_in(db, auth)
    response = client.post("/accounts/new", data=dict(VALID, employees="-5"))
    page = response.get_data(as_text=True)
    assert 'value="Nordbank AG"' in page
    assert 'value="CRM-NORD"' in page
    assert '<option selected value="payments">' in page or 'value="payments" selected' in page


def test_duplicate_crm_id_is_refused_next_to_the_field(db, client, auth):
    AccountFactory(crm_id="CRM-NORD")
    sign_in(db, auth)
    before = count(db, Account)
    response = client.post("/accounts/new", data=VALID)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="crm_id-error"' in page
    assert "Another account has this CRM id." in page
    assert count(db, Account) == before


def test_several_bad_fields_are_reported_at_once(db, client, auth):
    sign_in(db, auth)
    response = client.post(
        "/accounts/new", data=dict(VALID, name="", industry="astrology", employees="-1")
    )
    page = response.get_data(as_text=True)
    for field in ("name", "industry", "employees"):
        assert f'id="{field}-error"' in page


# Edit


def test_manager_edits_an_account_and_the_change_is_audited(db, client, auth):
    account = AccountFactory(name="Old Name", status="candidate")
    sign_in(db, auth)
    form = client.get(f"/accounts/{account.id}/edit").get_data(as_text=True)
    assert 'value="Old Name"' in form
    data = dict(VALID, name="New Name", crm_id=account.crm_id, csm_id="")
    response = client.post(f"/accounts/{account.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert account.name == "New Name"
    assert account.status == "active"
    assert audit_actions(db, account.id) == ["account.updated"]
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == "accounts", AuditEvent.entity_id == account.id)
        .order_by(AuditEvent.id)
    )
    assert event.data["name"] == ["Old Name", "New Name"]


def test_csm_edits_their_own_account(db, client, auth):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm, name="Mine AG")
    db.session.commit()
    auth.login(csm.email)
    data = dict(VALID, name="Mine Renamed AG", crm_id=account.crm_id)
    assert client.post(f"/accounts/{account.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert account.name == "Mine Renamed AG"
    assert account.csm_id == csm.id


def test_csm_cannot_edit_another_csms_account(db, client, auth):
    account = AccountFactory(name="Not Yours AG", csm=UserFactory(role="csm"))
    sign_in(db, auth, role="csm")
    assert client.get(f"/accounts/{account.id}/edit").status_code == 403
    response = client.post(f"/accounts/{account.id}/edit", data=dict(VALID, name="Hijacked"))
    assert response.status_code == 403
    db.session.expire_all()
    assert account.name == "Not Yours AG"
    assert audit_actions(db, account.id) == []
    detail = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/accounts/{account.id}/edit" not in detail


def test_bad_edit_keeps_the_account_unchanged(db, client, auth):
    account = AccountFactory(name="Steady AG")
    sign_in(db, auth)
    response = client.post(
        f"/accounts/{account.id}/edit", data=dict(VALID, name="Changed", employees="-3")
    )
    assert response.status_code == 422
    assert 'id="employees-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert account.name == "Steady AG"
    assert audit_actions(db, account.id) == []


def test_unknown_account_is_a_404_page(db, client, auth):
    sign_in(db, auth)
    response = client.get("/accounts/9999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.get("/accounts/9999/edit").status_code == 404


# Detail


def test_account_detail_shows_fields_in_words(db, client, auth):
    csm = UserFactory(role="csm", name="Carla CSM")
    account = AccountFactory(
        name="Nordbank AG",
        industry="telecom",
        segment="mid_market",
        region="latam",
        products=["data_platform"],
        employees=12000,
        csm=csm,
    )
    AdvocateFactory(account=account, name="Ada Advocate", status="paused")
    sign_in(db, auth)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    for words in ("Telecommunications", "Mid-market", "Latin America", "Data Platform", "12,000"):
        assert words in page
    assert "Carla CSM" in page
    assert "Ada Advocate" in page
    assert 'text-bg-secondary state-badge">Paused' in page
    assert f"/advocates/new?account_id={account.id}" in page
    assert f"/accounts/{account.id}/edit" in page


def test_account_notes_are_shown_escaped(db, client, auth):
    account = AccountFactory(notes='<script>alert("x")</script>\n<b>bold</b>')
    sign_in(db, auth)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_csm_sees_no_advocates_on_another_csms_account(db, client, auth):
    account = AccountFactory(csm=UserFactory(role="csm"))
    AdvocateFactory(account=account, name="Hidden Person")
    sign_in(db, auth, role="csm")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Hidden Person" not in page
    assert "/advocates/new" not in page


def test_the_account_list_counts_advocates_only_where_the_viewer_may_know(db, client, auth):
    """A CSM sees how many advocates their own accounts have, and a dash for another CSM's (as
    on that account's page, not even how many); the program team sees every count."""
    csm = UserFactory(role="csm")
    own = AccountFactory(csm=csm, name="Own Bank")
    other = AccountFactory(csm=UserFactory(role="csm"), name="Other Bank")
    for _ in range(2):
        AdvocateFactory(account=own)
    for _ in range(3):
        AdvocateFactory(account=other)
    db.session.commit()

    def counts() -> dict[str, str]:
        page = client.get("/accounts/").get_data(as_text=True)
        return {
            name: page.split(name, 1)[1].split('<td class="text-end">', 1)[1].split("<", 1)[0]
            for name in ("Own Bank", "Other Bank")
        }

    auth.login(csm.email)
    assert counts() == {"Own Bank": "2", "Other Bank": "—"}
    auth.logout()
    sign_in(db, auth)
    assert counts() == {"Own Bank": "2", "Other Bank": "3"}
