"""The advocate thanked: a thank-you with the points when an activity completes, what a won deal
achieved (when the program and the deal's manager allow it), the advocate's own feedback on an
activity, a notice when a benefit they may claim opens, and win stories for the team chat.

The messages follow domain events (`portal.events`), so they are written in the transaction of
the change that causes them. Each message to an advocate leaves an `AdvocateThanks` row whose
unique key says what it was for: the same completion, win or opening never tells anyone twice.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask_babel import lazy_gettext

from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.benefits import claims, ledger
from portal.benefits.models import Benefit, BenefitAllowedAdvocate, Claim, LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.events import Event, subscribe
from portal.extensions import db
from portal.notifications.chat import queue_chat
from portal.notifications.service import Audience, queue_email
from portal.opportunities.models import Opportunity
from portal.program.service import get_setting
from portal.recruiting.models import Touchpoint
from portal.thanks.models import AdvocateThanks, DealOutcomeShare
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import in_sentence, label

FEEDBACK_MAX = 2000
SHARE_SETTING = "share_outcomes_with_advocates"
AMOUNTS_SETTING = "share_outcome_amounts"


def _told(key: str) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(AdvocateThanks.key == key))))


def _user_of(advocate: Advocate) -> dict:
    return {"user": advocate.user} if advocate.user is not None else {}


# 1. Thank-you when an activity completes -----------------------------------------------------


def points_for_ask(ask_id: int) -> int:
    """The points the ask's completion earned (its "activity" ledger entries)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.ask_id == ask_id, LedgerEntry.reason == "activity"
            )
        )
    )


def thank_for_ask(actor, ask: Ask) -> AdvocateThanks | None:
    """Thank the advocate of a completed ask (e-mail and in-app, as they chose) with the points
    it earned and their balance, and log a `thank_you` touchpoint. Once per ask."""
    if ask.status != "completed":
        return None
    key = f"thank_you:ask:{ask.id}"
    if _told(key):
        return None
    advocate, request = ask.advocate, ask.request
    points, balance = points_for_ask(ask.id), ledger.balance(advocate.id)
    activity = in_sentence(request.activity_type)
    queue_email(
        "thank_you",
        advocate.email,
        lazy_gettext("Thank you for the %(activity)s", activity=activity),
        ask=ask,
        request=request,
        advocate=advocate,
        points=points,
        balance=balance,
        link=external_url("me.ask", ask_id=ask.id),
        **_user_of(advocate),
    )
    what = f"the {activity}" + (
        f" for {request.prospect_company}" if request.prospect_company else ""
    )
    db.session.add(
        Touchpoint(
            advocate_id=advocate.id,
            kind="thank_you",
            summary=f"Thanked for {what}: {points} points earned, balance {balance}.",
            created_by_id=getattr(actor, "id", None),
        )
    )
    thanks = AdvocateThanks(key=key, kind="thank_you", advocate_id=advocate.id, ask_id=ask.id)
    db.session.add(thanks)
    audit.record(
        actor,
        "advocate.thanked",
        thanks,
        {"ask_id": ask.id, "advocate_id": advocate.id, "points": points, "balance": balance},
    )
    return thanks


def on_ask_completed(event: Event) -> None:
    thank_for_ask(event.actor, event.obj)


# 2. What your help achieved -------------------------------------------------------------------


def sharing_allowed() -> bool:
    return bool(get_setting(SHARE_SETTING))


def deal_shares(opportunity: Opportunity) -> bool:
    """The manager switched on "tell the advocates" for this deal."""
    return bool(
        db.session.scalar(
            sa.select(DealOutcomeShare.share).where(
                DealOutcomeShare.opportunity_id == opportunity.id
            )
        )
    )


def _helpers(opportunity: Opportunity) -> list[tuple[Advocate, list[Ask]]]:
    """Each advocate who completed an ask for the deal, with those asks (oldest first)."""
    asks = db.session.scalars(
        sa.select(Ask)
        .join(Ask.request)
        .where(ReferenceRequest.opportunity_id == opportunity.id, Ask.status == "completed")
        .options(sa.orm.contains_eager(Ask.request), sa.orm.joinedload(Ask.advocate))
        .order_by(Ask.advocate_id, Ask.completed_at, Ask.id)
    ).all()
    by_advocate: dict[int, tuple[Advocate, list[Ask]]] = {}
    for ask in asks:
        by_advocate.setdefault(ask.advocate_id, (ask.advocate, []))[1].append(ask)
    return list(by_advocate.values())


def share_outcome(actor, opportunity: Opportunity) -> int:
    """Tell each advocate who completed an ask for the won deal what their help achieved (the
    prospect, that it was won; the amount only when the program shares amounts). Needs the
    program setting and the deal's switch; once per advocate and deal. Returns how many."""
    if opportunity.outcome != "won" or not sharing_allowed() or not deal_shares(opportunity):
        return 0
    show_amount = bool(get_setting(AMOUNTS_SETTING)) and opportunity.amount is not None
    told = 0
    already = set(
        db.session.scalars(
            sa.select(AdvocateThanks.key).where(
                AdvocateThanks.opportunity_id == opportunity.id, AdvocateThanks.kind == "outcome"
            )
        )
    )
    for advocate, asks in _helpers(opportunity):
        key = f"outcome:opp:{opportunity.id}:advocate:{advocate.id}"
        if advocate.status in ("retired", "declined") or key in already:
            continue
        company = (
            next((a.request.prospect_company for a in asks if a.request.prospect_company), None)
            or opportunity.account_name
            or "the prospect"
        )
        queue_email(
            "help_achieved",
            advocate.email,
            lazy_gettext("What your help achieved: %(company)s chose us", company=company),
            advocate=advocate,
            company=company,
            activities=[
                in_sentence(kind) for kind in sorted({a.request.activity_type for a in asks})
            ],
            amount=opportunity.amount if show_amount else None,
            currency=opportunity.currency,
            ask=asks[-1],  # the in-app notice opens the latest of their activities
            link=external_url("me.ask", ask_id=asks[-1].id),
            **_user_of(advocate),
        )
        thanks = AdvocateThanks(
            key=key, kind="outcome", advocate_id=advocate.id, opportunity_id=opportunity.id
        )
        db.session.add(thanks)
        audit.record(
            actor,
            "advocate.outcome_shared",
            thanks,
            {
                "opportunity_id": opportunity.id,
                "advocate_id": advocate.id,
                "amount_shared": show_amount,
            },
        )
        told += 1
    return told


def set_deal_share(actor, opportunity: Opportunity, share) -> int:
    """The program team's switch on a deal: tell its advocates what their help achieved. Only
    while the program allows it; switched on for a deal already won, they are told at once.
    Returns how many advocates were told now."""
    demand(
        actor, "program.manage", "Only the program team decides what advocates hear about a deal."
    )
    if not sharing_allowed():
        raise DomainError(
            "The program does not share deal outcomes with advocates; an administrator can "
            "turn that on in the settings."
        )
    if not isinstance(share, bool):
        raise ValidationFailed("Must be on or off.", field="share")
    row = db.session.get(DealOutcomeShare, opportunity.id)
    old = bool(row and row.share)
    if old == share:
        return 0
    if row is None:
        row = DealOutcomeShare(opportunity_id=opportunity.id)
        db.session.add(row)
    row.share, row.set_by_id, row.set_at = share, getattr(actor, "id", None), now_utc()
    audit.record(actor, "opportunity.outcome_sharing_set", opportunity, {"from": old, "to": share})
    return share_outcome(actor, opportunity) if share else 0


def deal_sharing_state(opportunity: Opportunity) -> dict | None:
    """What the deal page shows about sharing (None when the program does not share)."""
    if not sharing_allowed():
        return None
    told = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AdvocateThanks)
        .where(AdvocateThanks.opportunity_id == opportunity.id, AdvocateThanks.kind == "outcome")
    )
    return {"share": deal_shares(opportunity), "told": told, "won": opportunity.outcome == "won"}


# 5. Win stories for the team chat --------------------------------------------------------------


def _win_story(deal_name: str, account: str | None, activity_types, link: str):
    """Queue the chat post of a won deal; nothing when no reference activity helped."""
    if not activity_types:
        return None
    counts = Counter(activity_types)
    helped = ", ".join(
        label(kind) + (f" ×{counts[kind]}" if counts[kind] > 1 else "") for kind in sorted(counts)
    )
    text = deal_name + (f" ({account})" if account else "") + " closed won."
    return queue_chat(
        "deal_won", f"Deal won: {deal_name}", f"{text} References that helped: {helped}.", link
    )


def post_win_story(opportunity: Opportunity):
    """A chat post for a deal won with reference help: the deal, the account, the activities
    that helped (never who, nor how to reach them)."""
    types = db.session.scalars(
        sa.select(ReferenceRequest.activity_type)
        .join(Ask, Ask.request_id == ReferenceRequest.id)
        .where(ReferenceRequest.opportunity_id == opportunity.id, Ask.status == "completed")
    ).all()
    account = opportunity.account.name if opportunity.account else opportunity.account_name
    link = external_url("opportunities.detail", crm_id=opportunity.crm_id)
    return _win_story(opportunity.name, account, types, link)


def on_outcome_changed(event: Event) -> None:
    if event.data.get("to") != "won":
        return
    opportunity = event.obj
    db.session.flush()  # the requests that support it follow the deal before we read them
    share_outcome(event.actor, opportunity)
    post_win_story(opportunity)


def on_request_outcome(event: Event) -> None:
    """A request with no deal record of its own marked won: its win story (a linked request's
    deal tells its own, above)."""
    request = event.obj
    change = event.data.get("opportunity_outcome")
    if request.opportunity_id is not None or not change or change[-1] != "won":
        return
    types = [a.request.activity_type for a in request.asks if a.status == "completed"]
    name = request.opportunity_name or f"Deal with {request.prospect_company or 'a prospect'}"
    link = external_url("queue.request_detail", request_id=request.id)
    _win_story(name, request.prospect_company, types, link)


# 3. The advocate's own feedback ---------------------------------------------------------------


def may_give_feedback(actor, ask: Ask, at=None) -> bool:
    """The asked advocate, once the activity is completed (or accepted and its time passed)."""
    if actor is None or getattr(actor, "role", None) != "advocate":
        return False
    if ask.advocate.user_id is None or ask.advocate.user_id != actor.id:
        return False
    if ask.status == "completed":
        return True
    at = at or now_utc()
    return ask.status == "accepted" and ask.scheduled_at is not None and ask.scheduled_at <= at


def write_feedback(actor, ask: Ask, feedback) -> bool:
    """The advocate writes (or changes, or clears) their feedback on an activity; the requester
    and the program team read it on the request. True when it changed."""
    if getattr(actor, "role", None) != "advocate" or ask.advocate.user_id != actor.id:
        raise NotFound("No such ask.")
    if not may_give_feedback(actor, ask):
        raise DomainError("You can give feedback once the activity has taken place.")
    c = Checker({"feedback": feedback}, allowed=("feedback",))
    c.text("feedback", max_length=FEEDBACK_MAX)
    c.plain("feedback")
    new = c.done().get("feedback")
    old = ask.advocate_feedback
    if old == new:
        return False
    ask.advocate_feedback = new
    audit.record(actor, "ask.advocate_feedback", ask, {"from": old, "to": new})
    return True


# 4. A benefit opens ------------------------------------------------------------------------------


def eligible_advocates_query(benefit: Benefit) -> sa.Select:
    """Active advocates the benefit's rule admits now, with enough points and no live claim on
    it, by id: one statement, however many advocates there are (the rule's figures are
    subqueries per advocate, no list of ids is bound)."""
    query = sa.select(Advocate).where(Advocate.status == "active").order_by(Advocate.id)
    if benefit.eligibility == "chosen":
        query = query.where(
            Advocate.id.in_(
                sa.select(BenefitAllowedAdvocate.advocate_id).where(
                    BenefitAllowedAdvocate.benefit_id == benefit.id
                )
            )
        )
    if benefit.points_cost:
        balance = (
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0))
            .where(LedgerEntry.advocate_id == Advocate.id)
            .scalar_subquery()
        )
        query = query.where(balance >= benefit.points_cost)
    if benefit.eligibility == "min_completed":
        completed = (
            sa.select(sa.func.count())
            .select_from(Ask)
            .where(Ask.advocate_id == Advocate.id, Ask.status == "completed")
            .scalar_subquery()
        )
        query = query.where(completed >= (benefit.min_completed or 0))
    claimed = sa.exists().where(
        Claim.benefit_id == benefit.id,
        Claim.advocate_id == Advocate.id,
        Claim.status.in_(claims.LIVE_STATUSES),
    )
    return query.where(~claimed)


def eligible_advocates(benefit: Benefit) -> list[Advocate]:
    """Active advocates who may claim the open benefit now: its eligibility rule, enough
    points, not claimed already (`eligible_advocates_query`)."""
    if benefit.status != "open":
        return []
    today = now_utc().date()
    if (benefit.claim_deadline and today > benefit.claim_deadline) or (
        benefit.event_date and today >= benefit.event_date
    ):
        return []
    return list(db.session.scalars(eligible_advocates_query(benefit)))


def announce_benefit(actor, benefit: Benefit) -> int:
    """Tell every eligible advocate that the benefit is open (in-app and e-mail, as each chose),
    in this transaction; never twice per benefit and advocate. Returns how many were told."""
    eligible = eligible_advocates(benefit)
    if not eligible:
        return 0
    told_keys = set(
        db.session.scalars(
            sa.select(AdvocateThanks.key).where(AdvocateThanks.benefit_id == benefit.id)
        )
    )
    due = [a for a in eligible if f"benefit:{benefit.id}:advocate:{a.id}" not in told_keys]
    if not due:
        return 0
    audience = Audience(a.email for a in due)
    link = external_url("benefits.benefit", benefit_id=benefit.id)
    subject = lazy_gettext("New for you: %(title)s", title=benefit.title)
    for advocate in due:
        queue_email(
            "benefit_opened",
            advocate.email,
            subject,
            audience=audience,
            advocate=advocate,
            benefit=benefit,
            link=link,
        )
    db.session.add_all(
        AdvocateThanks(
            key=f"benefit:{benefit.id}:advocate:{a.id}",
            kind="benefit_open",
            advocate_id=a.id,
            benefit_id=benefit.id,
        )
        for a in due
    )
    audit.record(actor, "benefit.announced", benefit, {"advocates": len(due)})
    return len(due)


def on_benefit_opened(event: Event) -> None:
    if event.obj.status == "open":
        announce_benefit(event.actor, event.obj)


# What the advocate's ask page shows -----------------------------------------------------------


def ask_thanks(ask: Ask) -> dict:
    """For the advocate's page of a completed ask: the points it earned, and whether a won
    deal's outcome was shared with them."""
    shared = False
    if ask.request.opportunity_id:
        shared = _told(f"outcome:opp:{ask.request.opportunity_id}:advocate:{ask.advocate_id}")
    return {"points": points_for_ask(ask.id), "achieved": shared}


# The program's settings ----------------------------------------------------------------------


def update_settings(actor, data: dict) -> dict:
    """Whether won deals' outcomes may be shared with advocates, and with the amount; returns
    {setting: [old, new]} for what changed (each change audited)."""
    from portal.program.service import set_setting

    demand(actor, "users.manage", "Only administrators change program settings.")
    changed = {}
    for key in (SHARE_SETTING, AMOUNTS_SETTING):
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, bool):
            raise ValidationFailed("Must be on or off.", field=key)
        old = bool(get_setting(key))
        if old != value:
            set_setting(actor, key, value)
            changed[key] = [old, value]
    return changed


def register() -> None:
    """Subscribe the thank-yous and benefit news to their events.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("ask.completed")(on_ask_completed)
    subscribe("opportunity.outcome_changed")(on_outcome_changed)
    subscribe("request.outcome")(on_request_outcome)
    subscribe("benefit.created", "benefit.opened")(on_benefit_opened)
