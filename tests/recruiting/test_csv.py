"""CSV import and export: messy CRM files, bad rows, dry runs, idempotence, round trips, CLI."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.accounts import service as accounts_service
from portal.accounts.models import Account
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks.models import AdvocateEligibility
from portal.audit.models import AuditEvent
from portal.csvio import CsvFileError
from portal.errors import ValidationFailed
from portal.extensions import db as _db
from portal.recruiting import csv_export, csv_import
from portal.recruiting.models import ImportPreview
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, UserFactory
from tests.queries import QueryCounter

ACCOUNTS = (
    "crm_id,name,industry,segment,region,country,employees,arr,status,products,csm_email\n"
    "A-1,Alpha Bank,banking,enterprise,emea,DE,5000,1200000,active,payments,csm@example.com\n"
    "A-2,Beta Shop,retail,smb,na,US,40,,candidate,,\n"
)


def _import(kind, text, **kwargs):
    return csv_import.run_import(None, kind, text, **kwargs)


def _count(model):
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_accounts_import_creates_then_re_import_changes_nothing(db):
    UserFactory(email="csm@example.com", role="csm")
    report = _import("accounts", ACCOUNTS)
    assert report.counts == {"create": 2}
    alpha = db.session.scalar(sa.select(Account).where(Account.crm_id == "A-1"))
    assert (alpha.industry, alpha.employees, alpha.arr, alpha.products) == (
        "banking",
        5000,
        1200000,
        ["payments"],
    )
    assert alpha.csm.email == "csm@example.com"
    assert db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "accounts.imported")
        .order_by(AuditEvent.id)
    )
    again = _import("accounts", ACCOUNTS)
    assert again.counts == {"unchanged": 2}
    changed = _import(
        "accounts", ACCOUNTS.replace("Beta Shop,retail,smb", "Beta Shop,retail,mid_market")
    )
    assert changed.counts == {"unchanged": 1, "update": 1}
    assert changed.outcomes[1].changes == {"segment": ["smb", "mid_market"]}


def test_a_messy_crm_file_is_read(db):
    messy = (
        "\ufeffCRM ID; Name ;Industry;Segment;Region;Country;Products;Favourite colour;Notes\r\n"
        'X-1;"Gamma Bank; Ltd";BANKING;Mid Market;  Emea ;de;Payments | Analytics;blue;'
        '"two\r\nlines"\r\n'
        "X-2;Delta Retail;Retail; enterprise ;North America;US;;green;\r\n"
    ).encode()
    report = _import("accounts", messy)
    assert report.counts == {"create": 2}, report.errors
    assert report.ignored_columns == ["favourite_colour"]
    gamma = db.session.scalar(sa.select(Account).where(Account.crm_id == "X-1"))
    assert (gamma.name, gamma.industry, gamma.segment, gamma.region, gamma.country) == (
        "Gamma Bank; Ltd",
        "banking",
        "mid_market",
        "emea",
        "DE",
    )
    assert gamma.products == ["payments", "analytics"]
    assert gamma.notes == "two\nlines"
    assert db.session.scalar(sa.select(Account.region).where(Account.crm_id == "X-2")) == "na"


def test_bad_rows_are_reported_with_line_and_field_and_the_rest_written(db):
    AccountFactory(crm_id="A-9")
    text = (
        "email,name,account_crm_id,seniority,status,timezone\n"
        "good@x.example,Good Person,A-9,Director,Invited,europe/berlin\n"
        "not-an-email,Bad Mail,A-9,,,\n"
        "nameless@x.example,,A-9,,,\n"
        "enum@x.example,Enum Person,A-9,overlord,,\n"
        '"quoted@x.example","Quoted\nNewline",A-9,,,\n'
        "noacct@x.example,No Account,Z-0,,,\n"
        "good@x.example,Good Twice,A-9,,,\n"
        "tz@x.example,Zone,A-9,,,Mars/Base\n"
    )
    report = _import("advocates", text)
    errors = {o.line: o.errors for o in report.errors}
    assert set(errors) == {3, 4, 5, 8, 9, 10}
    assert "e-mail" in errors[3]["email"]
    assert errors[4] == {"name": "This field is required."}
    assert "seniority" in errors[5]
    assert "Z-0" in errors[8]["account_crm_id"]
    assert "line 2" in errors[9][""]
    assert "timezone" in errors[10]
    assert report.counts["create"] == 2  # line 2 and the quoted one on lines 6-7
    good = db.session.scalar(sa.select(Advocate).where(Advocate.email == "good@x.example"))
    assert (good.seniority, good.status, good.timezone) == ("director", "invited", "Europe/Berlin")
    assert db.session.get(AdvocateEligibility, good.id) is not None  # matching sees them
    assert _count(Advocate) == 2


def test_a_dry_run_writes_nothing(db):
    report = _import("accounts", ACCOUNTS.replace(",csm@example.com", ","), dry_run=True)
    assert report.counts == {"create": 2}
    assert _count(Account) == 0


def test_an_import_refuses_a_status_move_the_lifecycle_forbids(db):
    account = AccountFactory(crm_id="A-5")
    AdvocateFactory(account=account, email="p@x.example", name="P", status="declined")
    text = "email,name,account_crm_id,status\np@x.example,P,A-5,paused\n"
    report = _import("advocates", text)
    assert "declined can't become paused" in report.errors[0].errors["status"]


def test_a_file_without_the_key_column_is_refused_as_a_whole(db):
    with pytest.raises(CsvFileError):
        _import("accounts", "name,industry\nAlpha,banking\n")
    with pytest.raises(CsvFileError):
        _import("accounts", b"\xff\xfe\x00bad")


def test_export_then_import_gives_no_changes(db):
    csm = UserFactory(email="csm7@example.com", role="csm")
    a = AccountFactory(csm=csm, notes='Says "hi";\nnew line', products=["payments", "analytics"])
    AccountFactory(employees=None, country=None, domain=None)
    AdvocateFactory(account=a, title="VP, Payments", languages=["en", "de"], nomination_reason="x")
    AdvocateFactory(account=a, status="nominated", seniority=None, activity_types=[])
    AskFactory(advocate=AdvocateFactory(account=a))
    db.session.flush()
    accounts = "".join(csv_export.export_accounts())
    advocates = "".join(csv_export.export_advocates())
    asks = "".join(csv_export.export_asks())
    assert accounts.splitlines()[0] == ",".join(csv_export.ACCOUNT_COLUMNS)
    assert asks.splitlines()[0] == ",".join(csv_export.ASK_COLUMNS)
    assert len(asks.splitlines()) == 2
    assert _import("accounts", accounts).counts == {"unchanged": 2}
    assert _import("advocates", advocates).counts == {"unchanged": 3}


def test_cli_import_reports_bad_rows_and_dry_run_writes_nothing(app, db, runner, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS.replace(",csm@example.com", ",") + "A-3,,banking,smb,emea,,,,,,\n")
    result = runner.invoke(args=["import-accounts", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "line 4: A-3: name: This field is required." in result.output
    assert "Dry run: nothing was written." in result.output
    assert _count(Account) == 0
    result = runner.invoke(args=["import-accounts", str(path)])
    assert "3 rows: 2 created, 0 updated, 0 unchanged, 1 refused" in result.output
    db.session.expire_all()
    assert _count(Account) == 2
    result = runner.invoke(args=["import-accounts", str(path)])
    assert "0 created, 0 updated, 2 unchanged" in result.output
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export-accounts", str(out)]).exit_code == 0
    assert out.read_text().count("\n") == 3
    result = runner.invoke(args=["import-advocates", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0


# The import checks each row with the services' own rules ---------------------------------------

ACCOUNT_ROW = {
    "crm_id": "A-1",
    "name": "Alpha Bank",
    "industry": "banking",
    "segment": "enterprise",
    "region": "emea",
}


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("industry", "astrology", "astrology"),
        ("segment", "huge", "huge"),
        ("region", "Mars", "Mars"),
        ("country", "Germany", "Germany"),
        ("employees", "-5", -5),
        ("arr", "lots", "lots"),
        ("domain", "not a domain", "not a domain"),
        ("products", "payments|teleportation", ["payments", "teleportation"]),
        ("name", "<b>Alpha</b>", "<b>Alpha</b>"),
        ("notes", "n" * 10_001, "n" * 10_001),
    ],
)
def test_a_bad_account_cell_gets_the_account_check_s_message(db, column, cell, value):
    row = {**ACCOUNT_ROW, column: cell}
    report = _import("accounts", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    service_data = ACCOUNT_ROW | {column: value}
    with pytest.raises(ValidationFailed) as caught:
        accounts_service.check_account_data(service_data)
    assert report.errors[0].errors == caught.value.fields
    assert set(caught.value.fields) == {column}


ADVOCATE_ROW = {"email": "greta@x.example", "name": "Greta Gold", "account_crm_id": "A-1"}


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("email", "greta@x", "greta@x"),
        ("email", "greta@example.test", "greta@example.test"),
        ("seniority", "intern", "intern"),
        ("products", "teleportation", ["teleportation"]),
        ("use_cases", "flying", ["flying"]),
        ("languages", "en|klingon", ["en", "klingon"]),
        ("timezone", "Mars/Olympus", "Mars/Olympus"),
        ("status", "sleepy", "sleepy"),
        ("activity_types", "skydiving", ["skydiving"]),
        ("preferred_contact", "pigeon", "pigeon"),
        ("title", "t" * 121, "t" * 121),
        ("name", "<script>x</script>", "<script>x</script>"),
        ("nomination_reason", "<b>why</b>", "<b>why</b>"),
    ],
)
def test_a_bad_advocate_cell_gets_the_advocate_check_s_message(db, column, cell, value):
    account = AccountFactory(crm_id="A-1")
    row = {**ADVOCATE_ROW, column: cell}
    report = _import("advocates", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    service_data = {"email": "greta@x.example", "name": "Greta Gold", "account_id": account.id}
    with pytest.raises(ValidationFailed) as caught:
        advocates_service.check_advocate_data(service_data | {column: value})
    assert report.errors[0].errors == caught.value.fields
    assert set(caught.value.fields) == {column}


def test_account_rows_name_the_csm_e_mail_and_every_other_bad_cell(db):
    UserFactory(email="req@example.com", role="requester")
    UserFactory(email="mgr@example.com", role="manager")
    text = (
        "crm_id,name,industry,segment,region,csm_email\n"
        "A-1,Alpha,banking,smb,emea,req@example.com\n"
        "A-2,Beta,astrology,smb,emea,nobody@example.com\n"
        ",Gamma,banking,smb,emea,\n"
        "A-4,Delta,banking,smb,emea,MGR@example.com\n"
    )
    report = _import("accounts", text)
    errors = {o.line: o.errors for o in report.errors}
    assert errors[2] == {
        "csm_email": "No customer success manager with the e-mail req@example.com."
    }
    assert list(errors[3]) == ["industry", "csm_email"]  # in the order of the file's columns
    assert errors[3]["csm_email"] == (
        "No customer success manager with the e-mail nobody@example.com."
    )
    assert errors[4] == {"crm_id": "This field is required."}
    assert report.counts["create"] == 1
    delta = _db.session.scalar(sa.select(Account).where(Account.crm_id == "A-4"))
    assert delta.csm.email == "mgr@example.com"


def test_advocate_rows_name_the_account_crm_id(db):
    AccountFactory(crm_id="A-1")
    text = (
        "email,name,account_crm_id,seniority\n"
        "a@x.example,A,,\n"
        "b@x.example,B,Z-9,boss\n"
        "c@x.example,C,a-1,\n"
    )
    errors = {o.line: o.errors for o in _import("advocates", text).errors}
    assert errors[2] == {"account_crm_id": "This field is required."}
    assert errors[3] == {
        "account_crm_id": "No account with the CRM id Z-9: import accounts first.",
        "seniority": "Must be one of: director, executive, manager, practitioner, technical.",
    }
    assert errors[4] == {"account_crm_id": "No account with the CRM id a-1: import accounts first."}


def _advocates_file(rows: int) -> str:
    return "email,name,account_crm_id,timezone,products,languages\n" + "".join(
        f"p{n}@x.example,Person {n},A-1,europe/berlin,Payments,en\n" for n in range(rows)
    )


def _accounts_file(rows: int) -> str:
    return "crm_id,name,industry,segment,region,products,csm_email\n" + "".join(
        f"C-{n},Company {n},Banking,SMB,EMEA,payments,csm@example.com\n" for n in range(rows)
    )


@pytest.mark.parametrize(
    ("kind", "make"), [("accounts", _accounts_file), ("advocates", _advocates_file)]
)
def test_an_import_reads_the_vocabulary_once_and_nothing_per_row(db, kind, make):
    UserFactory(email="csm@example.com", role="csm")
    AccountFactory(crm_id="A-1")
    counts = []
    for rows in (3, 60):
        with QueryCounter(_db.engine) as queries:
            report = _import(kind, make(rows), dry_run=True)
        assert report.counts == {"create": rows}, report.errors
        assert sum("taxonomy_terms" in s for s in queries.statements) == 1
        counts.append(queries.count)
    assert counts[0] == counts[1]


# Files that can't be read: one clear error, page and command line, and nothing written --------

HEADER = b"crm_id,name,industry,segment,region,notes\n"
GOOD_ROW = b"G-1,Good Bank,banking,smb,emea,fine\n"
BAD_FILES = {
    "a cell over 128 KiB": (
        HEADER + GOOD_ROW + b'B-1,Big Bank,banking,smb,emea,"' + b"x" * 140_000 + b'"\n',
        "Line 3: a cell is longer than 128 KiB.",
    ),
    "not UTF-8": (HEADER + b"L-1,Caf\xe9 Bank,banking,smb,emea,\n", "The file is not UTF-8"),
    "a NUL byte": (
        HEADER + GOOD_ROW + b"N-1,Nul\x00Bank,banking,smb,emea,\n",
        "The file holds a NUL character (line 3)",
    ),
    "empty": (b"", "The file is empty."),
    "only blank lines": (b"\r\n\r\n", "The file is empty."),
    "a blank header": (b",,,\n" + GOOD_ROW, "The first line is blank"),
    "no header": (GOOD_ROW, "The header lacks the columns crm_id, name."),
}


def _no_trace(db):
    db.session.expire_all()
    assert _count(Account) == 0
    assert _count(ImportPreview) == 0
    assert (
        _db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "accounts.imported")
            .order_by(AuditEvent.id)
        )
        is None
    )


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_file_that_cannot_be_read_is_one_clear_error_on_the_page(db, client, auth, name):
    data, message = BAD_FILES[name]
    UserFactory(role="manager", email="m@example.com")
    _db.session.commit()
    auth.login("m@example.com")
    response = client.post(
        "/recruiting/import",
        data={"kind": "accounts", "file": (io.BytesIO(data), "crm.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert escape(message) in response.get_data(as_text=True)
    _no_trace(db)


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("name", BAD_FILES)
def test_a_file_that_cannot_be_read_is_one_clear_error_on_the_command_line(
    db, runner, tmp_path, name, dry_run
):
    data, message = BAD_FILES[name]
    path = tmp_path / "crm.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["import-accounts", str(path), *(["--dry-run"] * dry_run)])
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output
    _no_trace(db)


def test_an_import_takes_off_the_quote_an_export_put_before_a_formula(db):
    text = (
        "crm_id,name,industry,segment,region,notes\n"
        "Q-1,'=Quoted Bank,banking,smb,emea,'+1 555\n"
        "Q-2,'Plain Bank,banking,smb,emea,''@twice\n"
    )
    assert _import("accounts", text).counts == {"create": 2}
    names = dict(_db.session.execute(sa.select(Account.crm_id, Account.name)).all())
    notes = dict(_db.session.execute(sa.select(Account.crm_id, Account.notes)).all())
    assert (names["Q-1"], notes["Q-1"]) == ("=Quoted Bank", "+1 555")
    # A quote before text that starts no formula is the text's own.
    assert (names["Q-2"], notes["Q-2"]) == ("'Plain Bank", "'@twice")


def test_the_files_columns_stay_as_published():
    """The columns come from the services' field lists; the files' order must not move."""
    assert csv_export.ACCOUNT_COLUMNS == (
        "crm_id", "name", "domain", "industry", "segment", "region", "country", "employees",
        "arr", "status", "products", "csm_email", "notes",
    )  # fmt: skip
    assert csv_export.ADVOCATE_COLUMNS == (
        "email", "name", "account_crm_id", "title", "seniority", "products", "use_cases",
        "languages", "timezone", "status", "nomination_reason", "activity_types",
        "preferred_contact",
    )  # fmt: skip
