"""Shared work in progress: what is planned and under way at the accounts a team works with,
one page of it (`work_in_progress`).

What a row shows: the activity type, the team that asked (the requester's team), when it is
scheduled or needed by, its status. The advocate is named only to whom may already see them: the
program team, the requester of the request the ask was placed for (as `can_see_ask`), and the
CSM of the account; everyone else reads "an advocate at <Account>"; contact details never.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db
from portal.filters import ListFilters
from portal.opportunities.models import Opportunity
from portal.paging import OneStatementPage
from portal.vocab import ACTIVITY_TYPES, TEAMS
from portal.work.models import AskShare
from portal.work.visibility import advocate_shown, check_viewer, visible_accounts

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
PER_PAGE = 20
ACCOUNT_Q_MAX = 200
MAX_PAGE = 100_000  # a page number past any real list (and safe for SQL)


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


def recent_since(at: dt.datetime) -> dt.datetime:
    return at - dt.timedelta(days=RECENT_DAYS)


def _ask_conditions(accounts, filters: Filters, at: dt.datetime) -> list:
    status = {
        None: sa.or_(
            Ask.status.in_(("pending", "accepted")),
            sa.and_(Ask.status == "completed", Ask.completed_at >= recent_since(at)),
        ),
        "pending": Ask.status == "pending",
        "accepted": sa.and_(Ask.status == "accepted", Ask.scheduled_at.is_(None)),
        "scheduled": sa.and_(Ask.status == "accepted", Ask.scheduled_at.is_not(None)),
        "completed": sa.and_(Ask.status == "completed", Ask.completed_at >= recent_since(at)),
        "open": sa.false(),
    }[filters.status]
    return [status, *_shared_conditions(accounts, filters, Advocate.account_id)]


def _shared_conditions(accounts, filters: Filters, account_id) -> list:
    """What the viewer may see (`accounts`: `_visible`) and the filters ask, for rows whose
    account is `account_id`."""
    conditions = []
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


def _visible(viewer) -> sa.Select | None:
    """SQL: the ids of the accounts the viewer works with (None: all), worked out once for
    the statement (a CTE) though both of its halves ask."""
    accounts = visible_accounts(viewer)
    if accounts is None:
        return None
    return sa.select(accounts.cte("visible_accounts").c.account_id)


def _asks_from(select: sa.Select) -> sa.Select:
    return (
        select.select_from(Ask)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .join(User, User.id == ReferenceRequest.requester_id)
        .join(Advocate, Advocate.id == Ask.advocate_id)
    )


def _request_conditions(accounts, filters: Filters) -> list:
    return [
        ReferenceRequest.status.in_(OPEN_REQUESTS),
        Opportunity.account_id.is_not(None),
        sa.false() if filters.status not in (None, "open") else sa.true(),
        *_shared_conditions(accounts, filters, Opportunity.account_id),
    ]


def _requests_from(select: sa.Select) -> sa.Select:
    return select.join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id).join(
        User, User.id == ReferenceRequest.requester_id
    )


def items_statement(viewer, filters: Filters, at: dt.datetime, limit: int, offset: int):
    """One page of items (asks and open requests) in account-name order, each with its kind,
    id and account, and the number of items in all (a window count): one statement."""
    accounts = _visible(viewer)
    items = sa.union_all(
        _asks_from(
            sa.select(
                sa.literal("ask").label("kind"),
                Ask.id.label("id"),
                Advocate.account_id.label("account_id"),
            )
        ).where(*_ask_conditions(accounts, filters, at)),
        _requests_from(
            sa.select(
                sa.literal("request").label("kind"),
                ReferenceRequest.id.label("id"),
                Opportunity.account_id.label("account_id"),
            ).select_from(ReferenceRequest)
        ).where(*_request_conditions(accounts, filters)),
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
