"""Suggested candidates: a deal closed won or an account newly happy appears once, with why;
customer success nominates (on to the nomination form) or dismisses it, audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.opportunities import service as opportunities
from portal.recruiting import referenceability, suggestions
from portal.recruiting.models import CandidateSuggestion, Referenceability
from tests.factories import PASSWORD, AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import sign_in


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def all_suggestions(db) -> list[CandidateSuggestion]:
    return list(db.session.scalars(sa.select(CandidateSuggestion).order_by(CandidateSuggestion.id)))


def audit_rows(db, action) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def won_deal(manager, crm_id="006W", **values):
    data = {
        "name": "Acme - Platform expansion",
        "account_name": "Acme",
        "amount": "120000",
        "currency": "USD",
        "close_date": "2026-12-01",
        "outcome": "won",
        **values,
    }
    return opportunities.upsert(manager, crm_id, data)[0]


# Won deals ------------------------------------------------------------------------------------


def test_a_won_deal_suggests_its_company_once_with_why(db, manager):
    account = AccountFactory(name="Acme", crm_id="ACC-1")
    deal = won_deal(manager)
    [suggestion] = all_suggestions(db)
    assert suggestion.kind == "won_deal"
    assert suggestion.status == "suggested"
    assert suggestion.account_id == account.id
    assert suggestion.opportunity_id == deal.id
    assert suggestion.company == "Acme"
    assert suggestion.reason == ("Closed won on 2026-12-01: Acme - Platform expansion, USD 120,000")
    [created] = audit_rows(db, "candidate_suggestion.created")
    assert created.entity_id == suggestion.id and created.actor_id == manager.id


def test_flipping_the_outcome_back_and_forth_does_not_suggest_again(db, manager):
    AccountFactory(name="Acme")
    deal = won_deal(manager)
    for outcome in ("open", "won", "lost", "won"):
        opportunities.set_outcome(manager, deal, outcome)
    assert len(all_suggestions(db)) == 1


def test_an_open_or_lost_deal_suggests_nothing(db, manager):
    AccountFactory(name="Acme")
    deal = won_deal(manager, outcome="open")
    opportunities.set_outcome(manager, deal, "lost")
    assert all_suggestions(db) == []


def test_a_won_deal_with_a_company_that_is_no_account_is_suggested_by_name(db, manager):
    won_deal(manager, account_name="Brandnew GmbH", amount="99.5", currency="EUR")
    [suggestion] = all_suggestions(db)
    assert suggestion.account_id is None
    assert suggestion.company == "Brandnew GmbH"
    assert suggestion.reason.endswith(", EUR 99.50")


def test_an_account_with_an_active_advocate_is_not_suggested(db, manager):
    account = AccountFactory(name="Acme")
    AdvocateFactory(account=account, status="active")
    won_deal(manager)
    assert all_suggestions(db) == []


def test_a_dismissed_suggestion_stays_dismissed(db, manager):
    AccountFactory(name="Acme")
    deal = won_deal(manager)
    [suggestion] = all_suggestions(db)
    suggestions.dismiss_suggestion(manager, suggestion, "Their legal team says no.")
    opportunities.set_outcome(manager, deal, "open")
    opportunities.set_outcome(manager, deal, "won")
    won_deal(manager, crm_id="006X", name="Acme - Second deal")  # another deal, same customer
    [still] = all_suggestions(db)
    assert still.status == "dismissed"
    assert still.dismiss_reason == "Their legal team says no."


# NPS and health -------------------------------------------------------------------------------


def test_nps_reaching_the_threshold_suggests_once(db, manager):
    csm = UserFactory(role="csm")
    account = AccountFactory(name="Happy AG", csm=csm)
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "x", "nps": 49}
    )
    assert all_suggestions(db) == []
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "x", "nps": 50}
    )
    [suggestion] = all_suggestions(db)
    assert (suggestion.kind, suggestion.reason, suggestion.company) == (
        "nps",
        "NPS 50 (threshold 50)",
        "Happy AG",
    )
    # Saving again with a high score, or going down and back up, is no new crossing to show.
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "y", "nps": 70}
    )
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "y", "nps": 10}
    )
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "y", "nps": 50}
    )
    assert len(all_suggestions(db)) == 1


def test_a_score_that_was_already_high_is_no_crossing(db, manager):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    # Rated before suggestions existed: a promoter and healthy all along.
    db.session.add(
        Referenceability(
            account=account, status="referenceable", reason="x", nps=50, health="healthy"
        )
    )
    db.session.flush()
    referenceability.set_referenceability(csm, account, {"status": "referenceable", "reason": "y"})
    referenceability.set_referenceability(
        csm, account, {"status": "referenceable", "reason": "y", "nps": 60, "health": "healthy"}
    )
    assert all_suggestions(db) == []


def test_health_becoming_healthy_suggests_and_a_first_rating_counts(db, manager):
    csm = UserFactory(role="csm")
    watched = AccountFactory(name="Watched AG", csm=csm)
    referenceability.set_referenceability(
        csm, watched, {"status": "referenceable", "reason": "x", "health": "watch"}
    )
    assert all_suggestions(db) == []
    referenceability.set_referenceability(
        csm, watched, {"status": "referenceable", "reason": "x", "health": "healthy"}
    )
    fresh = AccountFactory(name="Fresh AG", csm=csm)
    referenceability.set_referenceability(
        csm, fresh, {"status": "referenceable", "reason": "x", "nps": 60}
    )
    by_company = {s.company: s for s in all_suggestions(db)}
    assert by_company["Watched AG"].kind == "health"
    assert by_company["Watched AG"].reason == "Relationship health healthy (was watch)"
    assert by_company["Fresh AG"].reason == "NPS 60 (threshold 50)"


def test_an_account_marked_not_referenceable_is_not_suggested(db, manager):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    referenceability.set_referenceability(
        csm, account, {"status": "not_referenceable", "reason": "Legal", "nps": 50}
    )
    assert all_suggestions(db) == []


# Deciding (service) ---------------------------------------------------------------------------


def test_only_customer_success_and_the_team_decide_and_a_csm_only_their_own(db, manager):
    own_csm, other_csm = UserFactory(role="csm"), UserFactory(role="csm")
    AccountFactory(name="Acme", csm=own_csm)
    won_deal(manager)
    [suggestion] = all_suggestions(db)
    with pytest.raises(Forbidden):
        suggestions.nominate_suggestion(UserFactory(role="requester"), suggestion)
    with pytest.raises(NotFound):
        suggestions.dismiss_suggestion(other_csm, suggestion)
    with pytest.raises(ValidationFailed) as refused:
        suggestions.dismiss_suggestion(own_csm, suggestion, "<script>x</script>")
    assert "reason" in refused.value.fields
    assert suggestion.status == "suggested"
    suggestions.nominate_suggestion(own_csm, suggestion)
    assert (suggestion.status, suggestion.decided_by_id) == ("nominated", own_csm.id)
    with pytest.raises(DomainError):
        suggestions.dismiss_suggestion(own_csm, suggestion)


def test_a_csm_sees_their_accounts_and_won_deals_without_an_account(db, manager):
    csm, other_csm = UserFactory(role="csm"), UserFactory(role="csm")
    AccountFactory(name="Mine", csm=csm)
    AccountFactory(name="Theirs", csm=other_csm)
    won_deal(manager, crm_id="006A", account_name="Mine")
    won_deal(manager, crm_id="006B", account_name="Theirs")
    won_deal(manager, crm_id="006C", account_name="Prospect Ltd")
    seen = {s.company for s in db.session.scalars(suggestions.suggestions_query(csm))}
    assert seen == {"Mine", "Prospect Ltd"}
    assert len(db.session.scalars(suggestions.suggestions_query(manager)).all()) == 3


# Pages ------------------------------------------------------------------------------------------


def _deal_for(db, csm_email="csm@example.com"):
    manager = UserFactory(role="manager")
    csm = UserFactory(role="csm", email=csm_email)
    AccountFactory(name="Acme", csm=csm)
    won_deal(manager)
    db.session.commit()
    return all_suggestions(db)[0]


def test_the_csm_sees_the_suggestion_with_why_and_nominates_it(db, client, auth):
    suggestion = _deal_for(db)
    auth.login("csm@example.com")
    page = client.get("/recruiting/suggestions").get_data(as_text=True)
    assert "Closed won on 2026-12-01: Acme - Platform expansion, USD 120,000" in page
    response = client.post(f"/recruiting/suggestions/{suggestion.id}/nominate")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/advocates/new?account_id={suggestion.account_id}"
    db.session.expire_all()
    assert db.session.get(CandidateSuggestion, suggestion.id).status == "nominated"
    [row] = audit_rows(db, "candidate_suggestion.nominated")
    assert row.entity_id == suggestion.id
    assert "Acme - Platform expansion" not in client.get("/recruiting/suggestions").get_data(
        as_text=True
    )


def test_nominating_a_company_that_is_no_account_goes_to_the_new_account_form(db, client, auth):
    manager = sign_in(db, auth, "manager")
    won_deal(manager, account_name="Brand & New")
    db.session.commit()
    [suggestion] = all_suggestions(db)
    response = client.post(
        f"/recruiting/suggestions/{suggestion.id}/nominate", data={"next": "pipeline"}
    )
    assert response.headers["Location"] == "/accounts/new?name=Brand+%26+New"
    # The form it lands on carries the company's name, still to be checked and saved.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Brand &amp; New"' in page


def test_the_csm_dismisses_with_a_reason(db, client, auth):
    suggestion = _deal_for(db)
    auth.login("csm@example.com")
    response = client.post(
        f"/recruiting/suggestions/{suggestion.id}/dismiss", data={"reason": "Churn risk"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/recruiting/suggestions"
    db.session.expire_all()
    stored = db.session.get(CandidateSuggestion, suggestion.id)
    assert (stored.status, stored.dismiss_reason) == ("dismissed", "Churn risk")
    [row] = audit_rows(db, "candidate_suggestion.dismissed")
    assert row.data == {"company": "Acme", "reason": "Churn risk"}
    # Sent again: already decided, said so, nothing changes.
    client.post(f"/recruiting/suggestions/{suggestion.id}/dismiss", data={"reason": "Other"})
    db.session.expire_all()
    assert db.session.get(CandidateSuggestion, suggestion.id).dismiss_reason == "Churn risk"
    assert len(audit_rows(db, "candidate_suggestion.dismissed")) == 1


@pytest.mark.parametrize("action", ["nominate", "dismiss"])
def test_another_csm_gets_404_and_a_requester_403(db, client, auth, action):
    suggestion = _deal_for(db)
    sign_in(db, auth, "csm")
    assert client.post(f"/recruiting/suggestions/{suggestion.id}/{action}").status_code == 404
    auth.logout()
    sign_in(db, auth, "requester")
    assert client.post(f"/recruiting/suggestions/{suggestion.id}/{action}").status_code == 403
    assert client.get("/recruiting/suggestions").status_code == 403
    db.session.expire_all()
    assert db.session.get(CandidateSuggestion, suggestion.id).status == "suggested"
    assert audit_rows(db, f"candidate_suggestion.{action}d") == []


def test_the_pipeline_shows_suggestions_to_the_team(db, client, auth):
    _deal_for(db)
    sign_in(db, auth, "manager")
    page = client.get("/recruiting/pipeline").get_data(as_text=True)
    assert "Suggested candidates" in page
    assert "Closed won on 2026-12-01" in page


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_deciding_needs_the_forms_csrf_token(app_factory, db):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        suggestion = _deal_for(db)
        client = app.test_client()
        sign_in_page = client.get("/auth/sign-in").get_data(as_text=True)
        token = sign_in_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/auth/sign-in",
            data={"email": "csm@example.com", "password": PASSWORD, "csrf_token": token},
        )
        page = client.get("/recruiting/suggestions").get_data(as_text=True)
        dismiss = f"/recruiting/suggestions/{suggestion.id}/dismiss"
        assert client.post(dismiss, data={"reason": "No"}).status_code == 400
        db.session.expire_all()
        assert db.session.get(CandidateSuggestion, suggestion.id).status == "suggested"
        response = client.post(dismiss, data={"reason": "No", "csrf_token": _token(page)})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(CandidateSuggestion, suggestion.id).status == "dismissed"


def test_suggestions_keep_their_dates_in_utc(db, manager):
    AccountFactory(name="Acme")
    won_deal(manager, close_date="")
    [suggestion] = all_suggestions(db)
    assert suggestion.reason.startswith(f"Closed won on {dt.datetime.now(dt.UTC).date()}:")
