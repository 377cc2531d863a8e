"""CRM import of opportunities: a Salesforce or HubSpot report export, or our own columns.

Rows are upserted by CRM id through `portal.opportunities.service` (its checks, its audit, its
mirror onto linked requests, its outcome events), each in a savepoint of its own, so a row is
written whole or not at all. Every row gets an outcome as the account import's do (create,
update, unchanged, error with the file's own column and why) and may carry warnings (a stage
the preset doesn't know). Existing deals are read in chunks before the rows are checked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal import csvio
from portal.accounts.models import Account
from portal.csvio import CsvFileError
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, ValidationFailed
from portal.extensions import db
from portal.opportunities import presets, service
from portal.opportunities.models import Opportunity
from portal.opportunities.presets import ID, NAME, Preset
from portal.recruiting.csv_import import ImportReport, RowOutcome
from portal.recruiting.csv_staging import take_preview
from portal.recruiting.models import ImportPreview

KIND = "opportunities"
CHUNK = 500
PREVIEW_KIND = "opp:"  # an ImportPreview's kind: "opp:<preset>"
PREVIEW_KEEP = dt.timedelta(days=1)
DEFAULT_PIPELINES = {"sales pipeline", "default"}


@dataclass
class OpportunityRow(RowOutcome):
    """A row's outcome, plus warnings ({column: why}) about a row that was still imported."""

    warnings: dict[str, str] = field(default_factory=dict)


@dataclass
class OpportunityImport(ImportReport):
    preset: str = "portal"
    detected: bool = False  # the preset was guessed from the header

    @property
    def preset_label(self) -> str:
        return presets.PRESETS[self.preset].label

    @property
    def warned(self) -> list[OpportunityRow]:
        return [o for o in self.outcomes if o.warnings]

    def preset_line(self) -> str:
        how = "detected from the header" if self.detected else "chosen"
        return f"Preset: {self.preset_label} ({how})."


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


# The file -------------------------------------------------------------------------------------


class _Columns:
    """Which of the file's headers carries which import column, in the preset's terms."""

    def __init__(self, header: list[str], preset: Preset):
        self.preset = preset
        self.index: dict[str, int] = {}
        self.name: dict[str, str] = {}  # import column -> the file's own header
        self.ignored: list[str] = []
        for n, title in enumerate(header):
            column = preset.column_of(title)
            if column is None or column in self.index:
                if title.strip():
                    self.ignored.append(title.strip())
                continue
            self.index[column] = n
            self.name[column] = title.strip()
        # Named as the CRM names them by default.
        missing = [
            name for c, name in zip((ID, NAME), preset.required, strict=True) if c not in self.index
        ]
        if missing:
            raise CsvFileError(
                f"The header lacks the column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} ({preset.label} preset).",
                field="file",
            )
        self.order = {title: n for n, title in enumerate(header)}

    def __contains__(self, column: str) -> bool:
        return column in self.index

    def cell(self, values: list[str], column: str) -> str:
        n = self.index.get(column)
        return values[n].strip() if n is not None and n < len(values) else ""

    def header(self, column: str, *fallbacks: str) -> str:
        """The file's header for `column` (or the first fallback the file has)."""
        for name in (column, *fallbacks):
            if name in self.name:
                return self.name[name]
        return self.name[ID]

    def sort(self, errors: dict[str, str]) -> dict[str, str]:
        return dict(sorted(errors.items(), key=lambda item: self.order.get(item[0], -1)))


def _preset(header: list[str], choice: str) -> tuple[Preset, bool]:
    if choice == "auto":
        try:
            return presets.guess(header), True
        except presets.NoPreset as error:
            raise CsvFileError(str(error), field="file") from None
    if choice not in presets.PRESETS:
        raise CsvFileError(f"Preset must be one of: {', '.join(presets.CHOICES)}.", field="preset")
    return presets.PRESETS[choice], False


# One row ----------------------------------------------------------------------------------------


class _Row:
    """One row's values as Opportunity fields, with errors and warnings by the file's column."""

    def __init__(self, columns: _Columns, values: list[str], existing: Opportunity | None):
        self.columns, self.values, self.existing = columns, values, existing
        self.preset = columns.preset
        self.data: dict = {}
        self.errors: dict[str, str] = {}
        self.warnings: dict[str, str] = {}

    def get(self, column: str) -> str:
        return self.columns.cell(self.values, column)

    def has(self, column: str) -> bool:
        return column in self.columns

    def refuse(self, column: str, why: str, *fallbacks: str) -> None:
        self.errors.setdefault(self.columns.header(column, *fallbacks), why)

    def clean(self) -> dict:
        for column in ("name", "account_name", "stage"):
            if self.has(column):
                self.data[column] = self.get(column)
        if self.has("account_crm_id"):
            # HubSpot lists every associated company, ";"-separated: the first is the deal's.
            self.data["account_crm_id"] = self.get("account_crm_id").split(";")[0].strip()
        self._amount()
        for column in ("close_date", "opened_on"):
            if self.has(column):
                self._date(column)
        self._owner()
        self._outcome()
        try:
            clean = service.check_data(self.data, partial=self.existing is not None)
        except ValidationFailed as error:
            fallbacks = {
                "amount": ("amount",),
                "currency": ("currency", "amount"),
                "outcome": ("outcome", "stage", "won", "closed"),
                "stage_group": ("stage_group", "stage", "probability"),
                "owner_email": ("owner_email", "owner"),
            }
            for name, why in error.fields.items():
                names = fallbacks.get(name, (name,))
                self.refuse(names[0], why, *names[1:])
            clean = None
        if self.errors:
            raise _Refused(self.columns.sort(self.errors))
        return clean

    def _amount(self) -> None:
        code = None
        if self.has("amount"):
            self.data["amount"], code = presets.amount(self.get("amount"))
        given = self.get("currency").upper() if self.has("currency") else ""
        if code and given and code != given:
            self.refuse(
                "amount",
                f"The amount is in {code} but {self.columns.header('currency')} says {given}.",
            )
        elif self.has("currency"):
            self.data["currency"] = given or code or ""
        elif code:
            self.data["currency"] = code

    def _date(self, column: str) -> None:
        raw = self.get(column)
        if not raw:
            self.data[column] = None
            return
        value = self.preset.date(raw)
        if value is None:
            self.refuse(column, f"Use a date like {self.preset.date_example} (it says {raw}).")
        else:
            self.data[column] = value

    def _owner(self) -> None:
        found = presets.email_in(self.get("owner")) if self.has("owner") else None
        if self.has("owner_email"):
            self.data["owner_email"] = self.get("owner_email") or found
        elif found:
            self.data["owner_email"] = found  # an owner given by name only changes nothing

    def _flag(self, column: str) -> bool | None:
        if not self.has(column):
            return None
        try:
            return presets.flag(self.get(column))
        except ValueError:
            self.refuse(column, "Use 1 or 0 (true or false).")
            return None

    def _probability(self) -> float | None:
        if not self.has("probability"):
            return None
        try:
            return presets.probability(
                self.get("probability"), fraction=self.preset.probability_is_fraction
            )
        except ValueError:
            self.refuse("probability", "Must be a number from 0 to 100.")
            return None

    def _outcome(self) -> None:
        """Outcome and stage group: our own columns first, then the stage's name; for a stage
        the preset doesn't know, the Won/Closed flags and the probability, with a warning."""
        stage = self.get("stage") if self.has("stage") else ""
        known = self.preset.stage(stage) if stage else None
        outcome = (self.get("outcome").lower() or None) if self.has("outcome") else None
        group = (self.get("stage_group").lower() or None) if self.has("stage_group") else None
        explicit = outcome is not None
        read_from = []
        won, closed = self._flag("won"), self._flag("closed")
        percent = self._probability()
        if known is not None:
            outcome = outcome or known[0]
            group = group or (known[1] if outcome == "open" else None)
        else:
            if outcome is None:
                outcome, sources = self._outcome_from(won, closed, percent)
                if outcome is not None:
                    names = " and ".join(self.columns.header(c) for c in sources)
                    read_from.append(f"outcome {outcome} from {names}")
            current = outcome or (self.existing.outcome if self.existing else "open")
            if group is None and percent is not None and current == "open":
                group = presets.group_of(percent)
                read_from.append(f"stage group {group} from {self.columns.header('probability')}")
        if outcome is None and self.existing is None:
            outcome = "open"
        if outcome is not None:
            self.data["outcome"] = outcome
        if outcome in ("won", "lost"):
            self.data["stage_group"] = None
        elif group is not None or (known is not None and outcome == "open"):
            self.data["stage_group"] = group
        if stage and known is None and not (explicit and (outcome != "open" or group)):
            self._unknown_stage(stage, read_from)

    @staticmethod
    def _outcome_from(won, closed, percent) -> tuple[str | None, tuple[str, ...]]:
        """The outcome the Won and Closed flags say (a closed deal's probability, 100 or 0,
        when Won is blank), and the columns it was read from."""
        if won:
            return "won", ("won",) if closed is None else ("won", "closed")
        if closed is False:
            return "open", ("closed",)
        if closed and won is False:
            return "lost", ("won", "closed")
        if closed and percent in (0, 100):
            return ("won" if percent == 100 else "lost"), ("closed", "probability")
        return None, ()

    def _unknown_stage(self, stage: str, read_from: list[str]) -> None:
        where = f"not a {self.preset.label} stage"
        if self.preset.key != "portal":
            where = f"not one of {self.preset.label}'s standard stages"
        pipeline = self.get("pipeline") if self.has("pipeline") else ""
        if pipeline and presets.stage_key(pipeline) not in DEFAULT_PIPELINES:
            where += f" (pipeline {pipeline})"
        if read_from:
            then = "read " + " and ".join(read_from)
        elif self.existing is None:
            then = "imported as open, without a stage group"
        else:
            then = "outcome and stage group left as they were"
        self.warnings[self.columns.header("stage")] = f"“{stage}” is {where}: {then}."


# The import -------------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(keys: list[str]) -> dict[str, Opportunity]:
    found = {}
    for chunk in _chunks(sorted(set(keys))):
        found.update(
            (o.crm_id, o)
            for o in db.session.scalars(sa.select(Opportunity).where(Opportunity.crm_id.in_(chunk)))
        )
    return found


class _Accounts:
    """The program's accounts a file's deals name, read in chunks: the account a deal links to
    is worked out as the service's `_match_account` does (CRM id, else one exact name)."""

    def __init__(self, crm_ids: set[str], names: set[str]):
        self.by_crm_id: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for chunk in _chunks(sorted(crm_ids)):
            self.by_crm_id.update(
                db.session.execute(
                    sa.select(Account.crm_id, Account.id).where(Account.crm_id.in_(chunk))
                ).all()
            )
        for chunk in _chunks(sorted(names)):
            lower = sa.func.lower(Account.name)
            for name, account_id in db.session.execute(
                sa.select(lower, Account.id).where(lower.in_(chunk))
            ):
                self.by_name.setdefault(name, []).append(account_id)

    def match(self, crm_id: str | None, name: str | None) -> int | None:
        if crm_id and crm_id in self.by_crm_id:
            return self.by_crm_id[crm_id]
        found = self.by_name.get(name.lower(), []) if name else []
        return found[0] if len(found) == 1 else None


def _changes(opportunity: Opportunity, clean: dict, accounts: _Accounts) -> dict[str, list]:
    values = dict(clean)
    if "account_name" in values or "account_crm_id" in values:
        values["account_id"] = accounts.match(
            values.get("account_crm_id", opportunity.account_crm_id),
            values.get("account_name", opportunity.account_name),
        )
    return {
        name: [getattr(opportunity, name), value]
        for name, value in values.items()
        if getattr(opportunity, name) != value
    }


def _may_import(actor, command_line: bool) -> None:
    if actor is None and command_line:
        return  # the operator at the command line, as `import-accounts` runs
    if not service.is_program(actor):
        raise Forbidden("Only the reference team imports opportunities.")


def run_import(
    actor,
    data: bytes | str,
    *,
    preset: str = "auto",
    dry_run: bool = False,
    command_line: bool = False,
) -> OpportunityImport:
    """Check every row of a CRM export, then (unless `dry_run`) write the valid ones; the
    caller commits. `actor` None is the command line's operator (with `command_line`)."""
    _may_import(actor, command_line)
    header, cells = csvio.read(csvio.decode(data))
    chosen, detected = _preset(header, preset)
    columns = _Columns(header, chosen)
    report = OpportunityImport(KIND, dry_run, preset=chosen.key, detected=detected)
    report.ignored_columns = columns.ignored
    rows = list(cells)
    keys = [columns.cell(values, ID) for _, values in rows]
    existing = _existing([k for k in keys if k])
    accounts = _Accounts(
        {columns.cell(v, "account_crm_id").split(";")[0].strip() for _, v in rows} - {""},
        {columns.cell(v, "account_name").lower() for _, v in rows} - {""},
    )
    seen: dict[str, int] = {}
    for (line, values), key in zip(rows, keys, strict=True):
        outcome = OpportunityRow(line, key, "error")
        report.outcomes.append(outcome)
        first = seen.setdefault(key, line) if key else line
        try:
            crm_id, clean, row = _check(columns, values, key, first, line, existing)
        except _Refused as refused:
            outcome.errors = refused.errors
            continue
        outcome.warnings = row.warnings
        opportunity = existing.get(crm_id)
        if opportunity is None:
            outcome.action = "create"
        else:
            outcome.changes = _changes(opportunity, clean, accounts)
            outcome.action = "update" if outcome.changes else "unchanged"
        if not dry_run and outcome.action != "unchanged":
            _write(actor, opportunity, crm_id, clean, outcome, columns)
    return report


def _check(columns: _Columns, values, key: str, first: int, line: int, existing: dict):
    """(crm_id, cleaned fields, the row) of a row, or _Refused with its errors."""
    id_column = columns.header(ID)
    if first != line:
        raise _Refused(
            {id_column: f"The same opportunity is on line {first}; this row is skipped."}
        )
    row = _Row(columns, values, existing.get(key))
    try:
        crm_id = service.check_crm_id(key)
    except ValidationFailed:
        row.errors[id_column] = "This field is required." if not key else service.CRM_ID_RULE
        crm_id = None
    clean = row.clean()
    return crm_id, clean, row


def _write(actor, opportunity, crm_id, clean, outcome: OpportunityRow, columns: _Columns):
    """One row through the service, in a savepoint: written whole, or not at all."""
    try:
        with db.session.begin_nested():
            done = service.save(actor, opportunity, crm_id, clean, source="csv")
    except (DomainError, sa.exc.IntegrityError) as error:
        why = getattr(error, "message", None) or (
            "Another change to this opportunity came in meanwhile; import the file again."
        )
        outcome.action, outcome.changes = "error", {}
        outcome.errors = {columns.header(ID): why}
        return
    outcome.action = {"created": "create", "updated": "update"}.get(done, "unchanged")


# Checked files waiting for the manager's confirmation --------------------------------------------


def stage_preview(actor, preset: str, data: bytes) -> str:
    """Keep a checked file, and the preset it was read with, until `actor` confirms it (in the
    recruiting import's table, so any app server takes the confirmation); the caller commits."""
    if preset not in presets.PRESETS:
        raise CsvFileError(f"Preset must be one of: {', '.join(presets.PRESETS)}.", field="preset")
    db.session.execute(
        sa.delete(ImportPreview).where(ImportPreview.created_at < now_utc() - PREVIEW_KEEP)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        ImportPreview(token=token, user_id=actor.id, kind=PREVIEW_KIND + preset, data=data)
    )
    return token


def take_staged(actor, token: str | None) -> tuple[str, bytes] | None:
    """(preset, file) of `actor`'s own checked file, taken (single use); None when it is gone,
    or is not an opportunities file (then the caller rolls back, and it stays)."""
    preview = take_preview(actor, token)
    if preview is None or not preview.kind.startswith(PREVIEW_KIND):
        return None
    preset = preview.kind.removeprefix(PREVIEW_KIND)
    return (preset, preview.data) if preset in presets.PRESETS else None
