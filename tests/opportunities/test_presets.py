"""CRM column presets: Salesforce's and HubSpot's default export headers, dates, stage names and
amounts read the way each CRM writes them."""

import datetime as dt

import pytest

from portal.opportunities import presets
from portal.opportunities.presets import HUBSPOT, PORTAL, SALESFORCE


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("Prospecting", ("open", "early")),
        ("Qualification", ("open", "early")),
        ("Needs Analysis", ("open", "middle")),
        ("Value Proposition", ("open", "middle")),
        ("Id. Decision Makers", ("open", "middle")),
        ("Perception Analysis", ("open", "middle")),
        ("Proposal/Price Quote", ("open", "late")),
        ("Negotiation/Review", ("open", "late")),
        ("Closed Won", ("won", None)),
        ("Closed Lost", ("lost", None)),
        ("  closed   WON ", ("won", None)),  # any case and spacing
        ("Security Review", None),  # a custom stage is not guessed
    ],
)
def test_salesforce_standard_stages(stage, expected):
    assert SALESFORCE.stage(stage) == expected


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("Appointment Scheduled", ("open", "early")),
        ("appointmentscheduled", ("open", "early")),
        ("Qualified To Buy", ("open", "early")),
        ("qualifiedtobuy", ("open", "early")),
        ("Presentation Scheduled", ("open", "middle")),
        ("presentationscheduled", ("open", "middle")),
        ("Decision Maker Bought-In", ("open", "middle")),
        ("decisionmakerboughtin", ("open", "middle")),
        ("Contract Sent", ("open", "late")),
        ("contractsent", ("open", "late")),
        ("Closed Won", ("won", None)),
        ("closedwon", ("won", None)),
        ("Closed Lost", ("lost", None)),
        ("closedlost", ("lost", None)),
        ("Negotiation/Review", None),  # Salesforce's, not HubSpot's
    ],
)
def test_hubspot_default_pipeline_stages(stage, expected):
    assert HUBSPOT.stage(stage) == expected


@pytest.mark.parametrize(
    ("preset", "raw", "expected"),
    [
        (SALESFORCE, "3/31/2027", dt.date(2027, 3, 31)),
        (SALESFORCE, "03/01/2027", dt.date(2027, 3, 1)),
        (SALESFORCE, "2027-03-31", dt.date(2027, 3, 31)),
        (SALESFORCE, "3/31/2027, 10:15 AM", dt.date(2027, 3, 31)),
        (SALESFORCE, "31/03/2027", None),  # not the US export locale
        (SALESFORCE, "2/30/2027", None),
        (HUBSPOT, "2027-03-31 00:00", dt.date(2027, 3, 31)),
        (HUBSPOT, "2027-03-31", dt.date(2027, 3, 31)),
        (HUBSPOT, "03/31/2027", dt.date(2027, 3, 31)),
        (HUBSPOT, "2027-03-31T08:00:00Z", dt.date(2027, 3, 31)),
        (HUBSPOT, "2027-02-30 00:00", None),
        (PORTAL, "2027-03-31", dt.date(2027, 3, 31)),
        (PORTAL, "3/31/2027", None),
    ],
)
def test_dates_in_each_crms_export_format(preset, raw, expected):
    assert preset.date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$125,000.00", ("125000.00", None)),
        ("USD 125,000.00", ("125000.00", "USD")),
        ("eur 80,000.50", ("80000.50", "EUR")),
        ("125000", ("125000", None)),
        ("125 000,50 EUR", ("125000.50", "EUR")),
        ("1.234.567,89", ("1234567.89", None)),
        ("€ 9,900", ("9900", None)),
        ("USD -5,000.00", ("-5000.00", "USD")),
        ("($5,000.00)", ("-5000.00", None)),
        ("", (None, None)),
        ("about ten", ("about ten", None)),  # left for the service's check to refuse
    ],
)
def test_amounts_lose_symbols_codes_and_thousands_separators(raw, expected):
    assert presets.amount(raw) == expected


def test_headers_match_in_any_case_and_spacing():
    assert SALESFORCE.column_of(" opportunity  id ") == "crm_id"
    assert SALESFORCE.column_of("Opportunity Owner: Email") == "owner_email"
    assert HUBSPOT.column_of("Deal currency code") == "currency"
    assert HUBSPOT.column_of("Associated Company (Primary)") == "account_name"
    assert PORTAL.column_of("created_date") == "opened_on"
    assert PORTAL.column_of("account") == "account_name"
    assert SALESFORCE.column_of("Lead Source") is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Opportunity ID", "Opportunity Name", "Amount", "Stage"], "salesforce"),
        (["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date"], "hubspot"),
        (["crm_id", "name", "amount", "outcome"], "portal"),
    ],
)
def test_auto_guesses_the_preset_from_the_header(header, expected):
    assert presets.guess(header).key == expected


def test_auto_refuses_a_header_that_fits_no_preset_and_says_what_each_needs():
    with pytest.raises(presets.NoPreset) as error:
        presets.guess(["Id", "Title", "Amount"])
    message = str(error.value)
    assert "Salesforce needs Opportunity ID and Opportunity Name" in message
    assert "HubSpot needs Record ID and Deal Name" in message


def test_owner_email_is_taken_from_a_name_and_email_cell():
    assert presets.email_in("Pat Rep (pat.rep@example.com)") == "pat.rep@example.com"
    assert presets.email_in("sam.sales@example.com") == "sam.sales@example.com"
    assert presets.email_in("Jane Seller") is None


@pytest.mark.parametrize(
    ("percent", "group"),
    [(0, "early"), (30, "early"), (31, "middle"), (69, "middle"), (70, "late")],
)
def test_probability_gives_the_stage_group(percent, group):
    assert presets.group_of(percent) == group


def test_won_closed_and_probability_cells():
    assert [presets.flag(v) for v in ("1", "0", "TRUE", "false", "")] == [
        True,
        False,
        True,
        False,
        None,
    ]
    with pytest.raises(ValueError):
        presets.flag("maybe")
    assert presets.probability("60", fraction=False) == 60
    assert presets.probability("60%", fraction=False) == 60
    assert presets.probability("0.6", fraction=True) == 60
    with pytest.raises(ValueError):
        presets.probability("160", fraction=False)
