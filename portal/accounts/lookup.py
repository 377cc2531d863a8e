"""Finding one account or advocate by name for a form: a few suggestions as one types, and the
one record a typed name means. Forms offer a search field instead of listing every row."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.auth.permissions import demand
from portal.errors import ValidationFailed
from portal.extensions import db

SUGGESTIONS = 20  # matches a lookup answers with, at most
MAX_QUERY = 200  # characters of a search, at most
_ID_DIGITS = 9  # "#123" in a name: ids fit an INTEGER column


@dataclass(frozen=True)
class Match:
    """One record as a form shows it: its id and the words that name it."""

    id: int
    label: str

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label}


def _query_text(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise ValidationFailed(f"Search for at most {MAX_QUERY} characters.", field="q")
    if "\x00" in q:  # PostgreSQL refuses NUL bytes in text
        raise ValidationFailed("Remove the control character from the search.", field="q")
    return q


def _typed(text: str, field: str) -> str:
    """A name typed into a form, or ValidationFailed on `field` when it can name nothing."""
    text = (text or "").strip()
    if "\x00" in text:  # PostgreSQL refuses NUL bytes in text
        raise ValidationFailed("Remove the control character.", field=field)
    if len(text) > 2 * MAX_QUERY:
        raise ValidationFailed("That is longer than any name here.", field=field)
    return text


def _first_then_by_name(column, q: str):
    """Names that start with the search first, then those that contain it, alphabetically."""
    return (
        sa.case((column.istartswith(q, autoescape=True), 0), else_=1),
        sa.func.lower(column),
    )


def _split(text: str) -> tuple[str, str | None]:
    """'Acme (acme.example)' -> ('Acme', 'acme.example'); a name without brackets as is."""
    if text.endswith(")") and " (" in text:
        base, _, qualifier = text[:-1].rpartition(" (")
        if base.strip() and qualifier.strip():
            return base.strip(), qualifier.strip()
    return text, None


def _number(qualifier: str) -> int | None:
    """The id in a '#123' qualifier."""
    digits = qualifier[1:]
    if qualifier.startswith("#") and digits.isdigit() and len(digits) <= _ID_DIGITS:
        return int(digits)
    return None


def _ids(values) -> list[int]:
    """The values that can be a record's id (a form may hold anything typed into its URL)."""
    return [v for v in values if isinstance(v, int) and 0 < v < 10**_ID_DIGITS]


# Accounts --------------------------------------------------------------------------------------


def _account_label(account_id, name, domain, crm_id, namesakes) -> str:
    """Its name; with its web domain (or CRM id, or number) when another account shares it."""
    if namesakes > 1:
        return f"{name} ({domain or crm_id or f'#{account_id}'})"
    return name


def _namesakes(model, column, *partition):
    """How many rows share this row's name (in its partition): a count by the name's index,
    so it is only ever asked of the few rows a lookup shows."""
    other = aliased(model)
    where = [getattr(other, column.key) == column]
    where += [getattr(other, c.key) == c for c in partition]
    return sa.select(sa.func.count()).select_from(other).where(*where).scalar_subquery()


def _account_columns():
    return (Account.id, Account.name, Account.domain, Account.crm_id)


def suggest_accounts(actor, q: str | None) -> list[Match]:
    """At most SUGGESTIONS accounts whose name contains `q` (any case), those starting with it
    first; none for an empty search."""
    demand(actor, "program.manage", "Only the program team looks up accounts.")
    q = _query_text(q)
    if not q:
        return []
    order = (*_first_then_by_name(Account.name, q), Account.id)
    # The first few by name, then their namesakes: counted for those few rows only.
    top = (
        sa.select(Account.id)
        .where(Account.name.icontains(q, autoescape=True))
        .order_by(*order)
        .limit(SUGGESTIONS)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(*_account_columns(), _namesakes(Account, Account.name))
        .join(top, top.c.id == Account.id)
        .order_by(*order)
    ).all()
    return [Match(row[0], _account_label(*row)) for row in rows]


def account_labels(ids) -> dict[int, str]:
    """{id: label} of these accounts (one statement), for showing a form's current value."""
    ids = _ids(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(*_account_columns(), _namesakes(Account, Account.name)).where(Account.id.in_(ids))
    ).all()
    return {row[0]: _account_label(*row) for row in rows}


def _account_spellings(account_id, name, domain, crm_id) -> set[str]:
    """Every way of typing this account that names it, in lower case."""
    spelled = {name, f"{name} (#{account_id})"}
    spelled.update(f"{name} ({q})" for q in (domain, crm_id) if q)
    return {s.lower() for s in spelled}


def _too_many(count: int, noun: str) -> str:
    return f"More than {SUGGESTIONS} {noun}" if count > SUGGESTIONS else f"{count} {noun}"


def resolve_account(text: str, picked: int | None = None) -> Match:
    """The one account `text` names: its name, or its name with its web domain, CRM id or
    '#number' in brackets (any case). `picked` is the id a suggestion filled in; it wins when
    `text` still names it. Raises ValidationFailed on `account_id` with what to type instead."""
    text = _typed(text, "account_id")
    columns = _account_columns()
    if isinstance(picked, int) and 0 < picked < 10**_ID_DIGITS:
        row = db.session.execute(sa.select(*columns).where(Account.id == picked)).first()
        if row is not None and text.lower() in _account_spellings(*row):
            return Match(row[0], account_labels([row[0]])[row[0]])
    base, qualifier = _split(text)
    named = [sa.func.lower(Account.name) == text.lower()]
    if qualifier:
        q = qualifier.lower()
        number = _number(qualifier)
        named.append(
            sa.and_(
                sa.func.lower(Account.name) == base.lower(),
                sa.or_(
                    sa.func.lower(Account.domain) == q,
                    sa.func.lower(Account.crm_id) == q,
                    Account.id == number if number is not None else sa.false(),
                ),
            )
        )
    rows = db.session.execute(
        sa.select(*columns).where(sa.or_(*named)).order_by(Account.id).limit(SUGGESTIONS + 1)
    ).all()
    if not rows:
        raise ValidationFailed(
            f"No account is called “{text}”. Check the spelling, or pick one of the "
            "suggestions as you type.",
            field="account_id",
        )
    if len(rows) > 1:
        example = _account_label(*rows[0], namesakes=2)
        raise ValidationFailed(
            f"{_too_many(len(rows), 'accounts')} are called “{text}”: add the web domain or "
            f"CRM id of the one you mean in brackets, as in “{example}”.",
            field="account_id",
        )
    return Match(rows[0][0], account_labels([rows[0][0]])[rows[0][0]])


# Advocates -------------------------------------------------------------------------------------


def _advocate_label(name, email, account, namesakes) -> str:
    """Its name and account; its e-mail address instead when a colleague has the same name."""
    return f"{name} ({email if namesakes > 1 else account})"


def _advocate_rows(*where, order=(Advocate.id,), limit=None):
    """(id, name, email, account name, namesakes at that account) of the advocates `where`
    picks, in `order`, at most `limit` of them; namesakes are counted for those rows only."""
    top = sa.select(Advocate.id).join(Account, Account.id == Advocate.account_id).where(*where)
    top = top.order_by(*order).limit(limit).subquery()
    query = (
        sa.select(
            Advocate.id,
            Advocate.name,
            Advocate.email,
            Account.name,
            _namesakes(Advocate, Advocate.name, Advocate.account_id),
        )
        .join(top, top.c.id == Advocate.id)
        .join(Account, Account.id == Advocate.account_id)
        .order_by(*order)
    )
    return db.session.execute(query).all()


def _scope(active_only: bool) -> list:
    """Anonymized advocates are never found by name; some forms take active ones only."""
    where = [Advocate.anonymized_at.is_(None)]
    if active_only:
        where.append(Advocate.status == "active")
    return where


def suggest_advocates(actor, q: str | None, *, active_only: bool = False) -> list[Match]:
    """At most SUGGESTIONS advocates whose name contains `q` (any case), those starting with it
    first; none for an empty search."""
    demand(actor, "program.manage", "Only the program team looks up advocates.")
    q = _query_text(q)
    if not q:
        return []
    rows = _advocate_rows(
        Advocate.name.icontains(q, autoescape=True),
        *_scope(active_only),
        order=(*_first_then_by_name(Advocate.name, q), Account.name, Advocate.id),
        limit=SUGGESTIONS,
    )
    return [Match(row[0], _advocate_label(*row[1:])) for row in rows]


def advocate_labels(ids) -> dict[int, str]:
    """{id: label} of these advocates (one statement), for showing a form's current value."""
    ids = _ids(ids)
    if not ids:
        return {}
    return {row[0]: _advocate_label(*row[1:]) for row in _advocate_rows(Advocate.id.in_(ids))}


def resolve_advocate(text: str, picked: int | None = None, *, active_only=False) -> Match:
    """The one advocate `text` names: their name, their e-mail address, or their name with their
    account or e-mail address in brackets (any case). `picked` is the id a suggestion filled
    in; it wins when `text` still names it. Raises ValidationFailed on `advocate_id`."""
    text = _typed(text, "advocate_id")
    lowered = text.lower()
    if isinstance(picked, int) and 0 < picked < 10**_ID_DIGITS:
        rows = _advocate_rows(Advocate.id == picked)
        if rows:
            _, name, email, account, _ = rows[0]
            spelled = {name, email, f"{name} ({account})", f"{name} ({email})"}
            if lowered in {s.lower() for s in spelled}:
                return Match(picked, _advocate_label(*rows[0][1:]))
    base, qualifier = _split(text)
    named = [sa.func.lower(Advocate.name) == lowered, sa.func.lower(Advocate.email) == lowered]
    if qualifier:
        named.append(
            sa.and_(
                sa.func.lower(Advocate.name) == base.lower(),
                sa.or_(
                    sa.func.lower(Account.name) == qualifier.lower(),
                    sa.func.lower(Advocate.email) == qualifier.lower(),
                ),
            )
        )
    rows = _advocate_rows(
        sa.or_(*named), *_scope(active_only), order=(Advocate.id,), limit=SUGGESTIONS + 1
    )
    which = "active advocate" if active_only else "advocate"
    if not rows:
        raise ValidationFailed(
            f"No {which} is called “{text}”. Check the spelling, or pick one of the "
            "suggestions as you type.",
            field="advocate_id",
        )
    if len(rows) > 1:
        _, name, _, account, _ = rows[0]
        raise ValidationFailed(
            f"{_too_many(len(rows), which + 's')} are called “{text}”: add the account in "
            f"brackets, as in “{name} ({account})”, or type the e-mail address.",
            field="advocate_id",
        )
    return Match(rows[0][0], _advocate_label(*rows[0][1:]))
