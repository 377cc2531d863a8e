"""The program's vocabulary (DESIGN.md): every state and kind, with the words people read."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice

ROLES = ("advocate", "requester", "csm", "manager", "admin")
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


def label(value: str | None) -> str:
    """The human word for a stored key: 'reference_call' reads 'Reference call'."""
    if value is None:
        return ""
    return LABELS.get(value) or value.replace("_", " ").capitalize()


def choices(values, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select field, labelled in words; `blank` adds an empty first option."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(v, label(v)) for v in values]
