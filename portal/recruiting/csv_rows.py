"""Reading the messy files of a CSV import and checking each row with the services' own checks.

Real CRM files are messy: a BOM, semicolons or tabs, quoted newlines, extra columns, enum values
in any case and spacing or as the words people read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from portal import csvio
from portal.accounts import service as accounts_service
from portal.advocates import service as advocates_service
from portal.auth.models import User
from portal.errors import ValidationFailed
from portal.program.service import Vocabulary
from portal.recruiting.csv_export import ACCOUNT_COLUMNS, ADVOCATE_COLUMNS
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


class Spellings:
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


def check_account(row: dict, spellings: Spellings, users: dict[str, User]) -> dict:
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


def check_advocate(
    row: dict, spellings: Spellings, accounts: dict[str, int], account_ids: frozenset[int]
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
