"""The words of the vocabulary (`portal.vocab.label`) as the catalogs know them.

`label()` turns a stored key into English words ("reference_call" reads "Reference call") and
then into the page's or message's language with gettext. The words are computed there, so
`pybabel extract` cannot see them: they are listed here, marked with `_l` (nothing is called
at run time). `tests/i18n` checks that every key of every vocabulary is listed. Region and
seniority words are the administrators' own (the taxonomy) and are not translated.
"""

from __future__ import annotations


def _l(text: str) -> str:
    """A marker for `pybabel extract` (the keyword `_l`)."""
    return text


WORDS = {
    # ACTIVITY_TYPES
    "reference_call": _l("Reference call"),
    "site_visit": _l("Site visit"),
    "case_study": _l("Case study"),
    "quote": _l("Quote"),
    "video_testimonial": _l("Video testimonial"),
    "press_interview": _l("Press interview"),
    "analyst_briefing": _l("Analyst briefing"),
    "speaking": _l("Speaking"),
    "webinar": _l("Webinar"),
    "peer_review": _l("Peer review"),
    "advisory_board": _l("Advisory board"),
    "beta_program": _l("Beta program"),
    "social_post": _l("Social post"),
    "referral": _l("Referral"),
    # ASK_STATUSES
    "pending": _l("Pending"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "completed": _l("Completed"),
    # DECLINE_REASONS
    "too_busy": _l("Too busy"),
    "not_a_fit": _l("Not a fit"),
    "topic": _l("Topic"),
    "timing": _l("Timing"),
    "other": _l("Other"),
    # CONTACT_CHANNELS
    "email": _l("Email"),
    "phone": _l("Phone"),
    "video": _l("Video"),
    # ADVOCATE_STATUSES
    "nominated": _l("Nominated"),
    "invited": _l("Invited"),
    "active": _l("Active"),
    "paused": _l("Paused"),
    "retired": _l("Retired"),
    # BENEFIT_KINDS
    "speaking_slot": _l("Speaking slot"),
    "user_group": _l("User group"),
    "early_access": _l("Early access"),
    "conference_pass": _l("Conference pass"),
    "training": _l("Training"),
    "charity_donation": _l("Charity donation"),
    # BENEFIT_STATUSES
    "open": _l("Open"),
    "closed": _l("Closed"),
    # CLAIM_STATUSES
    "requested": _l("Requested"),
    "approved": _l("Approved"),
    "waitlisted": _l("Waitlisted"),
    "cancelled": _l("Cancelled"),
    "fulfilled": _l("Fulfilled"),
    # LEDGER_REASONS
    "activity": _l("Activity"),
    "claim": _l("Claim"),
    "refund": _l("Refund"),
    "adjustment": _l("Adjustment"),
    # SEGMENTS
    "smb": _l("SMB"),
    "mid_market": _l("Mid-market"),
    "enterprise": _l("Enterprise"),
    # REQUEST_STATUSES
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_progress": _l("In progress"),
    # ACCOUNT_STATUSES
    "candidate": _l("Candidate"),
    "do_not_contact": _l("Do not contact"),
    # APPROVAL_STATUSES
    "customer_approved": _l("Customer approved"),
    # CONTENT_KINDS
    "slides": _l("Slides"),
    "press_release": _l("Press release"),
    "review": _l("Review"),
    "blog": _l("Blog"),
    # CONTENT_STAGES
    "early": _l("Early"),
    "middle": _l("Middle"),
    "late": _l("Late"),
    # OPPORTUNITY_OUTCOMES
    "won": _l("Won"),
    "lost": _l("Lost"),
    # OPPORTUNITY_SOURCES
    "request": _l("Request"),
    "csv": _l("Csv"),
    "api": _l("Api"),
    "form": _l("Form"),
    # OUTBOX_KINDS
    "chat": _l("Chat"),
    "webhook": _l("Webhook"),
    # OUTBOX_STATUSES
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    # REFERENCEABILITY
    "referenceable": _l("Referenceable"),
    "not_now": _l("Not now"),
    "not_referenceable": _l("Not referenceable"),
    # RELATIONSHIP_HEALTH
    "healthy": _l("Healthy"),
    "watch": _l("Watch"),
    "at_risk": _l("At risk"),
    # ROLES
    "advocate": _l("Advocate"),
    "requester": _l("Requester"),
    "csm": _l("Customer success"),
    "manager": _l("Manager"),
    "admin": _l("Admin"),
    "executive": _l("Executive"),
    # TAXONOMY_KINDS
    "industry": _l("Industry"),
    "product": _l("Product"),
    "use_case": _l("Use case"),
    "language": _l("Language"),
    # TEAMS
    "sales": _l("Sales"),
    "pr": _l("PR"),
    "ar": _l("Analyst relations"),
    "ir": _l("Investor relations"),
    "events": _l("Events"),
    "social": _l("Social"),
    # TOKEN_SCOPES
    "read": _l("Read"),
    "read_write": _l("Read and write"),
    # TOUCHPOINT_KINDS
    "call": _l("Call"),
    "meeting": _l("Meeting"),
    "thank_you": _l("Thank you"),
    "gift": _l("Gift"),
    "event": _l("Event"),
    "note": _l("Note"),
}
