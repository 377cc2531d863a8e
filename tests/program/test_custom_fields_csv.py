"""Custom fields in CSV files: one column per active field named by its key; imports check each
cell (line, column, why), are idempotent, and an export reads back changing nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import portal.models  # noqa: F401  (every model mapped before the services import)
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.eligibility_row import eligibility_of
from portal.program import custom_fields
from portal.recruiting import csv_export, csv_import
from tests.factories import AccountFactory, UserFactory
from tests.program.custom_field_helpers import add_fields

ACCOUNTS = (
    "crm_id,name,industry,segment,region,job_function,team_size,met_on,hobby\n"
    "A-1,Alpha Bank,banking,enterprise,emea,CIO,1200,2026-01-15,=SUM(A1)\n"
    "A-2,Beta Shop,retail,smb,na,cto,,,\n"
)


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def export(kind: str) -> str:
    return "".join(csv_export.EXPORTS[kind]())


def test_an_account_import_fills_custom_values_and_a_re_import_changes_nothing(db, admin):
    add_fields(admin, entity="account")
    report = csv_import.run_import(None, "accounts", ACCOUNTS)
    assert report.counts == {"create": 2}
    assert report.ignored_columns == []
    alpha = db.session.scalar(sa.select(Account).where(Account.crm_id == "A-1"))
    assert alpha.custom_fields == {
        "job_function": "cio",  # the label in the file, stored as the term's value
        "team_size": 1200,
        "met_on": "2026-01-15",
        "hobby": "=SUM(A1)",
    }
    again = csv_import.run_import(None, "accounts", ACCOUNTS)
    assert again.counts == {"unchanged": 2}
    changed = csv_import.run_import(None, "accounts", ACCOUNTS.replace("smb,na,cto", "smb,na,ciso"))
    assert changed.counts == {"unchanged": 1, "update": 1}
    assert changed.outcomes[1].changes == {
        "custom_fields": [{"job_function": "cto"}, {"job_function": "ciso"}]
    }


def test_a_bad_cell_is_reported_with_its_line_column_and_why_and_the_row_is_skipped(db, admin):
    add_fields(admin, entity="account")
    text = ACCOUNTS.replace("CIO,1200", "CEO,lots")
    report = csv_import.run_import(None, "accounts", text)
    assert report.counts == {"error": 1, "create": 1}
    bad = report.errors[0]
    assert bad.line == 2
    assert set(bad.errors) == {"job_function", "team_size"}
    assert "Unknown value CEO" in bad.errors["job_function"]
    assert db.session.scalar(sa.select(Account.crm_id)) == "A-2"


def test_a_file_without_the_custom_columns_keeps_the_stored_values(db, admin):
    add_fields(admin, entity="account")
    csv_import.run_import(None, "accounts", ACCOUNTS)
    plain = "crm_id,name,industry,segment,region\nA-1,Alpha Bank,banking,enterprise,emea\n"
    assert csv_import.run_import(None, "accounts", plain).counts == {"unchanged": 1}
    alpha = db.session.scalar(sa.select(Account).where(Account.crm_id == "A-1"))
    assert alpha.custom_fields["team_size"] == 1200


def test_a_required_field_must_be_in_the_file_for_new_records(db, admin):
    choice, *_ = add_fields(admin, entity="account")
    custom_fields.update_field(admin, choice, {"required": True})
    plain = "crm_id,name,industry,segment,region\nA-9,Gamma,banking,enterprise,emea\n"
    report = csv_import.run_import(None, "accounts", plain)
    assert report.errors[0].errors == {"job_function": "This field is required."}


def test_advocates_export_their_custom_values_safely_and_read_back_unchanged(db, admin):
    add_fields(admin, multiple=True)
    AccountFactory(crm_id="A-1")
    text = (
        "email,name,account_crm_id,job_function,team_size,hobby\n"
        'ada@bank.example,Ada,A-1,"cio|CTO",3.5,"-1 is my lucky number"\n'
    )
    assert csv_import.run_import(None, "advocates", text).counts == {"create": 1}
    ada = db.session.scalar(sa.select(Advocate))
    assert ada.custom_fields == {
        "job_function": ["cio", "cto"],
        "team_size": 3.5,
        "hobby": "-1 is my lucky number",
    }
    assert eligibility_of(ada.id).crit_custom == "|job_function=cio|job_function=cto|"
    exported = export("advocates")
    header, row = exported.splitlines()[:2]
    assert header.endswith(",job_function,team_size,met_on,hobby")
    assert row.endswith(",cio|cto,3.5,,'-1 is my lucky number")  # no formula in a spreadsheet
    again = csv_import.run_import(None, "advocates", exported)
    assert again.counts == {"unchanged": 1}, again.outcomes


def test_a_retired_field_leaves_the_export_and_its_column_is_ignored_on_import(db, admin):
    choice, number, *_ = add_fields(admin, entity="account")
    csv_import.run_import(None, "accounts", ACCOUNTS)
    custom_fields.update_field(admin, number, {"active": False})
    exported = export("accounts")
    assert "team_size" not in exported.splitlines()[0]
    report = csv_import.run_import(None, "accounts", ACCOUNTS.replace("1200", "9"))
    assert report.ignored_columns == ["team_size"]
    assert report.counts == {"unchanged": 2}
    alpha = db.session.scalar(sa.select(Account).where(Account.crm_id == "A-1"))
    assert alpha.custom_fields["team_size"] == 1200
    assert csv_import.run_import(None, "accounts", exported).counts == {"unchanged": 2}
