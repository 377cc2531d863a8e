"""CSV import and export of accounts and advocates (and export of asks) for CRM round trips.

Imports upsert by account `crm_id` and advocate `email`. Every row is checked first and gets an
outcome (create, update, unchanged, error with the field and why); then, unless it is a dry run,
valid rows are written in batches with Core statements (no ORM flush per row), in the caller's
transaction. Real CRM files are messy: a BOM, semicolons or tabs, quoted newlines, extra
columns, enum values in any case and spacing or as the words people read.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import NamedTuple

import sqlalchemy as sa

from portal import csvio
from portal.accounts import service as accounts_service
from portal.accounts.models import Account
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks.eligibility import refresh_advocates, settings_in_memory
from portal.asks.models import Ask, ReferenceRequest
from portal.audit import service as audit
from portal.auth.models import User
from portal.csvio import CsvFileError
from portal.database import now_utc
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.program import custom_field_values
from portal.program.service import Vocabulary
from portal.recruiting.models import ImportPreview
from portal.vocab import (
    ACCOUNT_STATUSES,
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    CONTACT_CHANNELS,
    LABELS,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
)

ACCOUNT_COLUMNS = (
    "crm_id",
    "name",
    "domain",
    "industry",
    "segment",
    "region",
    "country",
    "employees",
    "arr",
    "status",
    "products",
    "csm_email",
    "notes",
)
ADVOCATE_COLUMNS = (
    "email",
    "name",
    "account_crm_id",
    "title",
    "seniority",
    "products",
    "use_cases",
    "languages",
    "timezone",
    "status",
    "nomination_reason",
    "activity_types",
    "preferred_contact",
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
REQUIRED = {"accounts": ("crm_id", "name"), "advocates": ("email", "name")}
LIST_FIELDS = ("products", "use_cases", "languages", "activity_types")
LIST_SEPARATOR = csvio.LIST_SEPARATOR
BATCH = 1000
MAX_BYTES = csvio.MAX_BYTES
KINDS = ("accounts", "advocates")


@dataclass
class RowOutcome:
    line: int
    key: str
    action: str  # create | update | unchanged | error
    errors: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list] = field(default_factory=dict)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(o.action for o in self.outcomes)

    @property
    def errors(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.action == "error"]

    def summary(self) -> str:
        c = self.counts
        verb = "would be" if self.dry_run else "were"
        return (
            f"{len(self.outcomes)} row{'' if len(self.outcomes) == 1 else 's'}: "
            f"{c['create']} created, {c['update']} updated, "
            f"{c['unchanged']} unchanged, {c['error']} refused ({verb} written: "
            f"{c['create'] + c['update']})."
        )


# Reading messy files -----------------------------------------------------------------------


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower()).strip("_")


def decode(data: bytes | str) -> str:
    return csvio.decode(data)


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Header keys and (line, {column: value}) rows; the delimiter is guessed from the header."""
    header, cells = csvio.read(text)
    keys = [_header_key(h) for h in header]

    def rows():
        for line, values in cells:
            yield (
                line,
                {k: v.replace("\r\n", "\n") for k, v in zip(keys, values, strict=False) if k},
            )

    return keys, rows()


def _enum_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _enum_map(values: Iterable[str], labels: dict[str, str] | None = None) -> dict[str, str]:
    """Every way a CRM may spell a value (key, label, any case and spacing) -> the key."""
    out = {}
    for value in values:
        out[_enum_key(value)] = value
        word = (labels or {}).get(value) or LABELS.get(value)
        if word:
            out[_enum_key(word)] = value
    return out


class _Spellings:
    """Every spelling of the allowed values, built once per import from one vocabulary (which
    the services' checks then use for every row, instead of reading it per row)."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.taxonomy = {
            kind: _enum_map(vocabulary.labels.get(kind, {}), vocabulary.labels.get(kind, {}))
            for kind in ("industry", "product", "use_case", "language")
        }
        self.fixed = {
            name: _enum_map(values)
            for name, values in (
                ("segment", SEGMENTS),
                ("region", REGIONS),
                ("account_status", ACCOUNT_STATUSES),
                ("advocate_status", ADVOCATE_STATUSES),
                ("seniority", SENIORITIES),
                ("preferred_contact", CONTACT_CHANNELS),
                ("activity_type", ACTIVITY_TYPES),
            )
        }
        self.timezones = {zone.lower(): zone for zone in vocabulary.timezones}


def _one(raw: str, mapping: dict[str, str]) -> str:
    """A messy enum cell as its key; unknown values pass through for the Checker to refuse."""
    raw = (raw or "").strip()
    return mapping.get(_enum_key(raw), raw) if raw else ""


def _many(raw: str, mapping: dict[str, str]) -> list[str]:
    parts = [p.strip() for p in re.split(r"[|;,\n]", raw or "") if p.strip()]
    return [mapping.get(_enum_key(p), p) for p in parts]


def _number(raw: str):
    raw = (raw or "").strip().replace("_", "")
    if not raw:
        return None
    compact = raw.replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(\.0+)?", compact):
        return int(compact.split(".")[0])
    return raw  # the Checker says "Must be a whole number."


# Row checks: the services' own checks, with the file's columns and messages about them -------


def _refused(errors: dict[str, str], columns: tuple[str, ...]) -> ValidationFailed:
    """The row's errors, in the order of the file's columns."""
    order = {name: n for n, name in enumerate(columns)}
    ordered = dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))
    name, why = next(iter(ordered.items()))
    return ValidationFailed(f"{name}: {why}", fields=ordered)


def _check_account(row: dict, spellings: _Spellings, users: dict[str, User]) -> dict:
    crm_id = row.get("crm_id", "")
    email = (row.get("csm_email") or "").strip().lower()
    csm = users.get(email) if email else None
    data = {
        "crm_id": crm_id,
        "name": row.get("name", ""),
        "domain": row.get("domain", ""),
        "industry": _one(row.get("industry", ""), spellings.taxonomy["industry"]),
        "segment": _one(row.get("segment", ""), spellings.fixed["segment"]),
        "region": _one(row.get("region", ""), spellings.fixed["region"]),
        "country": row.get("country", ""),
        "employees": _number(row.get("employees", "")),
        "arr": _number(row.get("arr", "")),
        "status": _one(row.get("status", ""), spellings.fixed["account_status"]),
        "products": _many(row.get("products", ""), spellings.taxonomy["product"]),
        "notes": row.get("notes", ""),
        "csm_id": csm.id if csm is not None else None,
    }
    errors = {}
    try:
        clean = accounts_service.check_account_data(data, vocabulary=spellings.vocabulary)
    except ValidationFailed as error:
        errors = dict(error.fields)
    if not crm_id.strip():
        errors.setdefault("crm_id", "This field is required.")  # the file's key
    if errors.pop("csm_id", None) is not None or (email and csm is None):
        errors["csm_email"] = f"No customer success manager with the e-mail {email}."
    if errors:
        raise _refused(errors, ACCOUNT_COLUMNS)
    clean["products"] = clean.get("products") or []
    return clean


def _check_advocate(
    row: dict, spellings: _Spellings, accounts: dict[str, int], account_ids: frozenset[int]
) -> dict:
    zone = (row.get("timezone") or "").strip()
    crm_id = (row.get("account_crm_id") or "").strip()
    data = {
        "email": row.get("email", ""),
        "name": row.get("name", ""),
        "account_id": accounts.get(crm_id) if crm_id else None,
        "title": row.get("title", ""),
        "seniority": _one(row.get("seniority", ""), spellings.fixed["seniority"]),
        "products": _many(row.get("products", ""), spellings.taxonomy["product"]),
        "use_cases": _many(row.get("use_cases", ""), spellings.taxonomy["use_case"]),
        "languages": _many(row.get("languages", ""), spellings.taxonomy["language"]),
        "timezone": spellings.timezones.get(zone.lower(), zone),
        "status": _one(row.get("status", ""), spellings.fixed["advocate_status"]),
        "nomination_reason": row.get("nomination_reason", ""),
        "activity_types": _many(row.get("activity_types", ""), spellings.fixed["activity_type"]),
        "preferred_contact": _one(
            row.get("preferred_contact", ""), spellings.fixed["preferred_contact"]
        ),
    }
    try:
        clean = advocates_service.check_advocate_data(
            data, vocabulary=spellings.vocabulary, account_ids=account_ids
        )
    except ValidationFailed as error:
        errors = dict(error.fields)
        if "account_id" in errors:
            why = errors.pop("account_id")
            if crm_id:
                why = f"No account with the CRM id {crm_id}: import accounts first."
            errors["account_crm_id"] = why
        raise _refused(errors, ADVOCATE_COLUMNS) from None
    clean["timezone"] = clean.get("timezone") or "UTC"
    clean["preferred_contact"] = clean.get("preferred_contact") or "email"
    return clean


# Import ------------------------------------------------------------------------------------------


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(model, key_column, keys: list[str], columns) -> dict[str, dict]:
    found = {}
    for chunk in _chunks(keys):
        for row in db.session.execute(
            sa.select(model.id, *columns).where(key_column.in_(chunk))
        ).mappings():
            found[row[key_column.key]] = dict(row)
    return found


def _diff(old: dict, new: dict, *, keep_if_blank: Iterable[str] = ()) -> dict[str, list]:
    changes = {}
    for name, value in new.items():
        if name in keep_if_blank and value in (None, ""):
            continue
        if old.get(name) != value:
            changes[name] = [old.get(name), value]
    return changes


def run_import(
    actor,
    kind: str,
    data: bytes | str,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then (unless `dry_run`) write the valid ones; the caller commits."""
    if kind not in KINDS:
        raise CsvFileError(f"Import kind must be one of: {', '.join(KINDS)}.", field="kind")
    text = decode(data)
    keys, rows = read_rows(text)
    columns = ACCOUNT_COLUMNS if kind == "accounts" else ADVOCATE_COLUMNS
    missing = [name for name in REQUIRED[kind] if name not in keys]
    if missing:
        raise CsvFileError(
            f"The header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.",
            field="file",
        )
    report = ImportReport(kind, dry_run)
    custom = _CustomColumns(kind, keys)
    report.ignored_columns = [k for k in keys if k and k not in columns and k not in custom.keys]
    present = [name for name in columns if name in keys]
    rows = list(rows)
    if kind == "accounts":
        _import_accounts(actor, rows, present, report, dry_run, progress, custom)
    else:
        _import_advocates(actor, rows, present, report, dry_run, progress, custom)
    return report


class _CustomColumns:
    """The custom values of one row: the file's columns named by an active field's key, checked
    by custom_field_values.check_values against the stored record (errors name the column)."""

    def __init__(self, kind: str, header: list[str]) -> None:
        self.entity = "account" if kind == "accounts" else "advocate"
        self.fieldset = custom_field_values.FieldSet(self.entity)
        self.keys = [field.key for field in self.fieldset.active if field.key in header]

    def __call__(self, row: dict, old: dict | None) -> dict | None:
        if old is not None and not self.keys:
            return None  # no custom column: stored values stay
        given = {key: row.get(key, "") for key in self.keys}
        stored = (old or {}).get("custom_fields")
        try:
            return custom_field_values.check_values(
                self.entity, given, stored, creating=old is None, text=True, fieldset=self.fieldset
            )
        except ValidationFailed as error:
            fields = {
                n.removeprefix(custom_field_values.PREFIX): why for n, why in error.fields.items()
            }
            name, why = next(iter(fields.items()))
            raise ValidationFailed(f"{name}: {why}", fields=fields) from None


def _plan(rows, key_of, check, existing_of, report, progress, present_fields, custom=None):
    """Outcome per row; returns (creates, updates) as (outcome, clean, old) lists."""
    seen: dict[str, int] = {}
    creates, updates = [], []
    existing = existing_of([key_of(r) for _, r in rows if key_of(r)])
    for n, (line, row) in enumerate(rows, 1):
        key = key_of(row)
        outcome = RowOutcome(line, key, "error")
        report.outcomes.append(outcome)
        if progress and n % 500 == 0:
            progress(500)
        if key and key in seen:
            outcome.errors = {"": f"The same record is on line {seen[key]}; this row is skipped."}
            continue
        try:
            clean = check(row)
        except DomainError as error:
            outcome.errors = error.fields or {"": error.message}
            if key:
                seen[key] = line
            continue
        seen[key] = line
        # Columns absent from the file leave stored values as they are.
        clean = {k: v for k, v in clean.items() if k in present_fields(row)}
        old = existing.get(key)
        if custom is not None:
            try:
                values = custom(row, old)
            except DomainError as error:
                outcome.errors = error.fields or {"": error.message}
                continue
            if values is not None:
                clean["custom_fields"] = values
        if old is None:
            try:
                report_new_status(report.kind, clean)
            except DomainError as error:
                outcome.errors = error.fields or {"": error.message}
                continue
            outcome.action = "create"
            creates.append((outcome, clean))
            continue
        try:
            changes = _diff(old, clean, keep_if_blank=("status",))
            if "status" in changes:
                advocates_or_none = SimpleNamespace(**old)  # status, name and consent
                report_status_move(report.kind, advocates_or_none, changes["status"][1])
        except DomainError as error:
            outcome.errors = error.fields or {"": error.message}
            continue
        outcome.changes = changes
        outcome.action = "update" if changes else "unchanged"
        if changes:
            updates.append((outcome, old["id"], {k: v[1] for k, v in changes.items()}))
    if progress:
        progress(len(rows) % 500)
    return creates, updates


def report_new_status(kind: str, clean: dict) -> None:
    """A new advocate starts where the lifecycle lets one start (not active: no consent yet)."""
    if kind == "advocates":
        advocates_service.check_initial_status(clean.get("name"), clean.get("status"))


def report_status_move(kind: str, current, status: str) -> None:
    """An advocate's status changes only along the lifecycle (the one state machine)."""
    if kind == "advocates":
        advocates_service.check_move(current, status)


def _import_accounts(actor, rows, present, report, dry_run, progress, custom=None):
    spellings = _Spellings(Vocabulary())
    if custom is not None:
        custom.fieldset.vocabulary = spellings.vocabulary  # read once per import
    emails = {(r.get("csm_email") or "").strip().lower() for _, r in rows} - {""}
    users = {}
    for chunk in _chunks(sorted(emails)):
        users.update(
            {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(chunk)))}
        )
    fields = set(present) | {"csm_id"} if "csm_email" in present else set(present)
    stored = [getattr(Account, name) for name in ACCOUNT_COLUMNS if name != "csm_email"]
    creates, updates = _plan(
        rows,
        key_of=lambda r: (r.get("crm_id") or "").strip(),
        check=lambda r: _check_account(r, spellings, users),
        existing_of=lambda keys: _existing(
            Account, Account.crm_id, keys, [*stored, Account.csm_id, Account.custom_fields]
        ),
        report=report,
        progress=progress,
        present_fields=lambda r: fields,
        custom=custom,
    )
    if dry_run:
        return
    now = now_utc()
    inserts = []
    for _, clean in creates:
        clean.setdefault("status", None)
        clean["status"] = clean["status"] or "candidate"
        clean.setdefault("products", [])
        inserts.append({**clean, "created_at": now, "updated_at": now})
    for batch in _chunks(inserts, BATCH):
        db.session.execute(sa.insert(Account), batch)
    changed_accounts = []
    for _, account_id, values in updates:
        db.session.execute(
            sa.update(Account).where(Account.id == account_id).values(**values, updated_at=now)
        )
        changed_accounts.append(account_id)
    # Advocates at changed accounts: their matching data follows the account.
    touched = []
    for chunk in _chunks(changed_accounts):
        touched.extend(
            db.session.scalars(sa.select(Advocate.id).where(Advocate.account_id.in_(chunk)))
        )
    _refresh(touched)
    _audit(actor, report)


def _refresh(advocate_ids: list[int]) -> None:
    """Matching's rows of the advocates written with Core (no flush hook saw them), in batches
    that let go of what they loaded."""
    with settings_in_memory():
        for chunk in _chunks(advocate_ids, 500):
            refresh_advocates(chunk)
            for obj in list(db.session.identity_map.values()):
                if isinstance(obj, Advocate | Account) and not db.session.is_modified(obj):
                    db.session.expunge(obj)


def _import_advocates(actor, rows, present, report, dry_run, progress, custom=None):
    spellings = _Spellings(Vocabulary())
    if custom is not None:
        custom.fieldset.vocabulary = spellings.vocabulary  # read once per import
    crm_ids = sorted({(r.get("account_crm_id") or "").strip() for _, r in rows} - {""})
    accounts = {}
    for chunk in _chunks(crm_ids):
        accounts.update(
            dict(
                db.session.execute(
                    sa.select(Account.crm_id, Account.id).where(Account.crm_id.in_(chunk))
                ).all()
            )
        )
    account_ids = frozenset(accounts.values())
    mapped = {"account_crm_id": "account_id"}
    fields = {mapped.get(name, name) for name in present}
    stored = [getattr(Advocate, mapped.get(n, n)) for n in ADVOCATE_COLUMNS]
    stored += [Advocate.consent_at, Advocate.consent_version]  # a move to active needs consent
    stored.append(Advocate.custom_fields)

    def key_of(row):
        return (row.get("email") or "").strip().lower()

    creates, updates = _plan(
        rows,
        key_of=key_of,
        check=lambda r: _check_advocate(r, spellings, accounts, account_ids),
        existing_of=lambda keys: _existing(Advocate, Advocate.email, keys, stored),
        report=report,
        progress=progress,
        present_fields=lambda r: fields,
        custom=custom,
    )
    if dry_run:
        return
    now = now_utc()
    inserts = []
    for _, clean in creates:
        clean["status"] = clean.get("status") or "nominated"
        for name in LIST_FIELDS:
            clean[name] = clean.get(name) or []
        clean.setdefault("timezone", "UTC")
        clean.setdefault("preferred_contact", "email")
        inserts.append(
            {
                **clean,
                "nominated_by_id": getattr(actor, "id", None),
                "nomination_source": "import",
                "created_at": now,
                "updated_at": now,
            }
        )
    touched: list[int] = []
    for batch in _chunks(inserts, BATCH):
        emails = [row["email"] for row in batch]
        db.session.execute(sa.insert(Advocate), batch)
        touched.extend(db.session.scalars(sa.select(Advocate.id).where(Advocate.email.in_(emails))))
    for _, advocate_id, values in updates:
        db.session.execute(
            sa.update(Advocate).where(Advocate.id == advocate_id).values(**values, updated_at=now)
        )
        touched.append(advocate_id)
    _refresh(touched)
    _audit(actor, report)
    _status_events(actor, updates)


def _status_events(actor, updates: list) -> None:
    """Each advocate whose status the file moved gets its own `advocate.status_changed`, as a
    move on the advocate's page does: the audit trail and webhooks see every move."""
    moved = {
        advocate_id: outcome.changes["status"]
        for outcome, advocate_id, _ in updates
        if "status" in outcome.changes
    }
    if not moved:
        return
    for advocate in db.session.scalars(
        sa.select(Advocate)
        .where(Advocate.id.in_(moved))
        .order_by(Advocate.id)
        .execution_options(populate_existing=True)
    ):
        old, new = moved[advocate.id]
        audit.record(
            actor,
            "advocate.status_changed",
            advocate,
            {"from": old, "to": new, "reason": "CSV import"},
        )


def _audit(actor, report: ImportReport) -> None:
    """One audit event per import, naming every record created or updated."""
    c = report.counts
    if not (c["create"] or c["update"]):
        return
    audit.record(
        actor,
        f"{report.kind}.imported",
        _ImportEntity(),
        {
            "created": [o.key for o in report.outcomes if o.action == "create"],
            "updated": {o.key: o.changes for o in report.outcomes if o.action == "update"},
            "refused": c["error"],
        },
    )


class _ImportEntity:
    """The audited entity of an import: a file, not one record."""

    __tablename__ = "imports"
    id = None


# Export ------------------------------------------------------------------------------------------


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


# Previews waiting for confirmation ------------------------------------------------------------

PREVIEW_KEEP = dt.timedelta(days=1)


def stage_preview(actor, kind: str, data: bytes) -> str:
    """Keep a checked file until `actor` confirms it; the token the confirmation names.

    In the database, so any app server can take the confirmation. Previews nobody confirmed
    for a day are forgotten here. The caller commits.
    """
    if kind not in KINDS:
        raise CsvFileError(f"Import kind must be one of: {', '.join(KINDS)}.", field="kind")
    db.session.execute(
        sa.delete(ImportPreview).where(ImportPreview.created_at < now_utc() - PREVIEW_KEEP)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(ImportPreview(token=token, user_id=actor.id, kind=kind, data=data))
    return token


class Preview(NamedTuple):
    kind: str
    data: bytes


def take_preview(actor, token: str | None) -> Preview | None:
    """`actor`'s own preview under `token`, at most a day old, taken: deleted in this
    transaction by a conditional DELETE, so two confirmations can't both import it. None when
    there is no such preview (used, expired, someone else's). The caller commits."""
    if not token or len(token) > 64:
        return None
    found = db.session.execute(
        sa.select(ImportPreview.id, ImportPreview.kind, ImportPreview.data).where(
            ImportPreview.token == token,
            ImportPreview.user_id == actor.id,
            ImportPreview.created_at >= now_utc() - PREVIEW_KEEP,
        )
    ).one_or_none()
    if found is None:
        return None
    taken = db.session.execute(sa.delete(ImportPreview).where(ImportPreview.id == found.id))
    return Preview(found.kind, found.data) if taken.rowcount == 1 else None


EXPORTS = {"accounts": export_accounts, "advocates": export_advocates, "asks": export_asks}
