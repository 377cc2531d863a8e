"""Reference requests: their fields and checks, filing, drafts, changes, triage, closing,
comments, the deal's outcome, and expiry."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from portal.advocates.models import Advocate
from portal.asks import lead_time
from portal.asks.asks import SHOWN_EXPIRED, _withdraw, expire_overdue_asks, show_expiry
from portal.asks.models import Ask, ReferenceRequest, RequestComment
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can, roles_holding
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import gettext
from portal.opportunities import service as opportunities
from portal.program import custom_field_matching
from portal.program.service import taxonomy_values
from portal.validation import MONEY_MAX, Checker, refuse_if_any
from portal.vocab import (
    ACTIVITY_TYPES,
    OPPORTUNITY_OUTCOMES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    label,
)

_UNSET = object()


CONTEXT_MAX = 5000
COMMENT_MAX = 5000
REASON_MAX = 2000
AMOUNT_MAX = MONEY_MAX
OPEN_REQUEST_STATUSES = ("submitted", "in_progress")
EDITABLE_REQUEST_STATUSES = ("draft", "submitted", "in_progress")
REQUEST_FIELDS = (
    "activity_type",
    "opportunity_name",
    "opportunity_crm_id",
    "opportunity_amount",
    "opportunity_stage",
    "opportunity_close_date",
    "prospect_company",
    "criteria",
    "needed_by",
    "advocates_needed",
    "context",
)
# Criterion -> its allowed values, given the request being changed (its retired values stay
# allowed); taxonomy criteria may name a group of terms (matching reads it as its members).
CRITERIA_ALLOWED = {
    "industries": lambda keep: taxonomy_values("industry", keep, groups=True),
    "products": lambda keep: taxonomy_values("product", keep, groups=True),
    "use_cases": lambda keep: taxonomy_values("use_case", keep, groups=True),
    "languages": lambda keep: taxonomy_values("language", keep, groups=True),
    "regions": lambda keep: REGIONS,
    "segments": lambda keep: SEGMENTS,
    "seniorities": lambda keep: SENIORITIES,
}


def _amount(checker: Checker, data: dict) -> None:
    checker.money("opportunity_amount", maximum=AMOUNT_MAX)


def check_request_data(
    data: dict, *, partial: bool = False, draft: bool = False, keep=None
) -> dict:
    """Cleaned request fields or ValidationFailed naming each bad one (criteria as criteria.x);
    `keep`: the request being changed, whose retired criteria values stay allowed."""
    data = dict(data) if isinstance(data, dict) else data
    criteria = data.pop("criteria", None) if isinstance(data, dict) else None
    checker = Checker(data, allowed=[f for f in REQUEST_FIELDS if f != "criteria"], partial=partial)
    checker.choice("activity_type", ACTIVITY_TYPES, required=True)
    checker.text("opportunity_name", max_length=200)
    checker.text("opportunity_crm_id", max_length=64)
    checker.text("opportunity_stage", max_length=64)
    checker.text("prospect_company", max_length=200)
    checker.text("context", max_length=CONTEXT_MAX)
    checker.date("opportunity_close_date")
    checker.date("needed_by", required=True, not_past=True)
    if draft and "advocates_needed" not in checker.data and not partial:
        checker.clean["advocates_needed"] = 1
    else:
        checker.integer("advocates_needed", minimum=1, maximum=20, required=not draft)
    if isinstance(checker.data, dict):
        _amount(checker, checker.data)
    if criteria is not None or not partial:
        if criteria is None:
            criteria = {}
        if not isinstance(criteria, dict):
            checker.error("criteria", 'Must be an object of lists, such as {"industries": [...]}.')
        else:
            clean = {}
            for key in criteria:
                if key not in CRITERIA_ALLOWED and key != "custom":
                    checker.error(f"criteria.{key}", "Unknown criterion.")
            custom, custom_errors = custom_field_matching.check_criteria(criteria.get("custom"))
            for name, why in custom_errors.items():
                checker.error(name, why)
            if custom:
                clean["custom"] = custom
            for key, allowed in CRITERIA_ALLOWED.items():
                sub = Checker({key: criteria.get(key) or []}, allowed=[key])
                sub.choices(key, allowed(keep))
                if sub.errors:
                    checker.error(f"criteria.{key}", sub.errors[key])
                elif sub.clean.get(key):
                    clean[key] = sub.clean[key]
            checker.clean["criteria"] = clean
    return checker.done()


def _may_manage(actor) -> bool:
    return can(actor, "program.manage")


def _owns(actor, request: ReferenceRequest) -> bool:
    return actor is not None and request.requester_id == actor.id


def can_see_request(actor, request: ReferenceRequest) -> bool:
    return _may_manage(actor) or _owns(actor, request)


def _may_file(actor) -> None:
    if actor is None or not can(actor, "requests.create"):
        raise Forbidden(gettext("You can't file reference requests."))


def get_request(actor, request_id: int) -> ReferenceRequest:
    """A request the actor may see (own, or any for the program team), else NotFound; its asks
    come with their advocates and accounts (the request pages show them all)."""
    request = db.session.scalar(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.id == request_id)
        .options(
            sa.orm.selectinload(ReferenceRequest.asks)
            .joinedload(Ask.advocate)
            .joinedload(Advocate.account)
        )
    )
    if request is None or not can_see_request(actor, request):
        raise NotFound(gettext("No such request."))
    return request


def _check_with_rush(data, **options) -> tuple[dict, dict]:
    """check_request_data plus the rush fields (kept apart: they are not the request's needs);
    ValidationFailed names the bad fields of both."""
    rush_data = {}
    if isinstance(data, dict):
        data = dict(data)
        rush_data = {name: data.pop(name) for name in lead_time.RUSH_FIELDS if name in data}
    errors: dict[str, str] = {}
    rush = lead_time.clean_rush_fields(rush_data, errors)
    try:
        clean = check_request_data(data, **options)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, fields={**error.fields, **errors}) from None
    refuse_if_any(errors)
    return clean, rush


def _lead_time(request: ReferenceRequest, values: dict) -> dict:
    """The lead-time fields for `values` (the request's own where not given), counted from the
    requester's today; ValidationFailed when the notice is short and no rush is given."""

    def value(name):
        return values[name] if name in values else getattr(request, name)

    return lead_time.check_notice(
        value("activity_type"),
        value("needed_by"),
        bool(value("rush")),
        value("rush_reason"),
        today=lead_time.requester_today(request.requester),
    )


def create_request(actor, data: dict, *, submit: bool = True) -> ReferenceRequest:
    """File a request (submit) or keep it as the requester's draft. A filed request must give
    its activity type's lead time or be a rush with a reason (`portal.asks.lead_time`)."""
    _may_file(actor)
    clean, rush = _check_with_rush(data, draft=not submit)
    if submit:
        clean.update(
            lead_time.check_notice(
                clean["activity_type"],
                clean["needed_by"],
                bool(rush.get("rush")),
                rush.get("rush_reason"),
                today=lead_time.requester_today(actor),
            )
        )
    else:
        clean.update(rush)
    link = opportunities.link_for_request(actor, clean, request=None, requester=actor)
    clean.setdefault("opportunity_outcome", "open")
    request = ReferenceRequest(
        requester_id=actor.id, status="submitted" if submit else "draft", **clean
    )
    opportunities.apply_link(request, link)
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor, "request.submitted" if submit else "request.drafted", request, _audit(clean)
    )
    return request


def save_draft(actor, data: dict) -> ReferenceRequest:
    return create_request(actor, data, submit=False)


def _audit(clean: dict) -> dict:
    return {k: v for k, v in clean.items() if k != "context"}


def _may_edit(actor, request: ReferenceRequest) -> None:
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    if request.status not in EDITABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it can't be changed.")


def update_request(actor, request: ReferenceRequest, data: dict) -> dict:
    """Change the fields sent; a draft may stay incomplete, a filed request may not."""
    _may_edit(actor, request)
    clean, rush = _check_with_rush(
        data, partial=True, draft=request.status == "draft", keep=request
    )
    clean.update(rush)
    if "needed_by" in clean and clean["needed_by"] is None:
        raise ValidationFailed(gettext("needed_by: This field is required."), field="needed_by")
    if clean.get("advocates_needed", 1) is None:
        raise ValidationFailed(
            gettext("advocates_needed: This field is required."), field="advocates_needed"
        )
    link = opportunities.link_for_request(
        actor, clean, request=request, requester=request.requester
    )
    opportunities.apply_link(request, link)
    lead_fields = ("activity_type", "needed_by", *lead_time.RUSH_FIELDS)
    if request.status != "draft" and any(
        name in clean and clean[name] != getattr(request, name) for name in lead_fields
    ):
        # A filed request whose date, activity or rush changes is counted again from today.
        clean.update(_lead_time(request, clean))
    changed = audit.changes(request, clean)
    if changed:
        audit.record(actor, "request.updated", request, _audit(changed))
    return changed


def submit_request(actor, request: ReferenceRequest) -> ReferenceRequest:
    """Send a draft to the reference team, checked as a new request would be."""
    _may_edit(actor, request)
    if request.status != "draft":
        raise DomainError(gettext("Only a draft can be submitted; this one already was."))
    values = {name: getattr(request, name) for name in REQUEST_FIELDS}
    values = {k: v for k, v in values.items() if v is not None}
    if isinstance(values.get("opportunity_amount"), Decimal):
        values["opportunity_amount"] = str(values["opportunity_amount"])
    check_request_data(values, keep=request)
    lead = _lead_time(request, {})
    for name, value in lead.items():
        setattr(request, name, value)
    request.status = "submitted"
    audit.record(actor, "request.submitted", request, {"from": "draft", **lead})
    return request


def copy_request(actor, source: ReferenceRequest) -> ReferenceRequest:
    """A new draft with the fields of a request the actor may see (needed-by moved if past)."""
    _may_file(actor)
    if not can_see_request(actor, source):
        raise NotFound(gettext("No such request."))
    values = {name: getattr(source, name) for name in REQUEST_FIELDS}
    today = dt.date.today()
    if values["needed_by"] is None or values["needed_by"] < today:
        values["needed_by"] = today + dt.timedelta(days=14)
    values["criteria"] = copy.deepcopy(source.criteria or {})
    request = ReferenceRequest(
        requester_id=actor.id,
        status="draft",
        opportunity_outcome=source.opportunity_outcome if source.opportunity_id else "open",
        opportunity_id=source.opportunity_id,
        **values,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "request.copied", request, {"from_request_id": source.id})
    return request


def assignable_managers() -> list[User]:
    """Whom a request may be given to (`assign_request`): the active reference team, by name."""
    return db.session.scalars(
        sa.select(User)
        .where(User.role.in_(roles_holding("program.manage")), User.active.is_(True))
        .order_by(User.name)
    ).all()


def assign_request(actor, request: ReferenceRequest, manager) -> ReferenceRequest:
    """Give the request to a reference manager (None: nobody)."""
    if not _may_manage(actor):
        raise Forbidden(gettext("Only the reference team assigns requests."))
    if manager is not None and not can(manager, "program.manage"):
        raise ValidationFailed(gettext("Choose a reference manager."), field="manager_id")
    old = request.manager_id
    request.manager_id = manager.id if manager else None
    if old != request.manager_id:
        audit.record(actor, "request.assigned", request, {"from": old, "to": request.manager_id})
    return request


def _reason(reason: str | None, field: str = "reason", required: bool = True) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationFailed(gettext("Say why, for the requester."), field=field)
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"Must be at most {REASON_MAX} characters.", field=field)
    return reason or None


def _close(actor, request: ReferenceRequest, status: str, reason: str | None) -> None:
    old = request.status
    request.status = status
    request.status_reason = reason
    for ask in request.asks:
        if ask.status in ("pending", "accepted"):
            # Closing the request is the authority: asks placed by anyone are taken back.
            _withdraw(actor, ask, reason or f"The request was {label(status).lower()}.")
    audit.record(actor, f"request.{status}", request, {"from": old, "reason": reason})


def reject_request(actor, request: ReferenceRequest, reason: str) -> ReferenceRequest:
    """Triage: the reference team turns a request down, with the reason the requester reads."""
    if not _may_manage(actor):
        raise Forbidden(gettext("Only the reference team rejects requests."))
    if request.status not in OPEN_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; it can't be rejected.")
    _close(actor, request, "cancelled", _reason(reason))
    comment_on_request(actor, request, f"Rejected: {request.status_reason}")
    return request


def cancel_request(actor, request: ReferenceRequest, reason: str | None = None) -> ReferenceRequest:
    """The requester (or the team) no longer needs it; open asks are withdrawn."""
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    if request.status not in EDITABLE_REQUEST_STATUSES:
        raise DomainError(f"The request is {label(request.status).lower()}; nothing to cancel.")
    _close(actor, request, "cancelled", _reason(reason, required=False))
    return request


def comment_on_request(actor, request: ReferenceRequest, body: str) -> RequestComment:
    """Add to the request's thread (a question from the team, the requester's answer)."""
    if not can_see_request(actor, request):
        raise NotFound(gettext("No such request."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(gettext("Write a message."), field="body")
    if len(body) > COMMENT_MAX:
        raise ValidationFailed(f"Must be at most {COMMENT_MAX} characters.", field="body")
    comment = RequestComment(request=request, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "request.commented", request, {"comment_id": comment.id})
    return comment


OUTCOME_FIELDS = ("opportunity_outcome", "opportunity_amount")


def change_request(actor, request: ReferenceRequest, data: dict) -> ReferenceRequest:
    """Change the fields sent and, when `opportunity_outcome` is among them, record the deal's
    outcome (with `opportunity_amount`): the API's PATCH. Every bad field is named at once; on
    any, ValidationFailed and the caller rolls back whatever was written."""
    data = dict(data)
    outcome = None
    if "opportunity_outcome" in data:
        outcome = {name: data.pop(name) for name in OUTCOME_FIELDS if name in data}
    errors: dict[str, str] = {}
    failed = None
    if data or outcome is None:
        try:
            update_request(actor, request, data)
        except ValidationFailed as error:
            failed, errors = error, dict(error.fields)
    if outcome is not None:
        amount = outcome.get("opportunity_amount", _UNSET)
        try:
            record_outcome(actor, request, outcome["opportunity_outcome"], amount)
        except ValidationFailed as error:
            failed, errors = failed or error, {**errors, **error.fields}
    if failed is not None:
        raise ValidationFailed(failed.message, fields=errors)
    return request


def record_outcome(
    actor, request: ReferenceRequest, outcome: str, amount=_UNSET
) -> ReferenceRequest:
    """Won or lost (and the amount): what influenced-revenue reports read; may change later."""
    if not (_may_manage(actor) or _owns(actor, request)):
        raise NotFound(gettext("No such request."))
    data = {"opportunity_outcome": outcome}
    if amount is not _UNSET:
        data["opportunity_amount"] = amount
    checker = Checker(data, allowed=["opportunity_outcome", "opportunity_amount"])
    checker.choice("opportunity_outcome", OPPORTUNITY_OUTCOMES, required=True)
    _amount(checker, data)
    clean = checker.done()
    if request.opportunity is not None:
        # The deal is the record: its outcome reaches every request that supports it.
        before = {name: getattr(request, name) for name in clean}
        opportunities.set_outcome(
            actor,
            request.opportunity,
            clean["opportunity_outcome"],
            clean.get("opportunity_amount", opportunities.KEEP),
        )
        changed = {
            name: [old, getattr(request, name)]
            for name, old in before.items()
            if getattr(request, name) != old
        }
    else:
        changed = audit.changes(request, clean)
    if changed:
        audit.record(actor, "request.outcome", request, changed)
    return request


def expire_overdue_requests(at: dt.datetime | None = None, *, request_id: int | None = None) -> int:
    """Open requests past their needed-by date without enough accepted asks become expired."""
    at = at or now_utc()
    query = sa.select(ReferenceRequest).where(
        ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES),
        ReferenceRequest.needed_by < at.date(),
    )
    if request_id is not None:
        query = query.where(ReferenceRequest.id == request_id)
    count = 0
    for request in db.session.scalars(query):
        old = request.status
        request.status = "expired"
        for ask in request.asks:
            if ask.status == "pending":
                ask.status = "expired"
                audit.record(None, "ask.expired", ask, {"request_expired": True})
        audit.record(
            None, "request.expired", request, {"from": old, "needed_by": request.needed_by}
        )
        count += 1
    return count


def show_request_expiry(request: ReferenceRequest, at: dt.datetime | None = None) -> None:
    """The request and its asks as `refresh_request` would leave them, on the loaded rows only
    (`show_expiry`): a page shows the true state and writes nothing."""
    at = at or now_utc()
    if request.status in OPEN_REQUEST_STATUSES and request.needed_by < at.date():
        set_committed_value(request, "status", "expired")
        sa.inspect(request).info[SHOWN_EXPIRED] = at
        show_expiry(request.asks, dt.datetime.max.replace(tzinfo=dt.UTC))  # every pending ask
    show_expiry(request.asks, at)


def refresh_request(request: ReferenceRequest, at: dt.datetime | None = None) -> bool:
    """Expire what is overdue on this request before it is shown (expiry on read)."""
    changed = expire_overdue_asks(at, request_id=request.id)
    changed += expire_overdue_requests(at, request_id=request.id)
    return bool(changed)
