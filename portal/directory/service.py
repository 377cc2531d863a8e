"""The reference directory: the people who file requests search the advocates they may ask.

Who appears: advocates matching could ask for something, as their `advocate_eligibility` row
says (advocate and account active, current terms accepted, customer success's word not against
them, at least one activity opted into), never one who asked to be erased. What a result shows
is what a requester may see: the company, the role, the customer stories that are live for
requesters (`content.approval.visible_condition`), the activities they accept with how each is
asked (the program's `self_service_activity_types`: directly, or through the program), and the
first day they may be asked again. Their e-mail address and preferred channel stay out of the
statement's answer until one of the viewer's own asks to them was accepted (the program team
always sees them).

One statement reads a page of results with the total (a window count); one more reads the
stories of the advocates on it. The filters are the criteria matching compares, on the same
compact columns (`portal.asks.eligibility`): nothing is counted or loaded per advocate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import url_for
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.eligibility_row import ACTIVITY_BITS, MASK_COLUMNS, MULTI_KINDS, value_bit
from portal.asks.models import AdvocateEligibility, Ask, ReferenceRequest
from portal.asks.overuse import zone_of
from portal.auth.permissions import can, demand
from portal.content.approval import visible_condition
from portal.content.models import ContentAsset
from portal.database import aware_utc, now_utc
from portal.extensions import db
from portal.paging import OneStatementPage
from portal.program.service import get_setting, taxonomy, taxonomy_choices, taxonomy_labels
from portal.validation import refuse_if_any, search_words
from portal.vocab import (
    ACTIVITY_TYPES,
    PROFILE_SIDES,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
    choices,
    label,
)

# The filters, in the order the page shows them, with their names in words.
FILTERS = {**PROFILE_SIDES, "activity_type": "Will do"}
TAXONOMY_FILTERS = ("industry", "product", "use_case", "language")
FIXED_FILTERS = {
    "region": REGIONS,
    "segment": SEGMENTS,
    "seniority": SENIORITIES,
    "activity_type": ACTIVITY_TYPES,
}
SORTS = {"best": "Free now, least asked first", "company": "Company A-Z"}
Q_MAX = 200
Q_WORDS = 10
PER_PAGE = 20
STORIES_SHOWN = 3
# Asks whose advocate said yes: from then on the requester may reach the advocate directly.
REVEALING = ("accepted", "completed")
ASK_DIRECTLY = "ask_directly"
THROUGH_PROGRAM = "through_program"


@dataclass
class Search:
    """What a directory search asks for: words (company or title), one value per filter, and
    the order."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "best"


@dataclass(frozen=True)
class Story:
    id: int
    kind: str
    title: str
    url: str | None


@dataclass(frozen=True)
class Activity:
    activity_type: str
    self_service: bool
    request_url: str

    @property
    def how(self) -> str:
        return ASK_DIRECTLY if self.self_service else THROUGH_PROGRAM


@dataclass
class Entry:
    """One advocate as the directory shows them."""

    advocate_id: int
    name: str
    title: str | None
    seniority: str | None
    account_id: int
    company: str
    industry: str
    region: str
    segment: str
    products: list[str]
    use_cases: list[str]
    languages: list[str]
    timezone: str
    activities: list[Activity]
    next_free: dt.date | None  # None: they may be asked now
    email: str | None = None  # None: hidden until one of the viewer's asks was accepted
    preferred_contact: str | None = None
    stories: list[Story] = field(default_factory=list)

    @property
    def contact_shown(self) -> bool:
        return self.email is not None

    @property
    def action(self) -> Activity | None:
        """The activity the card's button files a request for: the one searched for, else the
        first they accept (see `_entry`)."""
        return self.activities[0] if self.activities else None


def check_viewer(viewer) -> None:
    """Requesters, CSMs and the program team; never advocates."""
    demand(
        viewer, "requests.create", "The reference directory is for the people who file requests."
    )


def allowed_values(name: str) -> list[str]:
    """The values a filter takes: the taxonomy's active terms (groups too) or the fixed ones."""
    if name in TAXONOMY_FILTERS:
        return [term.value for term in taxonomy(name, groups=True)]
    return list(FIXED_FILTERS[name])


def filter_options() -> dict[str, list[SelectChoice]]:
    """The options of each filter, in words (the taxonomy's terms are read once)."""
    options = {name: taxonomy_choices(name, groups=True) for name in TAXONOMY_FILTERS}
    options.update({name: choices(values) for name, values in FIXED_FILTERS.items()})
    return {name: options[name] for name in FILTERS}


def check_search(args) -> Search:
    """A Search from query arguments (`args.get`), strictly: every bad value is named (the
    API's; the page ignores a bad filter and says so instead)."""
    errors = {}
    q = search_words(args, errors, maximum=Q_MAX)
    filters = {}
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if value not in allowed_values(name):
            errors[name] = "Unknown value."
        else:
            filters[name] = value
    sort = (args.get("sort") or "").strip() or "best"
    if sort not in SORTS:
        errors["sort"] = f"One of {', '.join(SORTS)}."
    refuse_if_any(errors)
    return Search(q=q, filters=filters, sort=sort)


def _members(kind: str, value: str) -> list[str]:
    """A value and, for a group of terms, its members (advocates hold concrete terms)."""
    terms = taxonomy(kind, groups=True)
    group = next((t for t in terms if t.value == value), None)
    members = [t.value for t in terms if group is not None and t.group_id == group.id]
    return [value, *members]


def _criterion(name: str, value: str):
    """SQL: the eligibility row shares `value` of filter `name` (as matching compares it)."""
    e = AdvocateEligibility
    if name == "activity_type":
        return e.activity_bits.bitwise_and(ACTIVITY_BITS[value]) != 0
    if name not in MULTI_KINDS:  # one value per advocate: industry, region, segment, seniority
        return getattr(e, name).in_(_members(name, value) if name in TAXONOMY_FILTERS else [value])
    values = _members(name, value)
    ids = {(t.kind, t.value): t.id for t in taxonomy(name, groups=True)}
    mask = 0
    for each in values:
        mask |= value_bit(name, each, ids)
    column = getattr(e, MULTI_KINDS[name])
    # The mask rules most rows out without reading their text; the framed text decides.
    return sa.and_(
        getattr(e, MASK_COLUMNS[name]).bitwise_and(mask) != 0,
        sa.or_(*(column.contains(f"|{each}|", autoescape=True) for each in values)),
    )


def _revealed(viewer):
    """SQL: the viewer may see the advocate's contact details (for the few rows of a page)."""
    if can(viewer, "program.manage"):
        return sa.true()
    return (
        sa.select(Ask.id)
        .join(ReferenceRequest, ReferenceRequest.id == Ask.request_id)
        .where(
            Ask.advocate_id == Advocate.id,
            Ask.status.in_(REVEALING),
            ReferenceRequest.requester_id == viewer.id,
        )
        .exists()
    )


def _free_now(at: dt.datetime):
    e = AdvocateEligibility
    return sa.and_(
        sa.or_(e.askable_from.is_(None), e.askable_from <= at),
        sa.or_(e.blocked_from.is_(None), e.blocked_from > at, e.blocked_until <= at),
    )


def listed():
    """SQL: who the directory lists at all (see the module's note)."""
    e = AdvocateEligibility
    return sa.and_(
        e.active.is_(True),
        e.status == "active",
        e.activity_bits != 0,
        Advocate.status == "active",
        Account.status == "active",
        Advocate.erasure_requested_at.is_(None),
        Advocate.anonymized_at.is_(None),
    )


def ranked(search: Search, at: dt.datetime) -> sa.Select:
    """The ids of the advocates `search` finds, with what orders them and the total found (a
    window count): narrow rows, so sorting every match stays cheap."""
    e = AdvocateEligibility
    if search.sort == "company":
        keys = [Account.name.label("k1"), Advocate.name.label("k2")]
    else:
        # Free now first; then those asked least (fairness) with the best standing: the
        # program's own ranking spreads the asks, as matching does.
        keys = [
            sa.case((_free_now(at), 0), else_=1).label("k1"),
            (-(e.fairness + e.standing)).label("k2"),
        ]
    statement = (
        sa.select(Advocate.id, *keys, sa.func.count().over().label("total"))
        .join(e, e.advocate_id == Advocate.id)
        .join(Account, Account.id == Advocate.account_id)
        .where(listed())
    )
    for word in search.q.split()[:Q_WORDS]:
        statement = statement.where(
            sa.or_(
                Account.name.icontains(word, autoescape=True),
                Advocate.title.icontains(word, autoescape=True),
            )
        )
    for name, value in search.filters.items():
        statement = statement.where(_criterion(name, value))
    return statement.order_by(*keys, Advocate.id)


def page_statement(viewer, search: Search, at: dt.datetime, limit: int, offset: int):
    """One page of results `viewer` may see, in order, each row with the total found: the page
    of `ranked` ids, then what the cards show of those few."""
    page = ranked(search, at).limit(limit).offset(offset).subquery("page")
    e = AdvocateEligibility
    shown = _revealed(viewer)
    return (
        sa.select(
            Advocate.id,
            Advocate.name,
            Advocate.title,
            Advocate.seniority,
            Advocate.products,
            Advocate.use_cases,
            Advocate.languages,
            Advocate.activity_types,
            Advocate.timezone,
            Advocate.account_id,
            Account.name.label("company"),
            Account.industry,
            Account.region,
            Account.segment,
            Account.products.label("account_products"),
            e.askable_from,
            e.blocked_from,
            e.blocked_until,
            # The contact details leave the database only for a viewer who may see them.
            sa.case((shown, Advocate.email), else_=None).label("email"),
            sa.case((shown, Advocate.preferred_contact), else_=None).label("preferred_contact"),
            page.c.total,
        )
        .join(page, page.c.id == Advocate.id)
        .join(e, e.advocate_id == Advocate.id)
        .join(Account, Account.id == Advocate.account_id)
        .order_by(page.c.k1, page.c.k2, page.c.id)
    )


class DirectoryPage(OneStatementPage):
    """One page of results and the total in one statement (`page_statement`)."""

    def rows(self, limit: int, offset: int) -> list:
        args = self._query_args
        statement = page_statement(args["viewer"], args["search"], args["at"], limit, offset)
        return db.session.execute(statement).all()

    def count(self) -> int:
        # Past the last page: count once (a page of nothing answers nothing else).
        found = ranked(self._query_args["search"], self._query_args["at"]).order_by(None)
        return db.session.scalar(sa.select(sa.func.count()).select_from(found.subquery()))


def search_directory(viewer, search: Search, page: int = 1, per_page: int = PER_PAGE, at=None):
    """One page of the directory for `viewer`: a Pagination whose items are Entry objects."""
    check_viewer(viewer)
    at = at or now_utc()
    result = DirectoryPage(
        page=page,
        per_page=per_page,
        max_per_page=100,
        error_out=False,
        viewer=viewer,
        search=search,
        at=at,
    )
    stories = stories_of(result.items)
    direct = set(get_setting("self_service_activity_types") or [])
    result.items = [
        _entry(row, search, direct, stories.get(row.id, []), at) for row in result.items
    ]
    return result


def stories_of(rows) -> dict[int, list[Story]]:
    """Per advocate of `rows`, the live stories of theirs and their account's (their own
    first, then the newest), at most STORIES_SHOWN: one statement for the page."""
    ids = [row.id for row in rows]
    accounts = {row.account_id for row in rows}
    if not ids:
        return {}
    a = ContentAsset
    found = db.session.execute(
        sa.select(a.id, a.kind, a.title, a.url, a.advocate_id, a.account_id)
        .where(
            visible_condition(),
            sa.or_(a.advocate_id.in_(ids), a.account_id.in_(sorted(accounts))),
        )
        .order_by(a.approved_on.desc().nulls_last(), a.id.desc())
    ).all()
    result = {}
    for row in rows:
        own = [s for s in found if s.advocate_id == row.id]
        theirs = [s for s in found if s.account_id == row.account_id and s not in own]
        result[row.id] = [
            Story(s.id, s.kind, s.title, s.url) for s in (*own, *theirs)[:STORIES_SHOWN]
        ]
    return result


def next_free(row, at: dt.datetime) -> dt.date | None:
    """The first day (the advocate's own) they may be asked again; None: now."""
    free = aware_utc(row.askable_from)
    if free is not None and free <= at:
        free = None
    blocked_from, blocked_until = aware_utc(row.blocked_from), aware_utc(row.blocked_until)
    if blocked_from is not None and blocked_from <= at < blocked_until:
        free = max(free or blocked_until, blocked_until)
    if free is None:
        return None
    return free.astimezone(zone_of(row)).date()


def request_url(activity_type: str, industry: str | None, product: str | None) -> str:
    """The request form, filled in (README, "CRM buttons")."""
    query = {"activity_type": activity_type}
    if industry:
        query["industry"] = industry
    if product:
        query["product"] = product
    return f"{url_for('requests.create')}?{urlencode(query)}"


def _entry(row, search: Search, direct: set[str], stories: list[Story], at) -> Entry:
    accepted = [a for a in ACTIVITY_TYPES if a in set(row.activity_types or [])]
    wanted = search.filters.get("activity_type")
    if wanted in accepted:  # the card's button files a request for what was searched
        accepted.remove(wanted)
        accepted.insert(0, wanted)
    industry = search.filters.get("industry") or row.industry
    product = search.filters.get("product")
    activities = [Activity(a, a in direct, request_url(a, industry, product)) for a in accepted]
    products = list(dict.fromkeys([*(row.products or []), *(row.account_products or [])]))
    return Entry(
        advocate_id=row.id,
        name=row.name,
        title=row.title,
        seniority=row.seniority,
        account_id=row.account_id,
        company=row.company,
        industry=row.industry,
        region=row.region,
        segment=row.segment,
        products=products,
        use_cases=list(row.use_cases or []),
        languages=list(row.languages or []),
        timezone=row.timezone,
        activities=activities,
        next_free=next_free(row, at),
        email=row.email,
        preferred_contact=row.preferred_contact,
        stories=stories,
    )


def labeller():
    """`words(kind, value)`: a stored value in words (the taxonomy's label, else the
    vocabulary's), with the taxonomy's labels read once for the whole page."""
    labels = taxonomy_labels()

    def words(kind: str, value: str | None) -> str:
        if value is None:
            return ""
        if kind in TAXONOMY_FILTERS:
            return labels.get((kind, value), label(value))
        return label(value, kind if kind in ("region", "seniority") else None)

    return words
