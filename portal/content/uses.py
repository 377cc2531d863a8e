"""Logged uses of an asset for an opportunity, within the customer's use limit, and the use
counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.content.approval import (
    live_condition,
    sees_all,
    visible_condition,
    within_limit_condition,
)
from portal.content.models import USE_ACTIONS, ContentAsset, ContentUse
from portal.database import lock_row
from portal.errors import DomainError, NotFound, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.validation import Checker


class UseRefused(DomainError):
    """The asset can't be used now (limit reached, approval lapsed): 409."""


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


def may_use_for(user, request: ReferenceRequest) -> bool:
    """Whether `user` may use content for the request's opportunity: their own, or any for the
    program team."""
    return sees_all(user) or request.requester_id == user.id


def request_for(user, request_id: int) -> ReferenceRequest:
    """A request whose opportunity `user` may use content for: their own, or any for managers."""
    return get_or_not_found(
        ReferenceRequest,
        request_id,
        "No such request.",
        lambda request: may_use_for(user, request),
    )


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
    # One use at a time per asset, so a use limit holds under concurrent clicks (a use is no
    # edit: the asset's updated_at, which orders the library, stays).
    lock_row(ContentAsset, asset_id)
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
