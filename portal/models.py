"""Every domain's models in one import, for Alembic and the shell."""

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks.models import (
    AdvocateEligibility,
    Ask,
    MatchRow,
    ReferenceRequest,
    RequestComment,
)
from portal.asks.queue_models import SavedFilter
from portal.asks.slot_models import AskSlot
from portal.audit.models import AuditEvent
from portal.auth.models import ApiToken, LinkToken, User
from portal.auth.sso_models import SsoIdentity
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.content.models import ContentAsset, ContentTag, ContentUse
from portal.nominations.models import NominationObjection, SelfNomination
from portal.notifications.models import OutboxMessage
from portal.operations.models import JobRun, JobSchedule, Worker
from portal.opportunities.models import Opportunity
from portal.planning.models import Initiative, PlannedNeed
from portal.playbook.models import PlaybookEntry
from portal.program.models import ProgramSetting, TaxonomyKind, TaxonomyTerm
from portal.program.terms_models import TermsAcceptance, TermsVersion
from portal.program.translation_models import TextTranslation
from portal.recruiting.models import (
    CandidateSuggestion,
    ImportPreview,
    Invitation,
    Referenceability,
    Target,
    Touchpoint,
)
from portal.reports.models import RequestFacts
from portal.thanks.models import AdvocateThanks, DealOutcomeShare
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.work.models import AskShare

__all__ = [
    "Account",
    "Advocate",
    "AdvocateThanks",
    "AdvocateEligibility",
    "ApiToken",
    "Ask",
    "AskShare",
    "AskSlot",
    "AuditEvent",
    "Benefit",
    "Blackout",
    "CandidateSuggestion",
    "Claim",
    "ContentAsset",
    "ContentTag",
    "ContentUse",
    "DealOutcomeShare",
    "ImportPreview",
    "Initiative",
    "Invitation",
    "MatchRow",
    "JobRun",
    "JobSchedule",
    "LedgerEntry",
    "NominationObjection",
    "LinkToken",
    "Opportunity",
    "OutboxMessage",
    "PlaybookEntry",
    "PlannedNeed",
    "ProgramSetting",
    "ReferenceRequest",
    "SelfNomination",
    "Referenceability",
    "RequestComment",
    "RequestFacts",
    "SavedFilter",
    "Target",
    "TaxonomyKind",
    "TaxonomyTerm",
    "TermsAcceptance",
    "TermsVersion",
    "TextTranslation",
    "Touchpoint",
    "SsoIdentity",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Worker",
]
