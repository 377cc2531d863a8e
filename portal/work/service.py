"""Shared work in progress: what is planned and under way at the accounts a team works with,
and one activity serving several requests.

Who sees which accounts (`visible_accounts`): the program team and executives all of them; a
requester or CSM the accounts behind the requests and deals of anyone on their team
(`User.team`: the accounts of the advocates asked for those requests, of activities shared with
them, and of the deals the requests support or the team owns in the CRM), and a CSM also the
accounts they look after (`Account.csm_id`). Without a team, a person's own requests and deals.

What a row shows: the activity type, the team that asked (the requester's team), when it is
scheduled or needed by, its status. The advocate is named only to whom may already see them: the
program team, the requester of the request the ask was placed for (as `can_see_ask`), and the
CSM of the account; everyone else reads "an advocate at <Account>"; contact details never.

Sharing (`share_ask`): an accepted or completed ask may also serve another request (PR joins the
case-study interview to get quotes). It places no ask, so the advocate's limits and counts are
untouched (DESIGN rule 1 counts asks only), and a request's fulfilment still counts its own asks
(`portal.asks.completion._complete_request_if_done`): the shared activity is shown, not counted.
The program team links any request; a requester links only their own open request, only to an
activity at an account their team works with, and the request's manager (else the program
team) is told. When a shared activity completes, each joined request's requester is told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import PROGRAM, can
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.events import subscribe
from portal.extensions import db
from portal.filters import ListFilters
from portal.notifications.service import notify
from portal.opportunities.models import Opportunity
from portal.paging import OneStatementPage
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, TEAMS, label
from portal.work.models import AskShare

# The page's statuses: an ask pending, accepted (no date yet), scheduled or completed, and a
# request still open (no ask yet to show for it).
WORK_STATUSES = ("pending", "accepted", "scheduled", "completed", "open")
STATUS_LABELS = {
    "pending": "Pending",
    "accepted": "Accepted",
    "scheduled": "Scheduled",
    "completed": "Completed",
    "open": "Open request",
}
OPEN_REQUESTS = ("submitted", "in_progress")
RECENT_DAYS = 30  # completed activities stay on the page this long
SHAREABLE = ("accepted", "completed")
JOINABLE_REQUESTS = ("submitted", "in_progress", "fulfilled")
PER_PAGE = 20
ACCOUNT_Q_MAX = 200
MAX_PAGE = 100_000  # a page number past any real list (and safe for SQL)
NOTE_MAX = 500
CANDIDATES_MAX = 20


def check_viewer(viewer) -> None:
    if not can(viewer, "work.view"):
        raise Forbidden("Work in progress is for the staff of the program.")


def sees_everything(viewer) -> bool:
    """The program team and executives see every account (and may filter by team)."""
    return viewer.role in PROGRAM or viewer.role == "executive"


def _team_members(viewer) -> sa.Select:
    condition = User.id == viewer.id
    if viewer.team:
        condition = sa.or_(condition, User.team == viewer.team)
    return sa.select(User.id).where(condition).correlate(None)


def _team_emails(viewer) -> sa.Select:
    condition = User.id == viewer.id
    if viewer.team:
        condition = sa.or_(condition, User.team == viewer.team)
    return sa.select(sa.func.lower(User.email)).where(condition).correlate(None)


def visible_accounts(viewer) -> sa.Select | None:
    """SQL: the ids of the accounts `viewer` works with; None for all (program, executive)."""
    if sees_everything(viewer):
        return None
    members = _team_members(viewer)
    team_request = sa.and_(
        ReferenceRequest.requester_id.in_(members), ReferenceRequest.status != "draft"
    )
    arms = [
        sa.select(Advocate.account_id.label("account_id"))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .where(team_request),
        sa.select(Advocate.account_id.label("account_id"))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .join(AskShare, AskShare.ask_id == Ask.id)
        .join(ReferenceRequest, ReferenceRequest.id == AskShare.request_id)
        .where(team_request),
        sa.select(Opportunity.account_id.label("account_id"))
        .join(ReferenceRequest, ReferenceRequest.opportunity_id == Opportunity.id)
        .where(team_request, Opportunity.account_id.is_not(None)),
        sa.select(Opportunity.account_id.label("account_id")).where(
            Opportunity.account_id.is_not(None),
            sa.func.lower(Opportunity.owner_email).in_(_team_emails(viewer)),
        ),
    ]
    if viewer.role == "csm":
        arms.append(sa.select(Account.id.label("account_id")).where(Account.csm_id == viewer.id))
    # Nothing correlates with the statement this is used in (it joins the same tables).
    union = sa.union(*(arm.correlate(None) for arm in arms)).subquery()
    return sa.select(union.c.account_id).correlate(None)


def account_words(value) -> str | None:
    """An account-name filter as typed: spaces collapsed, at most ACCOUNT_Q_MAX characters."""
    words = " ".join(str(value or "").replace("\x00", " ").split())[:ACCOUNT_Q_MAX]
    return words or None


@dataclass(frozen=True)
class Filters:
    team: str | None = None
    account_id: int | None = None
    account: str | None = None  # part of the account's name
    activity_type: str | None = None
    status: str | None = None

    @classmethod
    def read(cls, args: ListFilters) -> Filters:
        """Filters from the query string: a bad value is ignored, and named in `args.ignored`."""
        return cls(
            team=args.choice("team", TEAMS) or None,
            account_id=args.integer("account_id"),
            account=account_words(args.text("account", max_length=ACCOUNT_Q_MAX)),
            activity_type=args.choice("activity_type", ACTIVITY_TYPES) or None,
            status=args.choice("status", WORK_STATUSES) or None,
        )

    @property
    def any(self) -> bool:
        return any((self.team, self.account_id, self.account, self.activity_type, self.status))


def _named(words: str) -> sa.Select:
    """SQL: the ids of accounts whose name holds `words` (any case; % and _ taken literally)."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (
        sa.select(Account.id).where(Account.name.ilike(f"%{escaped}%", escape="\\")).correlate(None)
    )


def _recent(at: dt.datetime) -> dt.datetime:
    return at - dt.timedelta(days=RECENT_DAYS)


def _ask_conditions(viewer, filters: Filters, at: dt.datetime) -> list:
    status = {
        None: sa.or_(
            Ask.status.in_(("pending", "accepted")),
            sa.and_(Ask.status == "completed", Ask.completed_at >= _recent(at)),
        ),
        "pending": Ask.status == "pending",
        "accepted": sa.and_(Ask.status == "accepted", Ask.scheduled_at.is_(None)),
        "scheduled": sa.and_(Ask.status == "accepted", Ask.scheduled_at.is_not(None)),
        "completed": sa.and_(Ask.status == "completed", Ask.completed_at >= _recent(at)),
        "open": sa.false(),
    }[filters.status]
    return [status, *_shared_conditions(viewer, filters, Advocate.account_id)]


def _shared_conditions(viewer, filters: Filters, account_id) -> list:
    """What the viewer may see and the filters ask, for rows whose account is `account_id`."""
    conditions = []
    accounts = visible_accounts(viewer)
    if accounts is not None:
        conditions.append(account_id.in_(accounts))
    if filters.account_id:
        conditions.append(account_id == filters.account_id)
    if filters.account:
        conditions.append(account_id.in_(_named(filters.account)))
    if filters.activity_type:
        conditions.append(ReferenceRequest.activity_type == filters.activity_type)
    if filters.team:
        conditions.append(User.team == filters.team)
    return conditions


def _asks_from(select: sa.Select) -> sa.Select:
    return (
        select.select_from(Ask)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(User, User.id == ReferenceRequest.requester_id)
        .join(Advocate, Advocate.id == Ask.advocate_id)
    )


def _request_conditions(viewer, filters: Filters) -> list:
    return [
        ReferenceRequest.status.in_(OPEN_REQUESTS),
        Opportunity.account_id.is_not(None),
        sa.false() if filters.status not in (None, "open") else sa.true(),
        *_shared_conditions(viewer, filters, Opportunity.account_id),
    ]


def _requests_from(select: sa.Select) -> sa.Select:
    return select.join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id).join(
        User, User.id == ReferenceRequest.requester_id
    )


def items_statement(viewer, filters: Filters, at: dt.datetime, limit: int, offset: int):
    """One page of items (asks and open requests) in account-name order, each with its kind,
    id and account, and the number of items in all (a window count): one statement."""
    items = sa.union_all(
        _asks_from(
            sa.select(
                sa.literal("ask").label("kind"),
                Ask.id.label("id"),
                Advocate.account_id.label("account_id"),
            )
        ).where(*_ask_conditions(viewer, filters, at)),
        _requests_from(
            sa.select(
                sa.literal("request").label("kind"),
                ReferenceRequest.id.label("id"),
                Opportunity.account_id.label("account_id"),
            ).select_from(ReferenceRequest)
        ).where(*_request_conditions(viewer, filters)),
    ).subquery()
    return (
        sa.select(
            items.c.kind,
            items.c.id,
            Account.id.label("account_id"),
            Account.name.label("account_name"),
            sa.func.count().over().label("total"),
        )
        .join(Account, Account.id == items.c.account_id)
        .order_by(Account.name, Account.id, items.c.kind, items.c.id)
        .limit(limit)
        .offset(offset)
    )


@dataclass
class WorkItem:
    """One line of the page: an ask (planned or under way) or an open request."""

    kind: str  # "ask" or "request"
    ask_id: int | None
    request_id: int
    account_id: int
    account_name: str
    activity_type: str
    team: str | None
    status: str  # one of WORK_STATUSES
    scheduled_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    needed_by: dt.date | None = None
    advocate: str | None = None  # a name, or "an advocate at <Account>"
    own: bool = False  # placed for one of the viewer's requests
    joined: bool = False  # shared with one of the viewer's requests
    shared_with: int = 0  # how many other requests it serves

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def sort_key(self):
        when = self.scheduled_at or self.completed_at
        day = when.date() if when else self.needed_by
        return (self.kind != "ask", day or dt.date.max, self.request_id)


@dataclass
class AccountGroup:
    account_id: int
    account_name: str
    items: list[WorkItem] = field(default_factory=list)


def ask_status(ask: Ask) -> str:
    if ask.status == "accepted" and ask.scheduled_at is not None:
        return "scheduled"
    return ask.status


def names_advocate(viewer, ask: Ask) -> bool:
    """Whether `viewer` may read the advocate's name on this ask (never contact details)."""
    if viewer.role in PROGRAM:
        return True
    if ask.request.requester_id == viewer.id:  # as can_see_ask: their own request's asks
        return True
    return viewer.role == "csm" and ask.advocate.account.csm_id == viewer.id


def advocate_shown(viewer, ask: Ask) -> str:
    if names_advocate(viewer, ask):
        return ask.advocate.name
    return f"an advocate at {ask.advocate.account.name}"


class WorkPage(OneStatementPage):
    """One page of items, and the total, in one statement (`items_statement`)."""

    def rows(self, limit: int, offset: int) -> list:
        args = self._query_args
        statement = items_statement(args["viewer"], args["filters"], args["at"], limit, offset)
        return db.session.execute(statement).all()

    def count(self) -> int:
        row = self.rows(1, 0)
        return int(row[0].total) if row else 0


def work_in_progress(viewer, filters: Filters, page: int = 1, per_page: int = PER_PAGE, at=None):
    """One page of the work in progress `viewer` may see (PER_PAGE items, in account-name
    order): a Pagination whose items are AccountGroup, each with its activities and open
    requests on this page, soonest first. Four statements, however many rows."""
    check_viewer(viewer)
    at = at or now_utc()
    page = min(max(page, 1), MAX_PAGE)
    result = WorkPage(
        page=page,
        per_page=per_page,
        max_per_page=100,
        error_out=False,
        viewer=viewer,
        filters=filters,
        at=at,
    )
    rows = result.items
    groups: dict[int, AccountGroup] = {}
    for row in rows:
        groups.setdefault(row.account_id, AccountGroup(row.account_id, row.account_name))
    result.items = list(groups.values())
    ask_ids = [row.id for row in rows if row.kind == "ask"]
    request_ids = [row.id for row in rows if row.kind == "request"]
    # Each statement runs even with no ids: the count stays the same whatever the page holds.
    asks = db.session.scalars(
        sa.select(Ask)
        .where(Ask.id.in_(ask_ids))
        .options(
            sa.orm.joinedload(Ask.request).joinedload(ReferenceRequest.requester),
            sa.orm.joinedload(Ask.advocate).joinedload(Advocate.account),
        )
    ).all()
    shares = _share_counts(ask_ids)
    mine = _shared_with_viewer(viewer, ask_ids)
    for ask in asks:
        groups[ask.advocate.account_id].items.append(
            WorkItem(
                kind="ask",
                ask_id=ask.id,
                request_id=ask.request_id,
                account_id=ask.advocate.account_id,
                account_name=ask.advocate.account.name,
                activity_type=ask.request.activity_type,
                team=ask.request.requester.team,
                status=ask_status(ask),
                scheduled_at=ask.scheduled_at,
                completed_at=ask.completed_at,
                needed_by=ask.request.needed_by,
                advocate=advocate_shown(viewer, ask),
                own=ask.request.requester_id == viewer.id,
                joined=ask.id in mine,
                shared_with=shares.get(ask.id, 0),
            )
        )
    requests = db.session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.id.in_(request_ids))
        .options(
            sa.orm.joinedload(ReferenceRequest.opportunity),
            sa.orm.joinedload(ReferenceRequest.requester),
        )
    ).all()
    for found in requests:
        group = groups[found.opportunity.account_id]
        group.items.append(
            WorkItem(
                kind="request",
                ask_id=None,
                request_id=found.id,
                account_id=group.account_id,
                account_name=group.account_name,
                activity_type=found.activity_type,
                team=found.requester.team,
                status="open",
                needed_by=found.needed_by,
                own=found.requester_id == viewer.id,
            )
        )
    for group in result.items:
        group.items.sort(key=lambda item: item.sort_key)
    return result


def _share_counts(ask_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(AskShare.ask_id, sa.func.count())
        .where(AskShare.ask_id.in_(ask_ids))
        .group_by(AskShare.ask_id)
    )
    return dict(rows.all())


def _shared_with_viewer(viewer, ask_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(AskShare.ask_id)
            .join(ReferenceRequest, ReferenceRequest.id == AskShare.request_id)
            .where(AskShare.ask_id.in_(ask_ids), ReferenceRequest.requester_id == viewer.id)
        )
    )


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


# -- sharing an activity with another request ------------------------------------------------


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
    return list(
        db.session.scalars(
            sa.select(Ask)
            .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
            .join(Advocate, Advocate.id == Ask.advocate_id)
            .where(
                Ask.request_id != request.id,
                Ask.id.not_in(taken),
                sa.or_(
                    Ask.status == "accepted",
                    sa.and_(Ask.status == "completed", Ask.completed_at >= _recent(now_utc())),
                ),
                same,
            )
            .options(
                sa.orm.contains_eager(Ask.request),
                sa.orm.contains_eager(Ask.advocate).joinedload(Advocate.account),
            )
            .order_by(Ask.scheduled_at.is_(None), Ask.scheduled_at, Ask.id.desc())
            .limit(limit)
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


def seed_demo_work() -> int:
    """The demo's shared activity: the PR lead's open request joins another team's accepted
    activity, a case study if there is one (1 when linked, 0 when the demo has no such pair)."""
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@demo.example"))
    pr = db.session.scalar(sa.select(User).where(User.email == "pr@demo.example"))
    if manager is None or pr is None:
        return 0
    joined = db.session.scalar(
        sa.select(ReferenceRequest)
        .where(
            ReferenceRequest.requester_id == pr.id,
            ReferenceRequest.status.in_(OPEN_REQUESTS),
        )
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
        .limit(1)
    )
    interview = db.session.scalar(
        sa.select(Ask)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(User, User.id == ReferenceRequest.requester_id)
        .where(Ask.status == "accepted", User.team.is_not(None), User.team != "pr")
        .order_by(
            ReferenceRequest.activity_type != "case_study",
            Ask.scheduled_at.is_(None),
            Ask.scheduled_at,
            Ask.id,
        )
        .limit(1)
    )
    if joined is None or interview is None:
        return 0
    share_ask(manager, joined, interview, "PR joins the case-study interview to get quotes.")
    return 1


def register() -> None:
    """Subscribe the joined requesters' notice to completions.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("ask.completed")(tell_joined_requesters)
