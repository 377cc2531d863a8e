"""The program's vocabulary (DESIGN.md): every state and kind, with the words people read."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import LazyString
from wtforms.fields.choices import SelectChoice

from portal.i18n import gettext, locale_keeps_case

ROLES = ("advocate", "requester", "csm", "manager", "admin", "executive")
TEAMS = ("sales", "pr", "ar", "ir", "events", "social")
SEGMENTS = ("smb", "mid_market", "enterprise")
REGIONS = ("na", "emea", "apac", "latam")
ACCOUNT_STATUSES = ("candidate", "active", "paused", "retired", "do_not_contact")
SENIORITIES = ("executive", "director", "manager", "practitioner", "technical")
ADVOCATE_STATUSES = ("nominated", "invited", "active", "paused", "retired", "declined")
CONTACT_CHANNELS = ("email", "phone", "video")
ACTIVITY_TYPES = (
    "reference_call",
    "site_visit",
    "case_study",
    "quote",
    "video_testimonial",
    "press_interview",
    "analyst_briefing",
    "speaking",
    "webinar",
    "peer_review",
    "advisory_board",
    "beta_program",
    "social_post",
    "referral",
)
REQUEST_STATUSES = (
    "draft",
    "submitted",
    "in_progress",
    "fulfilled",
    "completed",
    "cancelled",
    "expired",
)
OPPORTUNITY_OUTCOMES = ("open", "won", "lost")
# Where an open deal is (a CRM preset maps its stage names here) and where a deal came from.
STAGE_GROUPS = ("early", "middle", "late")
OPPORTUNITY_SOURCES = ("request", "csv", "api", "form")
CURRENCY_DEFAULT = "USD"
ASK_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn", "completed")
DECLINE_REASONS = ("too_busy", "not_a_fit", "topic", "timing", "other")
BENEFIT_KINDS = (
    "speaking_slot",
    "user_group",
    "advisory_board",
    "early_access",
    "conference_pass",
    "training",
    "charity_donation",
    "other",
)
BENEFIT_STATUSES = ("open", "closed")
CLAIM_STATUSES = ("requested", "approved", "waitlisted", "declined", "cancelled", "fulfilled")
LEDGER_REASONS = ("activity", "claim", "refund", "adjustment")
TOUCHPOINT_KINDS = ("call", "email", "meeting", "thank_you", "gift", "event", "note")
REFERENCEABILITY = ("referenceable", "not_now", "not_referenceable")
RELATIONSHIP_HEALTH = ("healthy", "watch", "at_risk")
CONTENT_KINDS = ("case_study", "video", "quote", "slides", "press_release", "review", "blog")
CONTENT_STAGES = ("early", "middle", "late")
APPROVAL_STATUSES = ("draft", "customer_approved", "retired")
OUTBOX_STATUSES = ("queued", "sent", "failed")
OUTBOX_KINDS = ("email", "chat", "webhook")
TOKEN_SCOPES = ("read", "read_write")
TAXONOMY_KINDS = ("industry", "product", "use_case", "language")
# The sides of an advocate's profile that the directory filters and matching weighs, in words.
PROFILE_SIDES = {
    "industry": "Industry",
    "product": "Product",
    "use_case": "Use case",
    "region": "Region",
    "segment": "Segment",
    "seniority": "Seniority",
    "language": "Language",
}

# Words shown to people where the stored key is not plain English.
LABELS = {
    "smb": "SMB",
    "mid_market": "Mid-market",
    "na": "North America",
    "emea": "EMEA",
    "apac": "APAC",
    "latam": "Latin America",
    "csm": "Customer success",
    "pr": "PR",
    "ar": "Analyst relations",
    "ir": "Investor relations",
    "do_not_contact": "Do not contact",
    "in_progress": "In progress",
    "too_busy": "Too busy",
    "not_a_fit": "Not a fit",
    "read_write": "Read and write",
    "customer_approved": "Customer approved",
}


# Region and seniority keys are fixed, their words are the administrators' (the taxonomy's
# label-only kinds): the factory wires in the function that reads them, {kind: {key: label}}
# in the administrators' order (portal.program.taxonomy.fixed_labels).
_FIXED = {"region": REGIONS, "seniority": SENIORITIES}
_fixed_labels: Callable[[], dict[str, dict[str, str]]] | None = None


def use_fixed_labels(source: Callable[[], dict[str, dict[str, str]]] | None) -> None:
    global _fixed_labels
    _fixed_labels = source


def _fixed_label(value: str, kind: str | None) -> str | None:
    if _fixed_labels is None:
        return None
    if kind is None:
        # A key that means one thing only ('manager' is a role too: pass kind="seniority").
        kinds = [k for k, keys in _FIXED.items() if value in keys]
        if len(kinds) != 1 or value in ROLES:
            return None
        kind = kinds[0]
    return _fixed_labels().get(kind, {}).get(value)


def label(value: str | None, kind: str | None = None) -> str:
    """The human word for a stored key: 'reference_call' reads 'Reference call' (in the page's
    or message's language: the words are in the catalogs through `portal.vocab_words`); a
    region or seniority reads as the administrators named it."""
    if value is None:
        return ""
    fixed = _fixed_label(value, kind)
    if fixed:
        return fixed
    return gettext(LABELS.get(value) or value.replace("_", " ").capitalize())


class InSentence:
    """A key's words inside a sentence, worked out when the sentence is written: in the
    language of the page or message at that moment (a subject built before the recipient's
    language is chosen still reads in theirs), lower case where that language writes it so
    ("a reference call", "un appel de référence"; German nouns keep their capital)."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __str__(self) -> str:
        words = label(self.value)
        return words if locale_keeps_case() else words.lower()


def in_sentence(value: str | None) -> InSentence:
    return InSentence(value)


def choices(values, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select field, labelled in words; `blank` adds an empty first option.
    Regions and seniorities come in the administrators' order."""
    options = [SelectChoice("", blank)] if blank is not None else []
    kind = next((k for k, keys in _FIXED.items() if tuple(values) == keys), None)
    if kind is not None and _fixed_labels is not None:
        order = list(_fixed_labels().get(kind, {}))
        values = sorted(values, key=lambda v: order.index(v) if v in order else len(order))
        return options + [SelectChoice(v, label(v, kind)) for v in values]
    # Forms are declared once, their choices read in each page's language when shown.
    return options + [SelectChoice(v, LazyString(label, v)) for v in values]
