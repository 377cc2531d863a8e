"""The CRM import page: a manager checks an export (a dry run showing every row), then imports
the checked file; everyone else is refused."""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.opportunities.models import Opportunity
from portal.recruiting.models import ImportPreview
from tests.factories import UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = "/program/opportunities/import"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def check(client, data: bytes, preset: str = "auto"):
    return client.post(
        PAGE,
        data={"preset": preset, "file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data",
    )


def upload_token(page: str) -> str:
    return page.split('name="upload" type="hidden" value="')[1].split('"')[0]


@pytest.fixture
def manager(db, auth):
    UserFactory(role="manager", email="lead@example.com")
    db.session.commit()
    auth.login("lead@example.com")


def test_the_page_offers_the_presets(manager, client):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for choice in ("auto", "salesforce", "hubspot", "portal"):
        assert f'value="{choice}"' in page
    assert ">Check</button>" in page


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_reference_team_opens_the_page(db, client, auth, role):
    UserFactory(role=role, email="someone@example.com")
    db.session.commit()
    auth.login("someone@example.com")
    assert client.get(PAGE).status_code == 403
    assert check(client, fixture("portal.csv")).status_code == 403
    assert client.post(f"{PAGE}/confirm", data={"upload": "x"}).status_code == 403
    assert count(db, Opportunity) == 0


def test_check_shows_every_rows_outcome_and_writes_nothing(manager, client, db):
    response = check(client, fixture("salesforce_opportunities.csv"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check: Salesforce columns" in page
    assert "detected from the header" in page
    assert "4 to create" in page and "3 refused" in page and "1 with a warning" in page
    assert str(escape("Use a date like 3/31/2027 (it says 31/03/2027).")) in page
    assert "<strong>Amount</strong>: Must not be negative." in page
    assert "The same opportunity is on line 2; this row is skipped." in page
    assert str(escape("“Security Review” is not one of Salesforce's standard stages")) in page
    assert "Ignored columns: Next Step, Fiscal Period." in page
    assert "Import 4 rows" in page
    assert count(db, Opportunity) == 0
    assert db.session.scalar(sa.select(ImportPreview.kind)) == "opp:salesforce"


def test_import_writes_the_checked_file_once(manager, client, db):
    token = upload_token(check(client, fixture("hubspot_deals.csv")).get_data(as_text=True))
    response = client.post(f"{PAGE}/confirm", data={"upload": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Imported opportunities (HubSpot): 8 rows: 5 created, 0 updated" in page
    assert count(db, Opportunity) == 5
    again = client.post(f"{PAGE}/confirm", data={"upload": token}, follow_redirects=True)
    assert "That check is gone" in again.get_data(as_text=True)
    assert count(db, Opportunity) == 5


def test_a_chosen_preset_is_kept_for_the_import(manager, client, db):
    page = check(client, fixture("portal.csv"), preset="portal").get_data(as_text=True)
    assert "Check: Advocate Portal columns" in page
    assert "detected from the header" not in page
    client.post(f"{PAGE}/confirm", data={"upload": upload_token(page)})
    assert count(db, Opportunity) == 3


def test_a_refused_file_is_said_next_to_the_file_field(manager, client, db):
    response = check(client, fixture("salesforce_opportunities.csv"), preset="hubspot")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The header lacks the columns Record ID, Deal Name (HubSpot preset)." in page
    assert 'name="upload"' not in page
    assert count(db, ImportPreview) == 0
    missing = client.post(PAGE, data={"preset": "auto"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert "Choose a CSV file." in missing.get_data(as_text=True)


def test_another_imports_checked_file_is_not_taken_here(manager, client, db):
    page = client.post(
        "/recruiting/import",
        data={"kind": "accounts", "file": (io.BytesIO(b"crm_id,name\nA-1,Alpha\n"), "a.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = upload_token(page)
    response = client.post(f"{PAGE}/confirm", data={"upload": token}, follow_redirects=True)
    assert "That check is gone" in response.get_data(as_text=True)
    assert count(db, ImportPreview) == 1  # still there for the accounts import
    assert count(db, Opportunity) == 0


def test_the_forms_need_their_csrf_token(app_factory, db):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        UserFactory(role="manager", email="lead@example.com")
        db.session.commit()
    client = app.test_client()
    sign_in = client.get("/auth/sign-in").get_data(as_text=True)
    token = sign_in.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/auth/sign-in",
        data={
            "email": "lead@example.com",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert check(client, fixture("portal.csv")).status_code == 400
    page = client.get(PAGE).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        PAGE,
        data={
            "preset": "auto",
            "csrf_token": token,
            "file": (io.BytesIO(fixture("portal.csv")), "export.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "3 to create" in response.get_data(as_text=True)
