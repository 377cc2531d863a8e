"""One activity serving several requests.

Sharing (`share_ask`): an accepted or completed ask may also serve another request (PR joins the
case-study interview to get quotes). It places no ask, so the advocate's limits and counts are
untouched (DESIGN rule 1 counts asks only), and a request's fulfilment still counts its own asks
(`portal.asks.completion._complete_request_if_done`): the shared activity is shown, not counted.
The program team links any request; a requester links only their own open request, only to an
activity at an account their team works with, and the request's manager (else the program
team) is told. When a shared activity completes, each joined request's requester is told.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.events import subscribe
from portal.extensions import db
from portal.filters import MAX_ID
from portal.notifications.service import notify
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import label
from portal.work.models import AskShare
from portal.work.progress import ask_status, recent_since
from portal.work.visibility import visible_accounts

SHAREABLE = ("accepted", "completed")
JOINABLE_REQUESTS = ("submitted", "in_progress", "fulfilled")
NOTE_MAX = 500
CANDIDATES_MAX = 20


def joinable_requests(viewer) -> list[ReferenceRequest]:
    """The viewer's own requests an activity may still serve (the "Join this activity" form)."""
    if not can(viewer, "requests.create"):
        return []
    return list(
        db.session.scalars(
            sa.select(ReferenceRequest)
            .where(
                ReferenceRequest.requester_id == viewer.id,
                ReferenceRequest.status.in_(JOINABLE_REQUESTS),
            )
            .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
            .limit(50)
        )
    )


def _works_with_account(actor, account_id: int) -> bool:
    accounts = visible_accounts(actor)
    if accounts is None:
        return True
    ids = accounts.subquery()
    found = db.session.scalar(sa.select(ids.c.account_id).where(ids.c.account_id == account_id))
    return found is not None


def share_ask(actor, request: ReferenceRequest, ask: Ask | None, note: str | None = None):
    """Let `ask` (accepted, scheduled or completed) also serve `request`. Places no ask and
    counts against no limit. The program team links any request; a requester their own open
    request to an activity at an account their team works with. Audited; the other side is told.
    """
    program = can(actor, "program.manage")
    if not program and not (can(actor, "requests.create") and request.requester_id == actor.id):
        raise Forbidden("Only the program team or the request's requester can link activities.")
    if ask is None:
        raise ValidationFailed("ask_id: Choose an activity.", field="ask_id")
    c = Checker({"note": note}, allowed=("note",))
    c.text("note", max_length=NOTE_MAX)
    c.plain("note")
    note = c.done().get("note")
    if not program and not _works_with_account(actor, ask.advocate.account_id):
        raise NotFound("No such activity.")  # not one their team may see: no hint it exists
    if ask.request_id == request.id:
        raise DomainError(
            "This activity was placed for this request already; it can't serve it again.",
            field="ask_id",
        )
    if ask.status == "pending":
        raise DomainError(
            "The advocate hasn't said yes to this activity yet; share it once it is accepted.",
            field="ask_id",
        )
    if ask.status not in SHAREABLE:
        raise DomainError(
            f"This activity was {label(ask.status).lower()}; only an accepted, scheduled or "
            "completed one can serve another request.",
            field="ask_id",
        )
    if request.status not in JOINABLE_REQUESTS:
        raise DomainError(
            f"This request is {label(request.status).lower()}; only an open request can join "
            "an activity.",
            field="request_id",
        )
    exists = db.session.scalar(
        sa.select(AskShare.id).where(AskShare.ask_id == ask.id, AskShare.request_id == request.id)
    )
    if exists is not None:
        raise DomainError("This activity already serves this request.", field="ask_id")
    share = AskShare(ask=ask, request=request, added_by=actor.id, note=note)
    db.session.add(share)
    audit.record(
        actor,
        "request.activity_shared",
        share,
        {"ask_id": ask.id, "request_id": request.id, "note": note},
    )
    _tell_about_share(actor, share, program)
    return share


def join_activity(actor, request_id, ask: Ask | None) -> AskShare:
    """A requester joins one of their own requests (by id, as a form names it) to an activity
    (`share_ask`'s rules); another's request, or none, is refused alike."""
    try:
        number = int(request_id)
    except (TypeError, ValueError):
        number = 0
    request = db.session.get(ReferenceRequest, number) if 0 < number <= MAX_ID else None
    if request is None or request.requester_id != getattr(actor, "id", None):
        raise DomainError("Choose one of your own open requests.", field="request_id")
    return share_ask(actor, request, ask)


def _tell_about_share(actor, share: AskShare, program: bool) -> None:
    request, ask = share.request, share.ask
    context = {
        "share": share,
        "joined": request,
        "activity_type": ask.request.activity_type,
        "account_name": ask.advocate.account.name,
        "when": ask.scheduled_at,
        "status": ask_status(ask),
        "actor_name": actor.name,
    }
    if program:
        if request.requester_id != actor.id:
            link = external_url("requests.detail", request_id=request.id)
            notify(
                request.requester,
                "work_shared_added",
                f"Your request joins a {label(context['activity_type']).lower()} "
                f"at {context['account_name']}",
                link=link,
                in_app_link=_path_of(link),
                **context,
            )
        return
    managers = (
        [request.manager]
        if request.manager is not None
        else db.session.scalars(
            sa.select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.id)
        ).all()
    )
    link = external_url("queue.request_detail", request_id=request.id)
    for manager in managers:
        notify(
            manager,
            "work_shared_joined",
            f"{actor.name} joined a {label(context['activity_type']).lower()} "
            f"at {context['account_name']}",
            link=link,
            in_app_link=_path_of(link),
            **context,
        )


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def shares_of(request: ReferenceRequest) -> list[AskShare]:
    """The activities shared with `request`, soonest first, with their asks and accounts."""
    return list(
        db.session.scalars(
            sa.select(AskShare)
            .where(AskShare.request_id == request.id)
            .options(
                sa.orm.joinedload(AskShare.ask)
                .joinedload(Ask.advocate)
                .joinedload(Advocate.account),
                sa.orm.joinedload(AskShare.ask).joinedload(Ask.request),
            )
            .order_by(AskShare.added_at, AskShare.id)
        ).unique()
    )


def shared_ask_ids(request: ReferenceRequest) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AskShare.ask_id)
            .where(AskShare.request_id == request.id)
            .order_by(AskShare.ask_id)
        )
    )


def share_candidates(request: ReferenceRequest, limit: int = CANDIDATES_MAX) -> list[Ask]:
    """Activities that could also serve `request`: accepted or recently completed asks of other
    requests at the account of its deal or an account the requester's team works with, or of the
    same activity type; soonest first."""
    account_id = request.opportunity.account_id if request.opportunity is not None else None
    same = ReferenceRequest.activity_type == request.activity_type
    if account_id is not None:
        same = sa.or_(same, Advocate.account_id == account_id)
    team_accounts = visible_accounts(request.requester)
    same = (
        sa.true() if team_accounts is None else sa.or_(same, Advocate.account_id.in_(team_accounts))
    )
    taken = sa.select(AskShare.ask_id).where(AskShare.request_id == request.id)
    order = (Ask.scheduled_at.is_(None), Ask.scheduled_at, Ask.id.desc())
    # The first `limit` by id alone (a narrow sort of every candidate), then their rows.
    first = (
        sa.select(Ask.id)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(Advocate, Advocate.id == Ask.advocate_id)
        .where(
            Ask.request_id != request.id,
            Ask.id.not_in(taken),
            sa.or_(
                Ask.status == "accepted",
                sa.and_(Ask.status == "completed", Ask.completed_at >= recent_since(now_utc())),
            ),
            same,
        )
        .order_by(*order)
        .limit(limit)
    )
    return list(
        db.session.scalars(
            sa.select(Ask)
            .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
            .join(Advocate, Advocate.id == Ask.advocate_id)
            .where(Ask.id.in_(first.scalar_subquery()))
            .options(
                sa.orm.contains_eager(Ask.request),
                sa.orm.contains_eager(Ask.advocate).joinedload(Advocate.account),
            )
            .order_by(*order)
        )
    )


def get_ask_for_share(ask_id) -> Ask | None:
    """The ask named by a form or API body, or None (the service answers that clearly)."""
    try:
        number = int(ask_id)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**31:
        return None
    return db.session.get(Ask, number)


def tell_joined_requesters(event) -> None:
    """When a shared activity completes, each joined request's requester is told."""
    shares = db.session.scalars(
        sa.select(AskShare)
        .where(AskShare.ask_id == event.entity_id)
        .options(sa.orm.joinedload(AskShare.request).joinedload(ReferenceRequest.requester))
    ).all()
    ask = event.obj
    for share in shares:
        link = external_url("requests.detail", request_id=share.request_id)
        notify(
            share.request.requester,
            "work_shared_completed",
            f"The {label(ask.request.activity_type).lower()} at "
            f"{ask.advocate.account.name} you joined is done",
            link=link,
            in_app_link=_path_of(link),
            joined=share.request,
            activity_type=ask.request.activity_type,
            account_name=ask.advocate.account.name,
            when=ask.completed_at,
        )


def register() -> None:
    """Subscribe the joined requesters' notice to completions.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("ask.completed")(tell_joined_requesters)
