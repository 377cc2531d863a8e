"""Customer protection: customer success's verdict on an account, its health and NPS gate and
rank matching; an account is asked at most N times a month and a quarter, however many of its
contacts there are; match scores are explained."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from portal.asks import matching, placing
from portal.asks.models import Ask
from portal.asks.overuse import OveruseRefused, refusals
from portal.notifications.models import Notification, OutboxMessage
from portal.program.service import set_setting
from portal.recruiting.models import Referenceability
from portal.recruiting.referenceability import set_referenceability
from tests.api.conftest import ApiClient
from tests.conftest import is_postgres
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)

FREE = {"max_per_month": 10, "max_per_quarter": 20, "max_per_year": 40, "min_days_between": 0}


def now():
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def rate(manager, account, **data):
    data.setdefault("status", "referenceable")
    data.setdefault("reason", "Customer success's word.")
    row = set_referenceability(manager, account, data)
    return row


def match_of(request, advocate):
    result = matching.match(request, 20, near_misses=20)
    found = [m for m in result.matches if m.advocate.id == advocate.id]
    missed = [n for n in result.near_misses if n.advocate.id == advocate.id]
    return (found[0] if found else None), (missed[0] if missed else None), result


# -- 1. the CSM's verdict, health and NPS ------------------------------------------------------


@pytest.mark.parametrize(
    "verdict, words",
    [
        ({"status": "not_referenceable"}, "not referenceable"),
        ({"status": "not_now"}, "not now"),
        ({"health": "at_risk"}, "is at risk"),
    ],
)
def test_an_account_customer_success_keeps_out_is_not_asked(db, manager, verdict, words):
    advocate = AdvocateFactory(**FREE)
    rate(manager, advocate.account, **verdict)
    db.session.flush()
    with pytest.raises(OveruseRefused) as refused:
        placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    assert words in refused.value.message
    assert advocate.account.name in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ask)) == 0


def test_the_api_refusal_names_the_referenceability_rule(api, db):
    user, token = api.as_role("manager")
    advocate = AdvocateFactory(**FREE)
    rate(user, advocate.account, status="not_referenceable", reason="Renewal dispute")
    db.session.commit()
    request = ReferenceRequestFactory()
    response = api.post(
        f"/api/v1/requests/{request.id}/asks", token, json={"advocate_id": advocate.id}
    )
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "not referenceable (Renewal dispute)" in message


def test_a_not_referenceable_account_is_a_near_miss_saying_why(db, manager):
    advocate = AdvocateFactory(**FREE)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    assert match_of(request, advocate)[0] is not None
    rate(manager, advocate.account, status="not_referenceable", reason="Churn risk")
    db.session.flush()
    found, missed, _ = match_of(request, advocate)
    assert found is None
    assert any("not referenceable (Churn risk)" in why for why in missed.refusals)
    assert missed.free_from is None
    # Customer success changes its mind: the advocate is a match again at once.
    rate(manager, advocate.account, status="referenceable")
    db.session.flush()
    assert match_of(request, advocate)[0] is not None


def test_an_account_below_the_nps_floor_is_not_asked(db, manager):
    advocate = AdvocateFactory(**FREE)
    rate(manager, advocate.account, nps=-20)
    set_setting(manager, "account_min_nps", 0)
    db.session.flush()
    found = refusals(advocate, "reference_call")
    assert [r.rule for r in found] == ["account_nps"]
    assert "NPS of -20" in found[0].message
    assert match_of(ReferenceRequestFactory(criteria={"industries": ["banking"]}), advocate)[1]


def test_healthy_accounts_and_well_rated_advocates_rank_first_with_their_points(db, manager):
    plain = AdvocateFactory(**FREE)
    healthy = AdvocateFactory(**FREE)
    rated = AdvocateFactory(**FREE)
    rate(manager, healthy.account, health="healthy")
    for stars in (5, 4):
        AskFactory(
            advocate=rated,
            status="completed",
            asked_at=now() - dt.timedelta(days=400),
            completed_at=now() - dt.timedelta(days=390),
            requester_rating=stars,
        )
    db.session.flush()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    result = matching.match(request, 10)
    order = [m.advocate.id for m in result.matches]
    assert order.index(healthy.id) < order.index(plain.id)
    assert order.index(rated.id) < order.index(plain.id)
    assert "Healthy account +2" in match_of(request, healthy)[0].reasons
    assert "Rated 4.5/5 on 2 past calls +2" in match_of(request, rated)[0].reasons


# -- 2. the account cap ------------------------------------------------------------------------


def test_the_account_cap_refuses_the_next_ask_across_its_advocates(db, manager):
    set_setting(manager, "account_max_per_month", 2)
    account = AccountFactory()
    colleagues = [AdvocateFactory(account=account, **FREE) for _ in range(3)]
    for advocate in colleagues[:2]:
        placing.place_ask(manager, ReferenceRequestFactory(), advocate)
    with pytest.raises(OveruseRefused) as refused:
        placing.place_ask(manager, ReferenceRequestFactory(), colleagues[2])
    message = refused.value.message
    assert f"the account {account.name} already has 2 live asks this month" in message
    assert "account limit of 2 per month" in message
    # And matching agrees: the third colleague is a near miss, free from next month.
    found, missed, _ = match_of(
        ReferenceRequestFactory(criteria={"industries": ["banking"]}), colleagues[2]
    )
    assert found is None and missed.free_from is not None
    # Another account is not held back.
    placing.place_ask(manager, ReferenceRequestFactory(), AdvocateFactory(**FREE))


def test_the_quarterly_account_cap_counts_earlier_months(db, manager):
    set_setting(manager, "account_max_per_month", None)
    set_setting(manager, "account_max_per_quarter", 1)
    account = AccountFactory()
    first, second = (AdvocateFactory(account=account, **FREE) for _ in range(2))
    placing.place_ask(manager, ReferenceRequestFactory(), first)
    with pytest.raises(OveruseRefused) as refused:
        placing.place_ask(manager, ReferenceRequestFactory(), second)
    assert "account limit of 1 per quarter" in refused.value.message


def test_no_account_cap_when_the_settings_are_off(db, manager):
    set_setting(manager, "account_max_per_month", None)
    set_setting(manager, "account_max_per_quarter", None)
    account = AccountFactory()
    for _ in range(6):
        placing.place_ask(
            manager, ReferenceRequestFactory(), AdvocateFactory(account=account, **FREE)
        )


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks")
def test_concurrent_asks_to_one_accounts_advocates_never_exceed_the_account_cap(app, db):
    """12 managers ask 12 different advocates of one account at once; exactly the cap succeed."""
    manager = UserFactory(role="manager")
    set_setting(manager, "account_max_per_month", 3)
    account = AccountFactory()
    advocates = [AdvocateFactory(account=account, **FREE) for _ in range(12)]
    requests = [ReferenceRequestFactory() for _ in range(12)]
    db.session.commit()
    pairs = [(r.id, a.id) for r, a in zip(requests, advocates, strict=True)]
    manager_id = manager.id
    start = threading.Barrier(len(pairs))
    results = []

    def place(request_id, advocate_id):
        with app.app_context():
            from portal.extensions import db as thread_db
            from portal.models import Advocate, ReferenceRequest, User

            start.wait(timeout=60)
            try:
                actor = thread_db.session.get(User, manager_id)
                target = thread_db.session.get(Advocate, advocate_id)
                request = thread_db.session.get(ReferenceRequest, request_id)
                placing.place_ask(actor, request, target)
                thread_db.session.commit()
                results.append("placed")
            except OveruseRefused:
                thread_db.session.rollback()
                results.append("refused")
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=place, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results.count("placed") == 3
    assert results.count("refused") == 9
    db.session.expire_all()
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ask)
        .where(Ask.advocate_id.in_([a for _, a in pairs]))
    )
    assert live == 3


# -- 4. explained scores -----------------------------------------------------------------------


def test_match_reasons_give_the_scale_the_asks_left_and_a_crowded_account(db, manager):
    account = AccountFactory(name="Acme")
    crowd = [AdvocateFactory(account=account, **FREE) for _ in range(3)]
    AdvocateFactory(**FREE)
    placing.place_ask(manager, ReferenceRequestFactory(), crowd[0])
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    result = matching.match(request, 10)
    assert len(result.matches) == 4
    assert "3 of the top 4 work at Acme" in result.crowded
    top = {m.advocate.id: m for m in result.matches}
    first = top[crowd[0].id]
    # industry weight 3 + never asked 1.5 + standing at most 5 = 9.5
    assert first.reasons[0].startswith(f"Score {first.score:g} out of 9.5: relevance +3")
    # Their own limits leave 9 and 19; Acme's caps (4 and 8, one used) leave 3 and 7.
    assert "3 asks left this month, 7 this quarter" in first.reasons
    assert "3 of the top 4 work at Acme" in first.reasons
    assert top[crowd[1].id].asks_left == {"month": 3, "quarter": 7}
    loner = next(m for m in result.matches if m.advocate.account.name != "Acme")
    assert not any("work at" in r for r in loner.reasons)


def test_the_api_match_keeps_its_shape_and_explains_the_score(api, db):
    _, token = api.as_role("manager")
    advocate = AdvocateFactory(**FREE)
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    response = api.get(f"/api/v1/requests/{request.id}/matches", token)
    assert response.status_code == 200
    item = response.get_json()["items"][0]
    assert item["advocate_id"] == advocate.id
    assert {"advocate_id", "advocate", "score", "reasons"} <= set(item)
    assert all(isinstance(reason, str) for reason in item["reasons"])
    assert item["scale"] == 9.5 and item["asks_left"] == {"month": 4, "quarter": 8}
    assert any(r.startswith("Score ") and "out of 9.5" in r for r in item["reasons"])


def test_referenceability_rows_refresh_matching_in_the_same_transaction(db, manager):
    advocate = AdvocateFactory(**FREE)
    db.session.add(
        Referenceability(account_id=advocate.account_id, status="not_now", reason="Audit")
    )
    db.session.flush()
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    assert match_of(request, advocate)[0] is None


# -- 3. the account's CSM hears ------------------------------------------------------------------


def test_the_accounts_csm_is_told_when_a_contact_is_asked(db, manager):
    csm = UserFactory(role="csm")
    advocate = AdvocateFactory(account=AccountFactory(csm=csm, name="Acme"), **FREE)
    request = ReferenceRequestFactory(prospect_company="Globex")
    placing.place_ask(manager, request, advocate)
    db.session.flush()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "contact_asked")
    ).one()
    assert mail.recipient == csm.email
    assert f"{advocate.name} of Acme" in mail.subject
    assert "for Globex" in mail.body_text and "referenceability" in mail.body_text
    assert db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == csm.id, Notification.event_type == "contact_asked"
        )
    ).one()
    # An account without a CSM: nobody else is told.
    placing.place_ask(manager, ReferenceRequestFactory(), AdvocateFactory(**FREE))
    db.session.flush()
    count = sa.select(sa.func.count()).where(OutboxMessage.template == "contact_asked")
    assert db.session.scalar(count) == 1
