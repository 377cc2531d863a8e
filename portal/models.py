"""Every domain's models in one import, for Alembic and the shell."""

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks.models import (
    AdvocateEligibility,
    Ask,
    ReferenceRequest,
    RequestComment,
)
from portal.audit.models import AuditEvent
from portal.auth.models import ApiToken, LinkToken, User
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.content.models import ContentAsset, ContentUse
from portal.notifications.models import OutboxMessage
from portal.program.models import ProgramSetting, TaxonomyTerm
from portal.recruiting.models import Target, Touchpoint

__all__ = [
    "Account",
    "Advocate",
    "AdvocateEligibility",
    "ApiToken",
    "Ask",
    "AuditEvent",
    "Benefit",
    "Blackout",
    "Claim",
    "ContentAsset",
    "ContentUse",
    "LedgerEntry",
    "LinkToken",
    "OutboxMessage",
    "ProgramSetting",
    "ReferenceRequest",
    "RequestComment",
    "Target",
    "TaxonomyTerm",
    "Touchpoint",
    "User",
]
