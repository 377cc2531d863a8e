"""The customer content library: assets with customer approval, uploads checked by content,
search with facets, "for this opportunity" suggestions, and logged uses with limits.

Requesters see an asset only while it is customer approved, its approval has not lapsed
(`approved_until`) and its use limit is not used up (`visible_condition`). Facets and search
read `content_tags` and `search_text`, both rewritten by `_index` whenever an asset is saved.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can
from portal.content import storage
from portal.content.models import USE_ACTIONS, ContentAsset, ContentTag, ContentUse
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.service import queue_email
from portal.program.service import taxonomy_labels, taxonomy_values
from portal.validation import Checker
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS, CONTENT_STAGES, REGIONS, label

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
WARN_DAYS = 30
ASSET_FIELDS = (
    "kind",
    "title",
    "url",
    "summary",
    "account_id",
    "advocate_id",
    "stages",
    "industries",
    "products",
    "use_cases",
    "regions",
    "approval_status",
    "approved_on",
    "approved_by_customer",
    "approved_until",
    "use_limit",
)
# Facet kind -> the asset's list field it comes from ("kind" is the asset's own kind).
FACETS = {
    "kind": "kind",
    "stage": "stages",
    "industry": "industries",
    "product": "products",
    "use_case": "use_cases",
    "region": "regions",
}


class UseRefused(DomainError):
    """The asset can't be used now (limit reached, approval lapsed): 409."""


class FileUnavailable(DomainError):
    """The file storage could not store or hand back a file: 503."""

    status = 503
    code = "storage_unavailable"


class FileMissing(FileUnavailable):
    """The asset names a file that is not in the storage: 404."""

    status = 404
    code = "file_missing"


# Uploads -----------------------------------------------------------------------------------

# Extension -> (stored type, test of the first bytes). Anything else is refused.
_PDF = ("application/pdf", lambda head: head.startswith(b"%PDF-"))
_PNG = ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
_JPEG = ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff"))
_GIF = ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a"))
_WEBP = ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP")
FILE_TYPES = {".pdf": _PDF, ".png": _PNG, ".jpg": _JPEG, ".jpeg": _JPEG, ".gif": _GIF}
FILE_TYPES[".webp"] = _WEBP


SPOOL_BYTES = 512 * 1024  # an upload copied aside stays in memory up to this, then on disk


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the browser sent (never trusted) and its content, as bytes
    or as a seekable file (an upload is never read into memory whole)."""

    filename: str
    data: bytes | BinaryIO

    def file(self) -> BinaryIO:
        """The content from its start, to read or copy in chunks."""
        if isinstance(self.data, bytes):
            return io.BytesIO(self.data)
        self.data.seek(0)
        return self.data

    def size(self) -> int:
        if isinstance(self.data, bytes):
            return len(self.data)
        return self.data.seek(0, os.SEEK_END)

    def head(self, count: int = 16) -> bytes:
        return self.file().read(count)


def max_upload_bytes() -> int:
    return int(current_app.config.get("CONTENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def read_upload(storage) -> Upload | None:
    """A werkzeug FileStorage as an Upload: its own spooled file when seekable, else a copy
    of at most one byte past the limit, made in chunks."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    stream = storage.stream
    if not (hasattr(stream, "seekable") and stream.seekable()):
        # Closed with the upload (by the request's end, as werkzeug closes request.files).
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        shutil.copyfileobj(_Bounded(stream, max_upload_bytes() + 1), copy)
        storage.stream = stream = copy
    return Upload(storage.filename, stream)


class _Bounded:
    """A read-only view of a stream that ends after `left` bytes."""

    def __init__(self, stream: BinaryIO, left: int) -> None:
        self.stream = stream
        self.left = left

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        chunk = self.stream.read(size) if size else b""
        self.left -= len(chunk)
        return chunk


def safe_name(filename: str) -> str:
    """A display and download name from the sent name: ASCII letters, digits, dot, dash."""
    name = unicodedata.normalize("NFKD", Path(filename.replace("\\", "/")).name)
    name = name.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return (name or "file")[:120]


def check_upload(upload: Upload) -> tuple[str, str]:
    """(extension, type) of an acceptable upload, or ValidationFailed naming `file`."""
    ext = Path(safe_name(upload.filename)).suffix.lower()
    if ext not in FILE_TYPES:
        raise ValidationFailed(
            "file: Upload a PDF or an image (PNG, JPEG, GIF, WebP).",
            field="file",
        )
    limit = max_upload_bytes()
    size = upload.size()
    if size > limit:
        raise ValidationFailed(
            f"file: The file is larger than {limit // (1024 * 1024) or 1} MB.", field="file"
        )
    if not size:
        raise ValidationFailed("file: The file is empty.", field="file")
    mime, looks_right = FILE_TYPES[ext]
    if not looks_right(upload.head(16)):
        raise ValidationFailed(
            f"file: The file's content is not a {ext[1:].upper()} file.", field="file"
        )
    return ext, mime


def storage_key(file_key: str) -> str:
    """Where an asset's file is in the storage: the library's own part of it."""
    return f"content/{file_key}"


def _store(upload: Upload) -> dict:
    """Check the upload, then store it under a new key of ours, tied to this transaction.

    Only a checked file reaches the storage; if the storage fails nothing is written, and if
    the transaction does not commit the stored file is deleted again (see `storage`).
    """
    ext, mime = check_upload(upload)
    key = secrets.token_hex(16) + ext
    try:
        storage.put_in_transaction(db.session, storage_key(key), upload.file(), mime)
    except storage.StorageError as error:
        current_app.logger.error("Upload not stored: %s", error)
        raise FileUnavailable(
            "The file could not be stored just now, so nothing was saved. "
            "Try again in a few minutes.",
            field="file",
        ) from error
    return {
        "file_key": key,
        "file_name": safe_name(upload.filename),
        "file_type": mime,
        "file_size": upload.size(),
    }


# Saving ------------------------------------------------------------------------------------


def today() -> dt.date:
    return now_utc().date()


def _check(data: dict, asset: ContentAsset | None, has_file: bool) -> dict:
    checker = Checker(data, allowed=ASSET_FIELDS)
    checker.choice("kind", CONTENT_KINDS, required=True)
    checker.text("title", max_length=200, required=True)
    checker.text("url", max_length=2000)
    checker.text("summary", max_length=5000)
    checker.integer("account_id", minimum=1)
    checker.integer("advocate_id", minimum=1)
    checker.choices("stages", CONTENT_STAGES)
    checker.choices("industries", taxonomy_values("industry", asset))
    checker.choices("products", taxonomy_values("product", asset))
    checker.choices("use_cases", taxonomy_values("use_case", asset))
    checker.choices("regions", REGIONS)
    checker.choice("approval_status", APPROVAL_STATUSES)
    checker.date("approved_on")
    checker.text("approved_by_customer", max_length=200)
    checker.date("approved_until")
    checker.integer("use_limit", minimum=1, maximum=100000)
    checker.plain("title", "summary", "approved_by_customer")
    clean = checker.clean
    url = clean.get("url")
    if url:
        parts = urlparse(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            checker.error("url", "Enter a web address starting with https://.")
    if not url and not has_file and not (asset and asset.file_key):
        checker.error("url", "Give a link or upload a file.")
    if clean.get("account_id") and db.session.get(Account, clean["account_id"]) is None:
        checker.error("account_id", "No such account.")
    if clean.get("advocate_id"):
        advocate = db.session.get(Advocate, clean["advocate_id"])
        if advocate is None:
            checker.error("advocate_id", "No such advocate.")
        elif clean.get("account_id") and advocate.account_id != clean["account_id"]:
            checker.error("advocate_id", "The advocate works at another account.")
    status = clean.get("approval_status") or "draft"
    if status == "customer_approved":
        if not clean.get("approved_by_customer"):
            checker.error("approved_by_customer", "Say who approved it at the customer.")
        until = clean.get("approved_until")
        renewed = (
            asset is None
            or asset.approval_status != "customer_approved"
            or asset.approved_until != until
        )
        if until is not None and renewed and until < today():
            checker.error("approved_until", "A new approval can't end in the past.")
        on = clean.get("approved_on")
        if on is not None and on > today():
            checker.error("approved_on", "The approval date can't be in the future.")
        if on is not None and until is not None and until < on:
            checker.error("approved_until", "Must be after the approval date.")
    clean = checker.done()
    clean["approval_status"] = status
    if status == "customer_approved" and clean.get("approved_on") is None:
        clean["approved_on"] = today()
    return clean


def _index(asset: ContentAsset) -> None:
    """Rewrite the asset's facet tags and its search text from its fields."""
    db.session.flush()
    db.session.execute(sa.delete(ContentTag).where(ContentTag.asset_id == asset.id))
    pairs = {("kind", asset.kind)}
    for facet, field in FACETS.items():
        if field != "kind":
            pairs.update((facet, value) for value in getattr(asset, field) or [])
    db.session.execute(
        sa.insert(ContentTag),
        [{"kind": k, "value": v, "asset_id": asset.id} for k, v in sorted(pairs)],
    )
    words = [asset.title, asset.summary or ""] + [v.replace("_", " ") for _, v in sorted(pairs)]
    asset.search_text = " ".join(words).lower()


def _may_manage(actor) -> None:
    if not can(actor, "content.manage"):
        raise Forbidden("Only the program team manages the content library.")


def create_asset(actor, data: dict, upload: Upload | None = None) -> ContentAsset:
    """Add an asset to the library (a link, a file or both)."""
    _may_manage(actor)
    clean = _check(data, None, upload is not None)
    stored = _store(upload) if upload is not None else {}
    asset = ContentAsset(created_by_id=getattr(actor, "id", None), **clean, **stored)
    for field in ("stages", "industries", "products", "use_cases", "regions"):
        setattr(asset, field, clean.get(field) or [])
    db.session.add(asset)
    _index(asset)
    audit.record(actor, "content.created", asset, {**clean, **stored})
    return asset


def update_asset(actor, asset: ContentAsset, data: dict, upload: Upload | None = None):
    """Change an asset; a new file replaces the old one, which is deleted once this commits
    (the audit log keeps its name)."""
    _may_manage(actor)
    clean = _check(data, asset, upload is not None)
    stored = _store(upload) if upload is not None else {}
    if stored and asset.file_key:
        storage.delete_after_commit(db.session, storage_key(asset.file_key))
    values = {**clean, **stored}
    for field in ("stages", "industries", "products", "use_cases", "regions"):
        values[field] = clean.get(field) or []
    if values.get("approved_until") != asset.approved_until:
        asset.expiry_warned_at = None
    changed = audit.changes(asset, values)
    _index(asset)
    if changed:
        audit.record(actor, "content.updated", asset, changed)
    return asset


def open_file(asset: ContentAsset) -> storage.StoredFile:
    """The asset's stored file, opened to send; FileUnavailable when it can't be read."""
    if not asset.file_key:
        raise NotFound("This asset has no file.")
    try:
        return storage.current().open(storage_key(asset.file_key))
    except storage.StoredFileMissing as error:
        current_app.logger.error("Content %s: its file is missing: %s", asset.id, error)
        raise FileMissing(
            "The file is missing from storage. Nothing was logged; please tell the program team."
        ) from error
    except storage.StorageError as error:
        current_app.logger.error("Content %s: its file can't be read: %s", asset.id, error)
        raise FileUnavailable(
            "The file can't be fetched just now. Nothing was logged; try again in a few minutes."
        ) from error


def retire_asset(actor, asset: ContentAsset) -> None:
    _may_manage(actor)
    if asset.approval_status == "retired":
        raise DomainError("The asset is already retired.")
    old = asset.approval_status
    asset.approval_status = "retired"
    audit.record(actor, "content.retired", asset, {"approval_status": [old, "retired"]})


# Reading -----------------------------------------------------------------------------------


def _use_count(asset_id_column):
    return (
        sa.select(sa.func.count(ContentUse.id))
        .where(ContentUse.asset_id == asset_id_column)
        .scalar_subquery()
    )


def live_condition(on: dt.date | None = None):
    """SQL: the asset is customer approved and its approval has not lapsed."""
    on = on or today()
    return sa.and_(
        ContentAsset.approval_status == "customer_approved",
        sa.or_(ContentAsset.approved_until.is_(None), ContentAsset.approved_until >= on),
    )


def within_limit_condition():
    """SQL: the asset has no use limit, or uses are left."""
    return sa.or_(
        ContentAsset.use_limit.is_(None),
        _use_count(ContentAsset.id) < ContentAsset.use_limit,
    )


def visible_condition(on: dt.date | None = None):
    """SQL: what requesters see: live (approved, not lapsed) with uses left."""
    return sa.and_(live_condition(on), within_limit_condition())


def sees_all(user) -> bool:
    return can(user, "content.manage")


def get_asset(user, asset_id: int) -> ContentAsset:
    """The asset if `user` may see it: managers any, others approved and live only."""
    query = sa.select(ContentAsset).where(ContentAsset.id == asset_id)
    if not sees_all(user):
        query = query.where(visible_condition())
    asset = db.session.scalar(query)
    if asset is None:
        raise NotFound("No such content in the library.")
    return asset


@dataclass
class Search:
    """What a library search asks for: words, one value per facet, and the status (managers)."""

    q: str = ""
    facets: dict | None = None
    status: str | None = None


def parse_search(args, managers: bool) -> Search:
    """A Search from query arguments; unknown arguments and values are refused (422)."""
    allowed = set(FACETS) | {"q", "page", "per_page"} | ({"status"} if managers else set())
    errors = {}
    for name in args:
        if name not in allowed:
            errors[name] = "Unknown filter."
    q = (args.get("q") or "").strip()
    if len(q) > 200:
        errors["q"] = "At most 200 characters."
    elif "\x00" in q:  # PostgreSQL refuses NUL bytes in text
        errors["q"] = "Remove the control character."
    facets = {}
    for facet in FACETS:
        value = (args.get(facet) or "").strip()
        if not value:
            continue
        if len(value) > 64 or not re.fullmatch(r"[a-z0-9_]+", value):
            errors[facet] = "Unknown value."
        else:
            facets[facet] = value
    status = (args.get("status") or "").strip() or None
    if status and status not in (*APPROVAL_STATUSES, "live", "lapsed"):
        errors["status"] = "Unknown status."
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields=errors)
    return Search(q=q, facets=facets, status=status)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_query(user, search: Search) -> sa.Select:
    """Assets matching the search that `user` may see, best known first (newest approval)."""
    query = sa.select(ContentAsset)
    if not sees_all(user) or search.status == "live":
        query = query.where(visible_condition())
    elif search.status == "lapsed":
        query = query.where(
            ContentAsset.approval_status == "customer_approved",
            ContentAsset.approved_until < today(),
        )
    elif search.status:
        query = query.where(ContentAsset.approval_status == search.status)
    for word in search.q.lower().split()[:10]:
        query = query.where(ContentAsset.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    for facet, value in (search.facets or {}).items():
        tagged = sa.select(ContentTag.asset_id).where(
            ContentTag.kind == facet, ContentTag.value == value
        )
        query = query.where(ContentAsset.id.in_(tagged))
    return query.order_by(ContentAsset.updated_at.desc(), ContentAsset.id.desc())


def facet_counts(query: sa.Select) -> dict[str, list[tuple[str, int]]]:
    """For the assets `query` finds: each facet's values with their counts, one query."""
    ids = query.with_only_columns(ContentAsset.id).order_by(None).subquery()
    rows = db.session.execute(
        sa.select(ContentTag.kind, ContentTag.value, sa.func.count())
        .where(ContentTag.asset_id.in_(sa.select(ids.c.id)))
        .group_by(ContentTag.kind, ContentTag.value)
        .order_by(ContentTag.kind, sa.func.count().desc(), ContentTag.value)
    ).all()
    found: dict[str, list[tuple[str, int]]] = {facet: [] for facet in FACETS}
    for kind, value, count in rows:
        if kind in found:
            found[kind].append((value, count))
    return found


@dataclass(frozen=True)
class UseStats:
    count: int = 0
    last_used_at: dt.datetime | None = None


def use_stats(asset_ids) -> dict[int, UseStats]:
    """Use count and last use per asset, one query."""
    ids = list(asset_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ContentUse.asset_id, sa.func.count(), sa.func.max(ContentUse.used_at))
        .where(ContentUse.asset_id.in_(ids))
        .group_by(ContentUse.asset_id)
    ).all()
    stats = {}
    for asset_id, count, last in rows:
        if isinstance(last, str):
            last = dt.datetime.fromisoformat(last)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        stats[asset_id] = UseStats(count, last)
    return stats


def unused_query() -> sa.Select:
    """Approved, live assets nobody has used yet, oldest first: the manager's to-promote list."""
    return (
        sa.select(ContentAsset)
        .where(
            visible_condition(),
            ~sa.exists().where(ContentUse.asset_id == ContentAsset.id),
        )
        .order_by(ContentAsset.created_at, ContentAsset.id)
    )


def expiring_query(on: dt.date | None = None, days: int = WARN_DAYS) -> sa.Select:
    """Approved assets whose approval lapses within `days` (not yet lapsed), soonest first."""
    on = on or today()
    return (
        sa.select(ContentAsset)
        .where(
            ContentAsset.approval_status == "customer_approved",
            ContentAsset.approved_until >= on,
            ContentAsset.approved_until <= on + dt.timedelta(days=days),
        )
        .order_by(ContentAsset.approved_until, ContentAsset.id)
    )


def lapsed_count(on: dt.date | None = None) -> int:
    on = on or today()
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            ContentAsset.approval_status == "customer_approved",
            ContentAsset.approved_until < on,
        )
    )


def warn_expiring(on: dt.date | None = None) -> int:
    """E-mail the program team once about each approval lapsing within 30 days; how many."""
    on = on or today()
    assets = db.session.scalars(
        expiring_query(on).where(ContentAsset.expiry_warned_at.is_(None))
    ).all()
    if not assets:
        return 0
    managers = db.session.scalars(
        sa.select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.id)
    ).all()
    for asset in assets:
        for manager in managers:
            queue_email(
                "content_expiring",
                manager.email,
                f"Customer approval ends {asset.approved_until:%d %b %Y}: {asset.title}"[:200],
                asset=asset,
                manager=manager,
                days=(asset.approved_until - on).days,
            )
        asset.expiry_warned_at = now_utc()
        audit.record(None, "content.expiry_warned", asset, {"approved_until": asset.approved_until})
    return len(assets)


# Suggestions and uses ----------------------------------------------------------------------

# A CRM stage name -> the library's sales stage (words found in common CRM stage names).
_STAGE_WORDS = {
    "early": ("discovery", "qualif", "prospect", "lead", "research"),
    "middle": ("evaluat", "demo", "proposal", "solution", "proof", "poc", "trial"),
    "late": ("negotiat", "clos", "contract", "commit", "legal", "procure"),
}
WEIGHTS = {"industry": 3, "product": 2, "use_case": 1, "stage": 1, "region": 1}


def stage_of(crm_stage: str | None) -> str | None:
    text = (crm_stage or "").lower()
    for stage, words in _STAGE_WORDS.items():
        if any(word in text for word in words):
            return stage
    return None


def carried_facets() -> set[str]:
    """The facet kinds (industry, region...) that at least one live asset is tagged with: only
    those can rank a suggestion, so only those are offered as ranking terms (one query)."""
    return set(
        db.session.scalars(
            sa.select(ContentTag.kind)
            .join(ContentAsset, ContentAsset.id == ContentTag.asset_id)
            .where(visible_condition())
            .distinct()
        )
    )


def opportunity_terms(request: ReferenceRequest) -> set[tuple[str, str]]:
    """What suggestions compare: the request's industries, products, use cases, regions, stage,
    for the facets the library's live assets carry at all."""
    carried = carried_facets()
    return {term for term in _request_terms(request) if term[0] in carried}


def _request_terms(request: ReferenceRequest) -> set[tuple[str, str]]:
    criteria = request.criteria or {}
    terms = set()
    for key, facet in (
        ("industries", "industry"),
        ("products", "product"),
        ("use_cases", "use_case"),
        ("regions", "region"),
    ):
        terms.update((facet, value) for value in criteria.get(key) or [] if isinstance(value, str))
    stage = stage_of(request.opportunity_stage)
    if stage:
        terms.add(("stage", stage))
    return terms


# Why a story matched, in words, in the order a card reads them (the weights' order).
MATCH_WORDS = {
    "industry": "Same industry",
    "product": "Product",
    "use_case": "Use case",
    "stage": "Stage",
    "region": "Region",
}
# The most suggestions the "for this opportunity" page lists (a card links to all of them).
SUGGESTIONS_PAGE = 100


@dataclass(frozen=True)
class Suggestion:
    """A suggested asset, its score, and the opportunity's terms its tags matched."""

    asset: ContentAsset
    score: int
    matched: tuple[tuple[str, str], ...]  # (facet, value) in MATCH_WORDS order
    reasons: tuple[str, ...]  # the same in words: "Same industry: Banking"


@dataclass(frozen=True)
class Suggested:
    """The top suggestions and how many live assets match in all."""

    shown: list[Suggestion]
    total: int


def _ranked(request: ReferenceRequest, limit: int):
    """Rows (asset with its account, score, total matching) of the live assets ranked by how
    well their tags match the opportunity, and the terms compared: one query (plus the facets
    the library carries)."""
    terms = opportunity_terms(request)
    if not terms:
        return [], terms
    weight = sa.case(
        *[
            (sa.and_(ContentTag.kind == kind, ContentTag.value == value), WEIGHTS[kind])
            for kind, value in sorted(terms)
        ],
        else_=0,
    )
    score = sa.func.sum(weight).label("score")
    scored = (
        sa.select(ContentTag.asset_id, score)
        .where(sa.tuple_(ContentTag.kind, ContentTag.value).in_(sorted(terms)))
        .group_by(ContentTag.asset_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ContentAsset, scored.c.score, sa.func.count().over().label("total"))
        .join(scored, scored.c.asset_id == ContentAsset.id)
        .where(visible_condition())
        .options(joinedload(ContentAsset.account))
        .order_by(scored.c.score.desc(), ContentAsset.updated_at.desc(), ContentAsset.id)
        .limit(limit)
    ).all()
    return rows, terms


def suggestions(request: ReferenceRequest, limit: int = 6) -> list[tuple[ContentAsset, int]]:
    """Live assets ranked by how well their tags match the opportunity (one query)."""
    rows, _terms = _ranked(request, limit)
    return [(asset, int(score)) for asset, score, _total in rows]


def suggestions_with_reasons(request: ReferenceRequest, limit: int = 6) -> Suggested:
    """The ranked suggestions, each with the opportunity's terms it matched and why in words,
    and how many match in all: two queries however many are shown."""
    rows, terms = _ranked(request, limit)
    if not rows:
        return Suggested([], 0)
    matched: dict[int, set[tuple[str, str]]] = {}
    for asset_id, kind, value in db.session.execute(
        sa.select(ContentTag.asset_id, ContentTag.kind, ContentTag.value).where(
            ContentTag.asset_id.in_([asset.id for asset, _score, _total in rows]),
            sa.tuple_(ContentTag.kind, ContentTag.value).in_(sorted(terms)),
        )
    ):
        matched.setdefault(asset_id, set()).add((kind, value))
    order = list(MATCH_WORDS)
    labels = taxonomy_labels()
    shown = []
    for asset, score, _total in rows:
        found = tuple(sorted(matched.get(asset.id, ()), key=lambda t: (order.index(t[0]), t[1])))
        shown.append(Suggestion(asset, int(score), found, match_reasons(found, labels)))
    return Suggested(shown, int(rows[0].total))


def match_reasons(matched, labels: dict[tuple[str, str], str]) -> tuple[str, ...]:
    """Matched terms in words, one per facet: 'Same industry: Banking', 'Stage: late'."""
    values: dict[str, list[str]] = {}
    for kind, value in matched:
        if kind == "stage":
            words = value
        elif kind == "region":
            words = label(value, "region")
        else:
            words = labels.get((kind, value), label(value))
        values.setdefault(kind, []).append(words)
    return tuple(f"{MATCH_WORDS[kind]}: {', '.join(words)}" for kind, words in values.items())


def request_stories(user, request: ReferenceRequest, limit: int = 3) -> Suggested | None:
    """The customer stories a request's page shows `user`: its top suggestions with reasons;
    None when `user` may not use content for it (no library, or not their request)."""
    if not can(user, "content.browse") or not may_use_for(user, request):
        return None
    return suggestions_with_reasons(request, limit)


def may_use_for(user, request: ReferenceRequest) -> bool:
    """Whether `user` may use content for the request's opportunity: their own, or any for the
    program team."""
    return sees_all(user) or request.requester_id == user.id


def request_for(user, request_id: int) -> ReferenceRequest:
    """A request whose opportunity `user` may use content for: their own, or any for managers."""
    request = db.session.get(ReferenceRequest, request_id)
    if request is None or not may_use_for(user, request):
        raise NotFound("No such request.")
    return request


def own_opportunities(user, limit: int = 50) -> list[ReferenceRequest]:
    """The user's requests that name an opportunity, newest first (for the use form)."""
    return db.session.scalars(
        sa.select(ReferenceRequest)
        .where(
            ReferenceRequest.requester_id == user.id,
            sa.or_(
                ReferenceRequest.opportunity_crm_id.is_not(None),
                ReferenceRequest.opportunity_name.is_not(None),
            ),
        )
        .order_by(ReferenceRequest.created_at.desc())
        .limit(limit)
    ).all()


def _lock_asset(asset_id: int) -> None:
    """Serialize uses of one asset so a use limit holds under concurrent clicks."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(ContentAsset.id).where(ContentAsset.id == asset_id).with_for_update()
        )
    else:
        # A no-op write takes SQLite's write lock; updated_at is named so that its onupdate
        # does not fire (a use is not an edit: it would reorder the library and suggestions).
        db.session.execute(
            sa.update(ContentAsset)
            .where(ContentAsset.id == asset_id)
            .values(id=ContentAsset.id, updated_at=ContentAsset.updated_at)
            .execution_options(synchronize_session=False)
        )


def log_use(actor, asset_id: int, data: dict) -> ContentUse:
    """Record that `actor` used the asset for an opportunity (a request of theirs or a CRM id)."""
    checker = Checker(data, allowed=("request_id", "opportunity_crm_id", "action"))
    checker.integer("request_id", minimum=1)
    checker.text("opportunity_crm_id", max_length=64)
    checker.choice("action", USE_ACTIONS, required=True)
    checker.plain("opportunity_crm_id")
    clean = checker.clean
    request = None
    if clean.get("request_id"):
        try:
            request = request_for(actor, clean["request_id"])
        except NotFound:
            checker.error("request_id", "Choose one of your requests.")
    if not clean.get("request_id") and not clean.get("opportunity_crm_id"):
        checker.error("request_id", "Say which opportunity you use it for.")
    clean = checker.done()
    _lock_asset(asset_id)
    # Read under the lock, with the library's own rules (the same SQL as every list).
    found = db.session.execute(
        sa.select(
            ContentAsset,
            live_condition().label("live"),
            within_limit_condition().label("within_limit"),
        )
        .where(ContentAsset.id == asset_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if found is None or (not found.live and not sees_all(actor)):
        raise NotFound("No such content in the library.")
    asset = found.ContentAsset
    if not found.live:
        raise UseRefused("Only customer-approved content with a current approval can be used.")
    if not found.within_limit:
        raise UseRefused(
            f"The customer allowed {asset.use_limit} use{'s' if asset.use_limit != 1 else ''}"
            " of this asset, and all are taken."
        )
    if clean["action"] == "download" and not asset.file_key:
        raise ValidationFailed("action: This asset has no file to download.", field="action")
    if clean["action"] in ("open_link", "copy_link") and not asset.url:
        raise ValidationFailed("action: This asset has no link.", field="action")
    crm_id = clean.get("opportunity_crm_id") or (request.opportunity_crm_id if request else None)
    use = ContentUse(
        asset_id=asset.id,
        user_id=getattr(actor, "id", None),
        request_id=request.id if request else None,
        opportunity_crm_id=crm_id,
        action=clean["action"],
    )
    db.session.add(use)
    db.session.flush()
    audit.record(
        actor,
        "content.used",
        asset,
        {"use_id": use.id, "action": use.action, "opportunity_crm_id": crm_id},
    )
    return use


def rebuild_index() -> int:
    """Rewrite every asset's tags and search text (after a bulk load that skipped the service)."""
    assets = db.session.scalars(sa.select(ContentAsset).order_by(ContentAsset.id)).all()
    for asset in assets:
        _index(asset)
    db.session.flush()
    return len(assets)
