"""Suggestions "for this opportunity": live assets ranked by how well their tags match a
request's opportunity, with the reasons in words."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.asks.models import ReferenceRequest
from portal.auth.permissions import can
from portal.content.approval import visible_condition
from portal.content.models import ContentAsset, ContentTag
from portal.content.uses import may_use_for
from portal.extensions import db
from portal.program.service import taxonomy_labels
from portal.vocab import label

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
