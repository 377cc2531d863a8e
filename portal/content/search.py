"""Searching the library: words, one value per facet and the approval status, and the
facets' counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from portal.content.approval import sees_all, today, visible_condition
from portal.content.assets import FACETS
from portal.content.models import ContentAsset, ContentTag
from portal.extensions import db
from portal.validation import refuse_if_any, search_words
from portal.vocab import APPROVAL_STATUSES


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
    q = search_words(args, errors, maximum=200)
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
    refuse_if_any(errors)
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
