"""Every CSV export, page and command line: no cell a spreadsheet would run as a formula, a file
that imports back unchanged, a streamed attachment, and an audit event for each download."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

import pytest
import sqlalchemy as sa

from portal import csvio
from portal.audit.models import AuditEvent
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    advocate_with_login,
)
from tests.helpers import sign_in

EVIL_NAME = "=cmd|' /C calc'!A0"
# Notes a spreadsheet would run, each kept by the account check as it is.
EVIL_NOTES = ["+1 555 0100", "-10% off", "@SUM(A1:A9)", '=HYPERLINK("http://x.example","go")']
FORMULA_TEXTS = ["=1+1", "+1", "-1", "@x", "\t=1+1", "\r=1+1", "'=1+1", "''-1"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _exports(db) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "export.downloaded")
        .order_by(AuditEvent.id)
    ).all()


# The one cell rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_a_text_cell_that_starts_a_formula_is_written_with_a_quote(text):
    assert csvio.cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-5, "-5"),
        (decimal.Decimal("-5.50"), "-5.50"),
        (-1.5, "-1.5"),
        (None, ""),
        ("plain", "plain"),
        ("'quoted", "'quoted"),
        ("a=b", "a=b"),
        (["=x", "y"], "'=x|y"),
        (dt.date(2026, 1, 2), "2026-01-02"),
    ],
)
def test_numbers_and_harmless_text_are_written_as_they_are(value, written):
    assert csvio.cell(value) == written


def test_every_guarded_text_reads_back_as_it_was():
    texts = [*FORMULA_TEXTS, "'", "'abc", "plain", "", "-5", "a\nb"]
    header, rows = csvio.read(csvio.text(["value", "n"], [[t, 1] for t in texts]))
    assert header == ["value", "n"]
    assert [values for _, values in rows] == [[t, "1"] for t in texts]


# Accounts, advocates and asks: pages and command line -----------------------------------------


@pytest.fixture
def evil(db):
    """Accounts and an advocate whose cells a spreadsheet would run, and an ask about them."""
    accounts = [AccountFactory(notes=notes) for notes in EVIL_NOTES]
    advocate = AdvocateFactory(account=accounts[0], name=EVIL_NAME, title="@CFO")
    AskFactory(advocate=advocate, request=ReferenceRequestFactory(prospect_company="=EVIL()"))
    db.session.commit()
    return advocate


def _column(rows: list[list[str]], name: str) -> list[str]:
    at = rows[0].index(name)
    return [row[at] for row in rows[1:]]


def test_exports_quote_every_cell_that_starts_a_formula(db, client, auth, evil):
    # Stored before the services' checks, which take off leading blanks (tabs, returns).
    AccountFactory(name="Tab Bank", notes="\t=1+1")
    AccountFactory(name="Return Bank", notes="\r=1+1")
    sign_in(db, auth)
    accounts = _cells(client.get("/recruiting/export/accounts.csv").get_data(as_text=True))
    notes = _column(accounts, "notes")
    for text in [*EVIL_NOTES, "\t=1+1", "\r=1+1"]:
        assert "'" + text in notes
    advocates = _cells(client.get("/recruiting/export/advocates.csv").get_data(as_text=True))
    assert _column(advocates, "name") == ["'" + EVIL_NAME]
    assert _column(advocates, "title") == ["'@CFO"]
    asks = _cells(client.get("/recruiting/export/asks.csv").get_data(as_text=True))
    assert _column(asks, "prospect_company") == ["'=EVIL()"]
    assert not any(
        cell[:1] in csvio.FORMULA_STARTS
        for rows in (accounts, advocates, asks)
        for row in rows
        for cell in row
    )


def test_a_page_export_imports_back_through_the_import_page_unchanged(db, client, auth, evil):
    sign_in(db, auth)
    for kind in ("accounts", "advocates"):
        exported = client.get(f"/recruiting/export/{kind}.csv").get_data()
        preview = client.post(
            "/recruiting/import",
            data={"kind": kind, "file": (io.BytesIO(exported), f"{kind}.csv")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        upload = preview.split('name="upload" type="hidden" value="')[1].split('"')[0]
        done = client.post(
            "/recruiting/import/confirm",
            data={"upload": upload, "kind": kind},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "0 created, 0 updated" in done, kind
    db.session.expire_all()
    assert evil.name == EVIL_NAME
    assert (
        db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action.like("%.imported"))
            .order_by(AuditEvent.id)
        )
        is None
    )


def test_a_cli_export_imports_back_through_the_cli_unchanged(db, runner, tmp_path, evil):
    for kind in ("accounts", "advocates"):
        path = tmp_path / f"{kind}.csv"
        assert runner.invoke(args=[f"export-{kind}", str(path)]).exit_code == 0
        result = runner.invoke(args=[f"import-{kind}", str(path)])
        assert result.exit_code == 0, result.output
        assert "0 created, 0 updated" in result.output, result.output
    db.session.expire_all()
    assert evil.name == EVIL_NAME
    names = _column(_cells((tmp_path / "advocates.csv").read_text()), "name")
    assert names == ["'" + EVIL_NAME]


def test_a_page_export_streams_as_an_attachment_and_is_audited(db, client, auth, evil):
    manager = sign_in(db, auth)
    response = client.get("/recruiting/export/advocates.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="advocates.csv"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.get_data()
    client.get("/recruiting/export/accounts.csv").get_data()
    events = _exports(db)
    assert [(e.actor_id, e.data) for e in events] == [
        (manager.id, {"kind": "advocates", "filters": {}, "rows": 1, "via": "page"}),
        (manager.id, {"kind": "accounts", "filters": {}, "rows": 4, "via": "page"}),
    ]


@pytest.mark.parametrize(("kind", "rows"), [("accounts", 4), ("advocates", 1), ("asks", 1)])
def test_a_cli_export_is_audited_with_its_row_count(db, runner, evil, kind, rows):
    result = runner.invoke(args=[f"export-{kind}"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == rows + 1
    [event] = _exports(db)
    assert event.actor_id is None
    assert event.data == {"kind": kind, "filters": {}, "rows": rows, "via": "cli"}


def test_a_refused_export_is_not_audited(db, client, auth):
    sign_in(db, auth, role="requester")
    assert client.get("/recruiting/export/advocates.csv").status_code == 403
    auth.logout()
    sign_in(db, auth)
    assert client.get("/recruiting/export/secrets.csv").status_code == 404
    assert _exports(db) == []


# Reports, the give-and-get table and an advocate's own data -----------------------------------


def test_a_report_csv_download_is_audited_with_its_filters(db, client, auth):
    manager = sign_in(db, auth)
    response = client.get("/reports/funnel.csv?start=2026-01-01&end=2026-06-30&team=sales")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="funnel-2026-01-01-2026-06-30.csv"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = len(_cells(response.get_data(as_text=True))) - 1
    [event] = _exports(db)
    assert event.actor_id == manager.id
    assert event.data == {
        "kind": "report.funnel",
        "filters": {"start": "2026-01-01", "end": "2026-06-30", "team": "sales"},
        "rows": rows,
        "via": "page",
    }


def test_a_report_cell_that_starts_a_formula_is_quoted_even_with_a_tab():
    from portal.reports.params import Report, parse_params

    params = parse_params("funnel", {}, today=dt.date(2026, 6, 30))
    report = Report("x", "X", params, ["a", "b", "c"], [["\t=1+1", "\r@x", -5]])
    assert _cells(report.csv())[1] == ["'\t=1+1", "'\r@x", "-5"]


def test_the_give_and_get_csv_is_audited(db, client, auth):
    AdvocateFactory(name="=HYPERLINK(1)")
    manager = sign_in(db, auth)
    response = client.get("/program/benefits/give-get.csv")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = len(_cells(response.get_data(as_text=True))) - 1
    [event] = _exports(db)
    assert (event.actor_id, event.data["kind"], event.data["rows"]) == (
        manager.id,
        "give_and_get",
        rows,
    )


def test_an_advocates_own_data_export_is_audited(db, client, auth):
    advocate, user = advocate_with_login()
    db.session.commit()
    auth.login(user.email)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.data_exported")
        .order_by(AuditEvent.id)
    )
    assert (event.actor_id, event.entity_id) == (user.id, advocate.id)


def test_download_names_keep_to_safe_characters():
    assert csvio.safe_filename('a"b;\r\nc/../d.csv') == "a-b-c-..-d.csv"
    assert csvio.safe_filename("..") == "export.csv"
