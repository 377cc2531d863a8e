"""Who would fit, and which customer stories, while a request is still being written.

The request form shows the best few advocates askable now and the best stories for the need as
it stands, so a requester sees before filing whether the criteria find anyone. Nothing is
saved: the preview ranks a request that is never added to the session, with the same matching
and the same story ranking the saved request will get. Values that don't fit (an unknown
activity, a criterion value that isn't in the taxonomy) are left out, never an error: the form
checks everything when it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.asks import match_results, matching
from portal.asks.models import ReferenceRequest
from portal.asks.requests import CRITERIA_ALLOWED
from portal.auth.permissions import can
from portal.content import suggestions
from portal.errors import Forbidden
from portal.vocab import ACTIVITY_TYPES

ADVOCATES = 3
STORIES = 2
TEXT_MAX = 200


@dataclass
class Preview:
    activity_type: str | None
    # Each match with what it shares with the need ("Same industry: Banking").
    matches: list[tuple[match_results.Match, list[str]]] = field(default_factory=list)
    stories: list[suggestions.Suggestion] = field(default_factory=list)
    # The program team sees who; a requester sees the role and company only (contact details
    # come with an accepted ask).
    names: bool = False


def _text(value) -> str | None:
    value = value.strip() if isinstance(value, str) else ""
    return value[:TEXT_MAX] or None


def draft_of(actor, data: dict) -> ReferenceRequest:
    """An unsaved request from form-like values, keeping only those that fit."""
    activity = data.get("activity_type")
    criteria = {}
    for key, allowed in CRITERIA_ALLOWED.items():
        values = data.get(key) or []
        if isinstance(values, str):
            values = [values]
        known = set(allowed(None))
        kept = [v for v in dict.fromkeys(values) if isinstance(v, str) and v in known]
        if kept:
            criteria[key] = kept[:50]
    return ReferenceRequest(
        activity_type=activity if activity in ACTIVITY_TYPES else None,
        criteria=criteria,
        prospect_company=_text(data.get("prospect_company")),
        opportunity_stage=_text(data.get("opportunity_stage")),
        requester_id=actor.id,
        advocates_needed=1,
    )


def preview(actor, data: dict) -> Preview:
    """The best ADVOCATES askable now and the best STORIES for the need in `data` (the request
    form's field names; lists for the criteria)."""
    if actor is None or not can(actor, "requests.create"):
        raise Forbidden("You can't file reference requests.")
    draft = draft_of(actor, data)
    found = Preview(draft.activity_type, names=can(actor, "program.manage"))
    found.stories = suggestions.suggestions_with_reasons(draft, limit=STORIES).shown
    if draft.activity_type:
        vocabulary = matching.Vocabulary()
        terms = matching.requested_terms(draft.criteria, vocabulary)
        found.matches = [
            (m, match_results.relevance_reasons(m.advocate, terms, vocabulary.labels))
            for m in matching.match(draft, limit=ADVOCATES, near_misses=0).matches
        ]
    return found
