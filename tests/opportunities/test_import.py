"""CRM import of opportunities: real-shaped Salesforce and HubSpot exports and our own columns,
bad rows named by line, column and why, idempotent re-imports, dry runs, and outcomes that
reach the requests supporting a deal."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.asks import requests
from portal.audit.models import AuditEvent
from portal.csvio import CsvFileError
from portal.errors import Forbidden
from portal.extensions import db as _db
from portal.opportunities.csv_import import run_import
from portal.opportunities.models import Opportunity
from portal.opportunities.service import FIELDS
from tests.factories import AccountFactory, UserFactory
from tests.queries import QueryCounter

FIXTURES = Path(__file__).parent / "fixtures"
SF_HEADER = (
    '"Opportunity ID","Opportunity Name","Account Name","Amount","Stage","Probability (%)",'
    '"Close Date","Won","Closed"\n'
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def deal(crm_id: str) -> Opportunity | None:
    return _db.session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))


def fields(crm_id: str) -> dict:
    found = deal(crm_id)
    return {name: getattr(found, name) for name in FIELDS}


def count(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def outcome_of(report, line: int):
    return next(o for o in report.outcomes if o.line == line)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def test_salesforce_report_export_creates_the_deals_it_holds(db, manager):
    nordbank = AccountFactory(name="Nordbank AG", crm_id="0015g00000XyZaBAAV")
    report = run_import(manager, fixture("salesforce_opportunities.csv"))
    assert (report.preset, report.detected) == ("salesforce", True)
    assert report.counts == {"create": 4, "error": 3}
    assert report.ignored_columns == ["Next Step", "Fiscal Period"]

    assert fields("0065g00000NbKQ1AAN") == {
        "name": "Nordbank - Payments Platform",
        "account_name": "Nordbank AG",
        "account_crm_id": "0015g00000XyZaBAAV",
        "amount": Decimal("125000.00"),
        "currency": "USD",
        "stage": "Negotiation/Review",
        "stage_group": "late",
        "close_date": dt.date(2027, 3, 31),
        "opened_on": dt.date(2027, 1, 15),
        "outcome": "open",
        "owner_email": "jane.seller@example.com",
    }
    first = deal("0065g00000NbKQ1AAN")
    assert (first.account_id, first.source) == (nordbank.id, "csv")
    assert fields("0065g00000NbKQ2AAN") == {
        "name": "Alpenbank, Core Banking Renewal",
        "account_name": "Alpenbank",
        "account_crm_id": "0015g00000XyZaCAAV",
        "amount": Decimal("80000.00"),
        "currency": "EUR",
        "stage": "Closed Won",
        "stage_group": None,
        "close_date": dt.date(2027, 2, 28),
        "opened_on": dt.date(2026, 10, 1),
        "outcome": "won",
        "owner_email": "max.closer@example.com",
    }
    assert deal("0065g00000NbKQ2AAN").outcome_changed_at is not None
    lost = fields("0065g00000NbKQ3AAN")
    assert (lost["outcome"], lost["stage_group"], lost["amount"]) == (
        "lost",
        None,
        Decimal("42500.50"),
    )
    custom = fields("0065g00000NbKQ4AAN")
    assert (custom["stage"], custom["outcome"], custom["stage_group"]) == (
        "Security Review",
        "open",
        "middle",
    )
    assert outcome_of(report, 6).warnings == {
        "Stage": "“Security Review” is not one of Salesforce's standard stages: read outcome "
        "open from Closed and stage group middle from Probability (%)."
    }
    # The row with the quoted two-line "Next Step" starts on line 2: later rows count from 4.
    assert [(o.line, o.errors) for o in report.errors] == [
        (7, {"Close Date": "Use a date like 3/31/2027 (it says 31/03/2027)."}),
        (8, {"Amount": "Must not be negative."}),
        (9, {"Opportunity ID": "The same opportunity is on line 2; this row is skipped."}),
    ]
    assert deal("0065g00000NbKQ5AAN") is None  # a refused row writes nothing
    assert deal("0065g00000NbKQ6AAN") is None
    assert deal("0065g00000NbKQ1AAN").name == "Nordbank - Payments Platform"  # not the copy
    assert count(AuditEvent, AuditEvent.action == "opportunity.created") == 4


def test_hubspot_deals_export_creates_the_deals_it_holds(db, manager):
    report = run_import(manager, fixture("hubspot_deals.csv"))
    assert (report.preset, report.detected) == ("hubspot", True)
    assert report.counts == {"create": 5, "error": 3}
    assert report.ignored_columns == ["Deal Type"]

    assert fields("9876543210") == {
        "name": "Acme Corp - Expansion",
        "account_name": "Acme Corp",
        "account_crm_id": "1122334455",
        "amount": Decimal("25000.00"),
        "currency": "USD",
        "stage": "Contract Sent",
        "stage_group": "late",
        "close_date": dt.date(2027, 3, 31),
        "opened_on": dt.date(2027, 1, 5),
        "outcome": "open",
        "owner_email": "pat.rep@example.com",
    }
    assert fields("9876543211") == {
        "name": 'Globex "Phase 2" Rollout',
        "account_name": "Globex GmbH",
        "account_crm_id": "1122334456",  # the first of the associated companies
        "amount": Decimal("140500.75"),
        "currency": "EUR",
        "stage": "Closed Won",
        "stage_group": None,
        "close_date": dt.date(2027, 2, 15),
        "opened_on": dt.date(2026, 11, 20),
        "outcome": "won",
        "owner_email": "pat.rep@example.com",
    }
    lost = fields("9876543212")
    assert (lost["outcome"], lost["owner_email"], lost["close_date"]) == (
        "lost",
        "sam.sales@example.com",
        dt.date(2027, 1, 31),
    )
    custom = fields("9876543213")
    assert (custom["stage"], custom["outcome"], custom["stage_group"]) == (
        "Legal Review",
        "open",
        None,
    )
    assert outcome_of(report, 5).warnings == {
        "Deal Stage": "“Legal Review” is not one of HubSpot's standard stages (pipeline "
        "Enterprise Pipeline): imported as open, without a stage group."
    }
    internal = fields("9876543214")
    assert (internal["stage"], internal["stage_group"], internal["close_date"]) == (
        "qualifiedtobuy",
        "early",
        dt.date(2027, 3, 31),
    )
    assert [(o.line, o.errors) for o in report.errors] == [
        (7, {"Close Date": "Use a date like 2027-03-31 (it says 2027-02-30 00:00)."}),
        (8, {"Amount": "Must not be negative."}),
        (9, {"Record ID": "The same opportunity is on line 2; this row is skipped."}),
    ]
    assert count(Opportunity) == 5


def test_our_own_columns_import(db, manager):
    report = run_import(manager, fixture("portal.csv"))
    assert (report.preset, report.counts) == ("portal", {"create": 3})
    assert fields("OPP-1") == {
        "name": "Nordbank payments",
        "account_name": "Nordbank AG",
        "account_crm_id": "ACC-1",
        "amount": Decimal("125000.00"),
        "currency": "USD",
        "stage": "Proposal/Price Quote",
        "stage_group": "late",
        "close_date": dt.date(2027, 3, 31),
        "opened_on": dt.date(2027, 1, 15),
        "outcome": "open",
        "owner_email": "jane.seller@example.com",
    }
    assert fields("OPP-2")["outcome"] == "won"
    third = fields("OPP-3")
    assert (third["name"], third["amount"], third["currency"], third["owner_email"]) == (
        "Fjord claims, phase 1",
        None,
        "USD",
        None,
    )
    assert set(outcome_of(report, 4).warnings) == {"stage"}


@pytest.mark.parametrize(
    "name", ["salesforce_opportunities.csv", "hubspot_deals.csv", "portal.csv"]
)
def test_importing_the_same_file_again_changes_nothing(db, manager, name):
    first = run_import(manager, fixture(name))
    db.session.commit()
    stamps = dict(db.session.execute(sa.select(Opportunity.crm_id, Opportunity.updated_at)).all())
    audits = count(AuditEvent)

    again = run_import(manager, fixture(name))
    db.session.commit()
    db.session.expire_all()
    written = first.counts["create"]
    assert again.counts == {"unchanged": written, **({"error": 3} if first.errors else {})}
    assert all(not o.changes for o in again.outcomes)
    assert count(AuditEvent) == audits
    assert dict(
        db.session.execute(sa.select(Opportunity.crm_id, Opportunity.updated_at)).all()
    ) == (stamps)


def test_a_dry_run_writes_nothing_and_reports_what_would_change(db, manager):
    report = run_import(manager, fixture("salesforce_opportunities.csv"), dry_run=True)
    assert report.dry_run
    assert report.counts == {"create": 4, "error": 3}
    assert count(Opportunity) == 0
    assert count(AuditEvent) == 0

    run_import(manager, fixture("salesforce_opportunities.csv"))
    db.session.commit()
    audits = count(AuditEvent)
    changed = fixture("salesforce_opportunities.csv").replace(b"USD 125,000.00", b"USD 130,000.00")
    check = run_import(manager, changed, dry_run=True)
    assert outcome_of(check, 2).action == "update"
    assert outcome_of(check, 2).changes == {"amount": [Decimal("125000.00"), Decimal("130000.00")]}
    db.session.expire_all()
    assert deal("0065g00000NbKQ1AAN").amount == Decimal("125000.00")
    assert count(AuditEvent) == audits


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_reference_team_imports(db, role):
    outsider = UserFactory(role=role)
    with pytest.raises(Forbidden):
        run_import(outsider, fixture("portal.csv"))
    with pytest.raises(Forbidden):
        run_import(None, fixture("portal.csv"))  # no one, outside the command line
    assert count(Opportunity) == 0


def test_an_imported_outcome_reaches_the_requests_supporting_the_deal(db, manager):
    seller = UserFactory(role="requester", team="sales", email="jane.seller@example.com")
    needed_by = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    request = requests.create_request(
        seller,
        {
            "activity_type": "reference_call",
            "prospect_company": "Nordbank",
            "needed_by": needed_by,
            "advocates_needed": 1,
            "opportunity_crm_id": "0065g00000NbKQ1AAN",
        },
    )
    db.session.commit()
    assert request.opportunity_outcome == "open"

    won = (
        SF_HEADER + '"0065g00000NbKQ1AAN","Nordbank - Payments Platform","Nordbank AG",'
        '"USD 125,000.00","Closed Won","100","3/31/2027","1","1"\n'
    )
    report = run_import(manager, won)
    db.session.commit()
    assert report.counts == {"update": 1}
    assert report.outcomes[0].changes["outcome"] == ["open", "won"]
    db.session.expire_all()
    assert (request.opportunity_outcome, request.opportunity_amount) == (
        "won",
        Decimal("125000.00"),
    )
    assert request.opportunity_stage == "Closed Won"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "opportunity.outcome_changed")
        .order_by(AuditEvent.id)
    )
    assert event.data == {"from": "open", "to": "won", "source": "csv"}


def test_an_unknown_stage_falls_back_to_won_closed_then_probability(db, manager):
    text = SF_HEADER + (
        '"S-1","Won deal","A","1","Signed","100","3/31/2027","1","1"\n'
        '"S-2","Lost deal","A","1","Went dark","0","3/31/2027","0","1"\n'
        '"S-3","Open deal","A","1","Pilot","20","3/31/2027","0","0"\n'
        '"S-4","Late deal","A","1","Pilot","75","3/31/2027","",""\n'
        '"S-5","Bad flag","A","1","Pilot","75","3/31/2027","maybe","0"\n'
        '"S-6","Bad probability","A","1","Pilot","150","3/31/2027","0","0"\n'
    )
    report = run_import(manager, text)
    assert [(deal(k).outcome, deal(k).stage_group) for k in ("S-1", "S-2", "S-3", "S-4")] == [
        ("won", None),
        ("lost", None),
        ("open", "early"),
        ("open", "late"),
    ]
    assert deal("S-1").stage == "Signed"  # the CRM's words are kept
    assert all("Stage" in o.warnings for o in report.outcomes[:4])
    assert report.outcomes[0].warnings["Stage"].endswith("read outcome won from Won and Closed.")
    assert [(o.line, o.errors) for o in report.errors] == [
        (6, {"Won": "Use 1 or 0 (true or false)."}),
        (7, {"Probability (%)": "Must be a number from 0 to 100."}),
    ]


def test_columns_the_file_lacks_leave_stored_values_alone(db, manager):
    run_import(manager, fixture("portal.csv"))
    report = run_import(manager, "crm_id,name,stage\nOPP-1,Nordbank payments,Negotiation/Review\n")
    assert report.counts == {"update": 1}
    assert report.outcomes[0].changes == {"stage": ["Proposal/Price Quote", "Negotiation/Review"]}
    after = fields("OPP-1")
    assert (after["amount"], after["owner_email"], after["close_date"], after["outcome"]) == (
        Decimal("125000.00"),
        "jane.seller@example.com",
        dt.date(2027, 3, 31),
        "open",
    )


def test_a_currency_code_in_the_amount_sets_the_currency_without_a_currency_column(db, manager):
    text = (
        '"Opportunity ID","Opportunity Name","Amount","Stage"\n'
        '"C-1","Euro deal","EUR 10,000.00","Prospecting"\n'
        '"C-2","Dollar deal","$7,500.00","Prospecting"\n'
        '"C-3","Plain deal","125000","Prospecting"\n'
    )
    run_import(manager, text)
    assert [(deal(k).amount, deal(k).currency) for k in ("C-1", "C-2", "C-3")] == [
        (Decimal("10000.00"), "EUR"),
        (Decimal("7500.00"), "USD"),
        (Decimal("125000.00"), "USD"),
    ]


def test_an_amount_in_another_currency_than_the_currency_column_is_refused(db, manager):
    text = (
        '"Opportunity ID","Opportunity Name","Amount","Opportunity Currency","Stage"\n'
        '"C-1","Mixed deal","EUR 10,000.00","USD","Prospecting"\n'
    )
    report = run_import(manager, text)
    assert report.errors[0].errors == {
        "Amount": "The amount is in EUR but Opportunity Currency says USD."
    }
    assert count(Opportunity) == 0


def test_a_file_without_the_id_or_name_column_is_refused_whole(db, manager):
    with pytest.raises(CsvFileError) as error:
        run_import(manager, '"Opportunity ID","Amount"\n"X-1","5"\n', preset="salesforce")
    assert error.value.message == (
        "The header lacks the column Opportunity Name (Salesforce preset)."
    )
    with pytest.raises(CsvFileError) as error:
        run_import(manager, fixture("salesforce_opportunities.csv"), preset="hubspot")
    assert "Record ID, Deal Name (HubSpot preset)" in error.value.message
    with pytest.raises(CsvFileError) as error:
        run_import(manager, "Id,Title\n1,Deal\n")
    assert "fits none of the presets" in error.value.message
    assert count(Opportunity) == 0


def test_a_chosen_preset_is_used_and_reported(db, manager):
    report = run_import(manager, fixture("hubspot_deals.csv"), preset="hubspot")
    assert (report.preset, report.detected) == ("hubspot", False)
    assert report.preset_line() == "Preset: HubSpot (chosen)."


def test_existing_deals_are_read_in_chunks_not_one_query_per_row(db, manager):
    def rows(n):
        return "crm_id,name,outcome\n" + "".join(f"Q-{i},Deal {i},open\n" for i in range(n))

    reads = []
    for n in (5, 60):
        run_import(manager, rows(n))
        db.session.commit()
        with QueryCounter(_db.engine) as queries:
            report = run_import(manager, rows(n))
        assert report.counts == {"unchanged": n}
        reads.append(queries.count)
    assert reads[0] == reads[1]
