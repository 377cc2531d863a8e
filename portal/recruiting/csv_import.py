"""CSV import of accounts and advocates for CRM round trips.

Imports upsert by account `crm_id` and advocate `email`. Every row is checked first and gets an
outcome (create, update, unchanged, error with the field and why); then, unless it is a dry run,
valid rows are written in batches with Core statements (no ORM flush per row), in the caller's
transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa

from portal import csvio
from portal.accounts.models import Account
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.asks.eligibility import refresh_advocates
from portal.audit import service as audit
from portal.auth.models import User
from portal.csvio import CsvFileError
from portal.database import chunks, now_utc
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.program import custom_field_values
from portal.program.service import Vocabulary, settings_in_memory
from portal.recruiting.csv_export import ACCOUNT_COLUMNS, ADVOCATE_COLUMNS, BATCH
from portal.recruiting.csv_rows import Spellings, check_account, check_advocate, decode, read_rows

REQUIRED = {"accounts": ("crm_id", "name"), "advocates": ("email", "name")}
LIST_FIELDS = ("products", "use_cases", "languages", "activity_types")
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


def _existing(model, key_column, keys: list[str], columns) -> dict[str, dict]:
    found = {}
    for chunk in chunks(keys):
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
    plan, write = (
        (_plan_accounts, _write_accounts)
        if kind == "accounts"
        else (_plan_advocates, _write_advocates)
    )
    creates, updates = plan(rows, present, report, progress, custom)
    if not dry_run:
        write(actor, creates, updates, report)
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


def _plan_accounts(rows, present, report, progress, custom=None):
    """Check the account rows against the stored accounts (by CRM id): (creates, updates)."""
    spellings = Spellings(Vocabulary())
    if custom is not None:
        custom.fieldset.vocabulary = spellings.vocabulary  # read once per import
    emails = {(r.get("csm_email") or "").strip().lower() for _, r in rows} - {""}
    users = {}
    for chunk in chunks(sorted(emails)):
        users.update(
            {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(chunk)))}
        )
    fields = set(present) | {"csm_id"} if "csm_email" in present else set(present)
    stored = [getattr(Account, name) for name in ACCOUNT_COLUMNS if name != "csm_email"]
    return _plan(
        rows,
        key_of=lambda r: (r.get("crm_id") or "").strip(),
        check=lambda r: check_account(r, spellings, users),
        existing_of=lambda keys: _existing(
            Account, Account.crm_id, keys, [*stored, Account.csm_id, Account.custom_fields]
        ),
        report=report,
        progress=progress,
        present_fields=lambda r: fields,
        custom=custom,
    )


def _write_accounts(actor, creates, updates, report) -> None:
    """Write the planned accounts; their advocates' matching rows follow."""
    now = now_utc()
    inserts = []
    for _, clean in creates:
        clean.setdefault("status", None)
        clean["status"] = clean["status"] or "candidate"
        clean.setdefault("products", [])
        inserts.append({**clean, "created_at": now, "updated_at": now})
    for batch in chunks(inserts, BATCH):
        db.session.execute(sa.insert(Account), batch)
    changed_accounts = []
    for _, account_id, values in updates:
        db.session.execute(
            sa.update(Account).where(Account.id == account_id).values(**values, updated_at=now)
        )
        changed_accounts.append(account_id)
    # Advocates at changed accounts: their matching data follows the account.
    touched = []
    for chunk in chunks(changed_accounts):
        touched.extend(
            db.session.scalars(sa.select(Advocate.id).where(Advocate.account_id.in_(chunk)))
        )
    _refresh(touched)
    _audit(actor, report)


def _refresh(advocate_ids: list[int]) -> None:
    """Matching's rows of the advocates written with Core (no flush hook saw them), in batches
    that let go of what they loaded."""
    with settings_in_memory():
        for chunk in chunks(advocate_ids, 500):
            refresh_advocates(chunk)
            for obj in list(db.session.identity_map.values()):
                if isinstance(obj, Advocate | Account) and not db.session.is_modified(obj):
                    db.session.expunge(obj)


def _plan_advocates(rows, present, report, progress, custom=None):
    """Check the advocate rows against the stored advocates (by e-mail): (creates, updates)."""
    spellings = Spellings(Vocabulary())
    if custom is not None:
        custom.fieldset.vocabulary = spellings.vocabulary  # read once per import
    crm_ids = sorted({(r.get("account_crm_id") or "").strip() for _, r in rows} - {""})
    accounts = {}
    for chunk in chunks(crm_ids):
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

    return _plan(
        rows,
        key_of=key_of,
        check=lambda r: check_advocate(r, spellings, accounts, account_ids),
        existing_of=lambda keys: _existing(Advocate, Advocate.email, keys, stored),
        report=report,
        progress=progress,
        present_fields=lambda r: fields,
        custom=custom,
    )


def _write_advocates(actor, creates, updates, report) -> None:
    """Write the planned advocates, with an event for each status the file moved."""
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
    for batch in chunks(inserts, BATCH):
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
    for chunk in chunks(sorted(moved)):  # a file of any size: a bounded list of ids each
        for advocate in db.session.scalars(
            sa.select(Advocate)
            .where(Advocate.id.in_(chunk))
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
