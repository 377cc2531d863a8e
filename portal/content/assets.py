"""The library's assets with customer approval: added (a link, a file or both), changed,
retired and read.

Facets and search read `content_tags` and `search_text`, both rewritten by `_index` whenever an
asset is saved.
"""

from __future__ import annotations

from urllib.parse import urlparse

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.content import storage
from portal.content.approval import sees_all, today, visible_condition
from portal.content.files import Upload, storage_key, store_upload
from portal.content.models import ContentAsset, ContentTag
from portal.errors import DomainError, NotFound
from portal.extensions import db
from portal.program.service import taxonomy_values
from portal.validation import Checker
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS, CONTENT_STAGES, REGIONS

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
    demand(actor, "content.manage", "Only the program team manages the content library.")


def create_asset(actor, data: dict, upload: Upload | None = None) -> ContentAsset:
    """Add an asset to the library (a link, a file or both)."""
    _may_manage(actor)
    clean = _check(data, None, upload is not None)
    stored = store_upload(upload) if upload is not None else {}
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
    stored = store_upload(upload) if upload is not None else {}
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


def retire_asset(actor, asset: ContentAsset) -> None:
    _may_manage(actor)
    if asset.approval_status == "retired":
        raise DomainError("The asset is already retired.")
    old = asset.approval_status
    asset.approval_status = "retired"
    audit.record(actor, "content.retired", asset, {"approval_status": [old, "retired"]})


def get_asset(user, asset_id: int) -> ContentAsset:
    """The asset if `user` may see it: managers any, others approved and live only."""
    query = sa.select(ContentAsset).where(ContentAsset.id == asset_id)
    if not sees_all(user):
        query = query.where(visible_condition())
    asset = db.session.scalar(query)
    if asset is None:
        raise NotFound("No such content in the library.")
    return asset


def rebuild_index() -> int:
    """Rewrite every asset's tags and search text (after a bulk load that skipped the service)."""
    assets = db.session.scalars(sa.select(ContentAsset).order_by(ContentAsset.id)).all()
    for asset in assets:
        _index(asset)
    db.session.flush()
    return len(assets)
