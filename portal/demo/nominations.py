"""Demo nominations (seed-demo): other teams' nominations at the demo CSM's accounts, one of
them objected to, and two self-nominations (one matched to an account, one to review)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.auth.models import User
from portal.database import now_utc
from portal.extensions import db
from portal.nominations import public, service
from portal.nominations.models import SelfNomination
from portal.program.service import set_setting

NOMINEES = (
    ("sales@demo.example", "Lena Fischer", "Head of Treasury",
     "Told me on the renewal call she'd happily explain their rollout to a peer bank."),
    ("pr@demo.example", "Tomás Ortega", "Chief Digital Officer",
     "Spoke warmly about us at a trade show panel; a natural for a press interview."),
    ("sales@demo.example", "Grace Okafor", "VP Operations",
     "Ran the pilot that won us the expansion; would make a strong case study."),
)  # fmt: skip
OBJECTION = "Renewal negotiation under way: please wait until it signs."


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _email(name: str, domain: str | None) -> str:
    first, last = name.lower().replace("á", "a").split(" ", 1)
    return f"{first}.{last}@{domain or 'customer.example'}"


def seed_demo_nominations(now: dt.datetime | None = None) -> int:
    """Write the demo's nominations (not committed); the number of nominations written."""
    now = now or now_utc()
    csm, admin = _user("csm@demo.example"), _user("admin@demo.example")
    if csm is None or admin is None:
        return 0
    set_setting(admin, "self_nomination_enabled", True)
    accounts = db.session.scalars(
        sa.select(Account)
        .where(Account.csm_id == csm.id, service._nominable())
        .order_by(Account.name)
        .limit(4)
    ).all()
    written = 0
    for n, (account, (email, name, title, reason)) in enumerate(
        zip(accounts, NOMINEES, strict=False)
    ):
        nominator = _user(email)
        address = _email(name, account.domain)
        if nominator is None or _taken(address):
            continue
        advocate = service.nominate_contact(
            nominator,
            {"account_id": account.id, "name": name, "email": address, "title": title,
             "reason": reason},
        )  # fmt: skip
        advocate.created_at = now - dt.timedelta(days=1 + n)
        written += 1
        if name == "Grace Okafor":
            objection = service.object_to_nomination(csm, advocate, OBJECTION, now=now)
            objection.created_at = now - dt.timedelta(hours=20)
    written += _self_nominations(accounts[3] if len(accounts) > 3 else None, now)
    return written


def _taken(email: str) -> bool:
    return db.session.scalar(sa.select(Advocate.id).where(Advocate.email == email)) is not None


def _self_nominations(account: Account | None, now: dt.datetime) -> int:
    """One whose e-mail matched an account (an advocate, source self), one to review."""
    rows = [
        SelfNomination(
            name="Yuki Tanaka",
            email="yuki.tanaka@tanaka-advisory.example",
            company="Hanseatic Freight (through our advisory firm)",
            title="Transformation Lead",
            activity_types=["webinar", "speaking"],
            consent_at=now - dt.timedelta(days=2),
            status="to_review",
            created_at=now - dt.timedelta(days=2),
            confirmed_at=now - dt.timedelta(days=2, minutes=-5),
        )
    ]
    if account is not None and not _taken(_email("Marta Silva", account.domain)):
        rows.append(
            SelfNomination(
                name="Marta Silva",
                email=_email("Marta Silva", account.domain),
                company=account.name,
                title="Product Owner",
                activity_types=["reference_call", "peer_review"],
                consent_at=now - dt.timedelta(days=1),
                status="unconfirmed",
                created_at=now - dt.timedelta(days=1),
                confirmed_at=now - dt.timedelta(hours=23),
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    if len(rows) > 1:
        public._make_advocate(None, rows[1], account)
    return len(rows)
