"""What requesters may see of the library: customer approval, its lapse and the use limit.

Requesters see an asset only while it is customer approved, its approval has not lapsed
(`approved_until`) and its use limit is not used up (`visible_condition`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can
from portal.content.models import ContentAsset, ContentUse
from portal.database import now_utc
from portal.extensions import db
from portal.notifications.service import queue_email

WARN_DAYS = 30


def today() -> dt.date:
    return now_utc().date()


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
