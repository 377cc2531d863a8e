"""CSV export of accounts, advocates and asks for CRM round trips, and the field lists of the
files (the import reads the same columns)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from portal import csvio
from portal.accounts import service as accounts
from portal.accounts.models import Account
from portal.advocates import service as advocates
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.csvio import CsvFileError
from portal.extensions import db
from portal.program import custom_field_values

# The files' columns are the services' fields (one list), in the order the files have always
# had, with the account and the CSM by CRM id and e-mail instead of database ids.
ACCOUNT_COLUMNS = (
    "crm_id",
    *(name for name in accounts.FIELDS if name not in ("crm_id", "csm_id", "notes")),
    "csm_email",
    "notes",
)
ADVOCATE_COLUMNS = (
    "email",
    "name",
    "account_crm_id",
    *(name for name in advocates.FIELDS if name not in ("account_id", "name", "email", "bio")),
)
ASK_COLUMNS = (
    "id",
    "request_id",
    "advocate_email",
    "account_crm_id",
    "activity_type",
    "prospect_company",
    "status",
    "asked_at",
    "respond_by",
    "responded_at",
    "decline_reason",
    "scheduled_at",
    "completed_at",
    "requester_rating",
)
BATCH = 1000


def _accounts_query() -> sa.Select:
    csm = sa.orm.aliased(User)
    stored = [getattr(Account, n) for n in ACCOUNT_COLUMNS if n != "csm_email"]
    # csm_email stands before notes in the file: the last two columns swap.
    return (
        sa.select(*stored[:-1], csm.email, stored[-1], Account.custom_fields)
        .outerjoin(csm, Account.csm_id == csm.id)
        .order_by(Account.crm_id.is_(None), Account.crm_id, Account.id)
    )


def _advocates_query() -> sa.Select:
    return (
        sa.select(
            *[
                Account.crm_id if n == "account_crm_id" else getattr(Advocate, n)
                for n in ADVOCATE_COLUMNS
            ],
            Advocate.custom_fields,
        )
        .join(Account, Advocate.account_id == Account.id)
        .where(Advocate.anonymized_at.is_(None))
        .order_by(Advocate.email)
    )


def _asks_query() -> sa.Select:
    return (
        sa.select(
            Ask.id,
            Ask.request_id,
            Advocate.email,
            Account.crm_id,
            ReferenceRequest.activity_type,
            ReferenceRequest.prospect_company,
            Ask.status,
            Ask.asked_at,
            Ask.respond_by,
            Ask.responded_at,
            Ask.decline_reason,
            Ask.scheduled_at,
            Ask.completed_at,
            Ask.requester_rating,
        )
        .join(Advocate, Ask.advocate_id == Advocate.id)
        .join(Account, Advocate.account_id == Account.id)
        .join(ReferenceRequest, Ask.request_id == ReferenceRequest.id)
        .order_by(Ask.id)
    )


QUERIES = {"accounts": _accounts_query, "advocates": _advocates_query, "asks": _asks_query}
COLUMNS = {"accounts": ACCOUNT_COLUMNS, "advocates": ADVOCATE_COLUMNS, "asks": ASK_COLUMNS}


def _export(kind: str) -> Iterator[str]:
    # Rows are fetched in batches as the file streams, not all held at once. The result (a
    # server-side cursor on PostgreSQL) is closed however the stream ends: read to the end,
    # or dropped when the client goes away.
    rows = db.session.execute(QUERIES[kind]().execution_options(yield_per=BATCH))
    columns, cells = COLUMNS[kind], rows
    if kind in ("accounts", "advocates"):
        # The active custom fields follow the built-in columns, each named by its key.
        keys = custom_field_values.csv_keys(kind.removesuffix("s"))
        columns = (*columns, *keys)
        cells = ((*row[:-1], *custom_field_values.csv_cells(row[-1], keys)) for row in rows)
    try:
        yield from csvio.lines(columns, cells)
    finally:
        rows.close()


def export_accounts() -> Iterator[str]:
    return _export("accounts")


def export_advocates() -> Iterator[str]:
    return _export("advocates")


def export_asks() -> Iterator[str]:
    return _export("asks")


def record_export(actor, kind: str, *, via: str) -> int:
    """Audit a full export of `kind` with its row count (pages and command line alike); the
    caller commits before it streams EXPORTS[kind]()."""
    if kind not in QUERIES:
        raise CsvFileError(f"Export kind must be one of: {', '.join(QUERIES)}.", field="kind")
    query = QUERIES[kind]().order_by(None).subquery()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(query))
    csvio.record_export(actor, kind, rows=rows, via=via)
    return rows


EXPORTS = {"accounts": export_accounts, "advocates": export_advocates, "asks": export_asks}
