"""Benefits, claims and the points ledger: the catalog for everyone signed in, claims for
advocates (their own) and the program team, ledgers for the advocate themselves and the team."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, url_for

from portal.api.auth import ANY_USER, allow, api_user
from portal.api.blueprint import bp
from portal.api.common import (
    changed_since,
    created,
    filters,
    json_body,
    paginate,
    query_args,
    takes,
)
from portal.api.schemas.benefits import (
    BenefitArgsSchema,
    BenefitInputSchema,
    BenefitListSchema,
    BenefitSchema,
    ClaimArgsSchema,
    ClaimInputSchema,
    ClaimListSchema,
    DecisionInputSchema,
    LedgerSchema,
)
from portal.api.schemas.common import PageArgsSchema
from portal.benefits import capacity, catalog, claims, ledger
from portal.benefits.models import Benefit, Claim
from portal.extensions import db
from portal.webhooks.payloads import ClaimSchema

# The program team decides claims; an advocate cancels their own (the service checks it is).
may_decide = allow(
    "program.manage", "advocate.self", message="Only the program team decides claims."
)


@bp.get("/benefits")
@allow(ANY_USER)
def list_benefits():
    """List benefits.
    ---
    get:
      tags: [benefits]
      summary: The catalog, soonest event first. The program team sees every benefit; an
        advocate the open ones and those they claimed; anyone else the open ones.
      parameters:
        - in: query
          schema: BenefitArgsSchema
      responses:
        200:
          description: One page of benefits.
          content:
            application/json:
              schema: BenefitListSchema
    """
    actor = api_user()
    args = query_args(BenefitArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(catalog.visible_benefit_query(actor, **filters(args)), Benefit, since)
    return paginate(
        query.options(sa.orm.selectinload(Benefit.allowed)),
        args,
        BenefitListSchema(exclude=_hidden(actor, "items.")),
        context=_with_claim_figures,
    )


def _with_claim_figures(items) -> dict:
    """The page's claim counts, read once for all its benefits or claims."""
    ids = {item.id if isinstance(item, Benefit) else item.benefit_id for item in items}
    return {"claim_figures": capacity.ClaimFigures(ids)}


def _hidden(actor, prefix: str = "") -> tuple[str, ...]:
    """The fields of a benefit the actor may not see: the chosen list (program team only)."""
    return () if catalog.sees_every_benefit(actor) else (f"{prefix}allowed_advocate_ids",)


@bp.post("/benefits")
@allow("program.manage", message="Only the program team adds benefits.")
@takes(BenefitInputSchema, unknown_by_service=True)
def create_benefit():
    """Add a benefit to the catalog.
    ---
    post:
      tags: [benefits]
      summary: The program team adds a benefit; it opens at once.
      responses:
        201:
          description: The new benefit; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: BenefitSchema
    """
    benefit = catalog.create_benefit(api_user(), json_body())
    db.session.commit()
    return created(BenefitSchema().dump(benefit), url_for("api.get_benefit", benefit_id=benefit.id))


@bp.get("/benefits/<int:benefit_id>")
@allow(ANY_USER)
def get_benefit(benefit_id: int):
    """Show a benefit.
    ---
    get:
      tags: [benefits]
      summary: One benefit of the catalog; one you may not see (closed) is not found.
      responses:
        200:
          description: The benefit.
          content:
            application/json:
              schema: BenefitSchema
        404: NotFound
    """
    actor = api_user()
    found = catalog.get_benefit(actor, benefit_id)
    return jsonify(BenefitSchema(exclude=_hidden(actor)).dump(found))


@bp.post("/benefits/<int:benefit_id>/claims")
@allow("advocate.self", message="Only advocates claim benefits.")
@takes(ClaimInputSchema, unknown_by_service=True)
def claim_benefit(benefit_id: int):
    """Claim a benefit.
    ---
    post:
      tags: [benefits]
      summary: The advocate claims it; approved, requested (approval needed) or waitlisted.
      description: A speaking slot needs talk_title and abstract, an advisory board seat a
        statement. Refused (409) when closed, past its deadline, not for you, claimed
        already, or it costs more points than you have.
      responses:
        201:
          description: The claim; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: ClaimSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    benefit = catalog.get_benefit(actor, benefit_id)
    # The service refuses an advocate record that is not the actor's own.
    claim = claims.claim_benefit(actor, benefit, actor.advocate, json_body())
    db.session.commit()
    return created(ClaimSchema().dump(claim), url_for("api.get_claim", claim_id=claim.id))


@bp.get("/claims")
@allow("program.manage", "advocate.self", message="You can't see claims.")
def list_claims():
    """List claims.
    ---
    get:
      tags: [benefits]
      summary: Your own claims (advocate) or all (program team), oldest first.
      parameters:
        - in: query
          schema: ClaimArgsSchema
      responses:
        200:
          description: One page of claims.
          content:
            application/json:
              schema: ClaimListSchema
    """
    args = query_args(ClaimArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(claims.claim_query(api_user(), **filters(args)), Claim, since)
    return paginate(query, args, ClaimListSchema(), context=_with_claim_figures)


@bp.get("/claims/<int:claim_id>")
@allow(ANY_USER)
def get_claim(claim_id: int):
    """Show a claim.
    ---
    get:
      tags: [benefits]
      summary: One claim; another advocate's is not found.
      responses:
        200:
          description: The claim.
          content:
            application/json:
              schema: ClaimSchema
        404: NotFound
    """
    return jsonify(ClaimSchema().dump(claims.get_claim(api_user(), claim_id)))


def _decide(claim_id: int, decide):
    actor = api_user()
    claim = claims.get_claim(actor, claim_id)  # another advocate's: 404
    decide(actor, claim, json_body().get("note"))
    db.session.commit()
    return jsonify(ClaimSchema().dump(claim))


_DECISION_DOC = """{verb} a claim.
    ---
    post:
      tags: [benefits]
      summary: {summary}
      responses:
        200:
          description: The claim after the decision.
          content:
            application/json:
              schema: ClaimSchema
        404: NotFound
        409: Conflict
    """


@bp.post("/claims/<int:claim_id>/approve")
@may_decide
@allow("program.manage", message="Only the program team approves claims.")
@takes(DecisionInputSchema, required=False)
def approve_claim(claim_id: int):
    return _decide(claim_id, claims.approve_claim)


@bp.post("/claims/<int:claim_id>/decline")
@may_decide
@allow("program.manage", message="Only the program team declines claims.")
@takes(DecisionInputSchema, required=False)
def decline_claim(claim_id: int):
    return _decide(claim_id, claims.decline_claim)


@bp.post("/claims/<int:claim_id>/cancel")
@may_decide
@takes(DecisionInputSchema, required=False)
def cancel_claim(claim_id: int):
    return _decide(claim_id, claims.cancel_claim)


approve_claim.__doc__ = _DECISION_DOC.format(
    verb="Approve", summary="The program team approves a requested claim; its hold is spent."
)
decline_claim.__doc__ = _DECISION_DOC.format(
    verb="Decline",
    summary="The program team declines a requested or waitlisted claim; points are refunded "
    "and the first waiting claim takes the place.",
)
cancel_claim.__doc__ = _DECISION_DOC.format(
    verb="Cancel",
    summary="The claim's advocate or the program team cancels before the event; points are "
    "refunded and the first waiting claim takes the place.",
)


@bp.get("/advocates/<int:advocate_id>/ledger")
@allow(
    "program.manage",
    "advocate.self",
    message="Only the advocate and the program team see a points ledger.",
)
def advocate_ledger(advocate_id: int):
    """An advocate's points ledger.
    ---
    get:
      tags: [benefits]
      summary: Entries, newest first, and the balance (their sum). The advocate themselves or
        the program team.
      parameters:
        - in: query
          schema: PageArgsSchema
      responses:
        200:
          description: One page of entries and the balance.
          content:
            application/json:
              schema: LedgerSchema
        404: NotFound
    """
    args = query_args(PageArgsSchema())
    advocate = ledger.ledger_advocate(api_user(), advocate_id)
    return paginate(
        ledger.ledger_query(advocate.id),
        args,
        LedgerSchema(),
        advocate_id=advocate.id,
        balance=ledger.balance(advocate.id),
    )
