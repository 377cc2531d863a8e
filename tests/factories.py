"""factory_boy factories for the models; they flush into the test's session."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from portal.extensions import db
from portal.models import (
    Account,
    Advocate,
    Ask,
    Benefit,
    LedgerEntry,
    ReferenceRequest,
    User,
)
from portal.program.service import DEFAULTS

PASSWORD = "correct horse battery"


@functools.cache
def _common_hash() -> str:
    # The fewest argon2 rounds: every sign-in verifies this hash, and at the portal's own cost
    # (about 0.1 s a time) sign-ins were a sixth of the suite. The portal's hasher is untouched.
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


def _factories(cls=Base):
    for sub in cls.__subclasses__():
        yield sub
        yield from _factories(sub)


@contextlib.contextmanager
def flush_later():
    """Factories add their objects to the session without flushing each one.

    A loop that makes many rows then flushes once a round: the rows the portal derives on every
    flush (each advocate's eligibility, and with account caps their colleagues') are worked out
    once for the round instead of once for every object.
    """
    factories = list(_factories())
    kept = [f._meta.sqlalchemy_session_persistence for f in factories]
    for f in factories:
        f._meta.sqlalchemy_session_persistence = None
    try:
        yield
    finally:
        for f, persistence in zip(factories, kept, strict=True):
            f._meta.sqlalchemy_session_persistence = persistence


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "manager"
    active = True
    password_hash = None

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        if extracted:
            obj.set_password(extracted)
        else:  # one Argon2 hash of the common password, reused: hashing is slow on purpose
            obj.password_hash = _common_hash()


class AccountFactory(Base):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n} AG")
    domain = factory.Sequence(lambda n: f"account{n}.example")
    industry = "banking"
    segment = "enterprise"
    region = "emea"
    country = "DE"
    status = "active"
    crm_id = factory.Sequence(lambda n: f"CRM-{n:05d}")
    products = factory.LazyFunction(lambda: ["payments"])


JOINED = ("active", "paused", "retired")


class AdvocateFactory(Base):
    class Meta:
        model = Advocate

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Advocate {n}")
    email = factory.Sequence(lambda n: f"advocate{n}@customer.example")
    title = "Head of Payments"
    seniority = "director"
    status = "active"
    products = factory.LazyFunction(lambda: ["payments"])
    use_cases = factory.LazyFunction(lambda: ["fraud_detection"])
    languages = factory.LazyFunction(lambda: ["en"])
    activity_types = factory.LazyFunction(lambda: ["reference_call", "case_study"])
    timezone = "Europe/Berlin"
    # Whoever joined the program accepted its current terms (no one is active without).
    consent_at = factory.LazyAttribute(
        lambda o: dt.datetime.now(dt.UTC) if o.status in JOINED else None
    )
    consent_version = factory.LazyAttribute(
        lambda o: DEFAULTS["terms_version"] if o.consent_at else None
    )


def advocate_with_login(**kwargs) -> tuple[Advocate, User]:
    """An advocate who accepted the current program terms, and the user it signs in as."""
    kwargs.setdefault("consent_at", dt.datetime.now(dt.UTC))
    kwargs.setdefault("consent_version", DEFAULTS["terms_version"])
    advocate = AdvocateFactory(**kwargs)
    user = UserFactory(email=advocate.email, name=advocate.name, role="advocate")
    advocate.user = user
    db.session.flush()
    return advocate, user


class ReferenceRequestFactory(Base):
    class Meta:
        model = ReferenceRequest

    requester = factory.SubFactory(UserFactory, role="requester", team="sales")
    activity_type = "reference_call"
    prospect_company = factory.Sequence(lambda n: f"Prospect {n} Bank")
    opportunity_name = "New payments platform"
    needed_by = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))
    advocates_needed = 1
    criteria = factory.LazyFunction(dict)
    context = "A 30-minute call about the migration."


class AskFactory(Base):
    class Meta:
        model = Ask

    request = factory.SubFactory(ReferenceRequestFactory)
    advocate = factory.SubFactory(AdvocateFactory)
    status = "pending"
    respond_by = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=5))


class BenefitFactory(Base):
    class Meta:
        model = Benefit

    kind = "speaking_slot"
    title = factory.Sequence(lambda n: f"Speaking slot {n}")
    capacity = 5
    points_cost = 0
    status = "open"


class LedgerEntryFactory(Base):
    class Meta:
        model = LedgerEntry

    advocate = factory.SubFactory(AdvocateFactory)
    delta = 50
    reason = "adjustment"
