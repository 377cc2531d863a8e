"""advocates.service: data checks, visibility, nominations and the status lifecycle."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.advocates import service
from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db as _db
from portal.program.service import DEFAULTS, Vocabulary
from portal.validation import Checker
from portal.vocab import ADVOCATE_STATUSES
from tests.factories import AccountFactory, AdvocateFactory, UserFactory, advocate_with_login
from tests.queries import QueryCounter


def data(account_id: int, **changes) -> dict:
    return {"account_id": account_id, "name": "Greta Gold", "email": "greta@example.com", **changes}


def test_check_advocate_data_names_every_bad_field(db):
    with pytest.raises(ValidationFailed) as caught:
        service.check_advocate_data(
            {
                "account_id": 999_999,
                "name": "",
                "email": "nope",
                "seniority": "intern",
                "products": ["teleportation"],
                "use_cases": "fraud",
                "languages": ["klingon"],
                "timezone": "Mars/Olympus",
                "status": "sleepy",
                "activity_types": ["skydiving"],
                "preferred_contact": "pigeon",
                "bio": "b" * 2001,
            }
        )
    fields = caught.value.fields
    assert set(fields) == {
        "account_id", "name", "email", "seniority", "products", "use_cases", "languages",
        "timezone", "status", "activity_types", "preferred_contact", "bio",
    }  # fmt: skip
    assert fields["account_id"] == "No such account."
    assert fields["timezone"] == "Use a time zone name such as Europe/Berlin."
    assert fields["activity_types"] == "Unknown value: skydiving."


def test_check_advocate_data_refuses_an_unknown_account(db):
    with pytest.raises(ValidationFailed) as caught:
        service.check_advocate_data(data(999_999))
    assert caught.value.fields == {"account_id": "No such account."}


def test_check_advocate_data_normalises_the_email(db):
    account = AccountFactory()
    clean = service.check_advocate_data(data(account.id, email="Greta@Example.COM"))
    assert clean["email"] == "greta@example.com"


@pytest.mark.parametrize("start", ADVOCATE_STATUSES)
def test_change_status_allows_exactly_the_transitions(db, start):
    manager = UserFactory(role="manager")
    for target in ADVOCATE_STATUSES:
        # Consent given, so only the lifecycle decides (consent has tests of its own).
        advocate = AdvocateFactory(
            status=start, consent_at=now_utc(), consent_version=DEFAULTS["terms_version"]
        )
        if target in service.TRANSITIONS[start]:
            service.change_status(manager, advocate, target, "why")
            assert advocate.status == target
        else:
            with pytest.raises(DomainError) as caught:
                service.change_status(manager, advocate, target)
            assert advocate.status == start
            assert caught.value.fields["status"].startswith(
                f"An advocate who is {start} can't become {target}"
            )


def test_change_status_is_audited_with_the_reason(db):
    advocate = AdvocateFactory(status="nominated")
    manager = UserFactory(role="admin")
    service.change_status(manager, advocate, "invited", "Agreed on the phone")
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.status_changed")
        .order_by(AuditEvent.id)
    )
    assert event.entity_id == advocate.id and event.actor_id == manager.id
    assert event.data == {"from": "nominated", "to": "invited", "reason": "Agreed on the phone"}


def test_change_status_refuses_unknown_status_and_non_program_users(db):
    csm = UserFactory(role="csm")
    advocate = AdvocateFactory(account=AccountFactory(csm=csm), status="nominated")
    with pytest.raises(Forbidden):
        service.change_status(csm, advocate, "invited")
    with pytest.raises(DomainError) as caught:
        service.change_status(UserFactory(role="manager"), advocate, "famous")
    assert "Unknown status" in caught.value.fields["status"]
    assert advocate.status == "nominated"


def test_csm_nomination_is_forced_to_nominated(db):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    advocate = service.create_advocate(csm, data(account.id, status="active"))
    assert advocate.status == "nominated"
    assert advocate.nominated_by_id == csm.id


def test_csm_cannot_nominate_at_another_csms_account(db):
    account = AccountFactory(csm=UserFactory(role="csm"))
    with pytest.raises(Forbidden):
        service.create_advocate(UserFactory(role="csm"), data(account.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0


def test_create_advocate_refuses_a_duplicate_email(db):
    existing = AdvocateFactory(email="greta@example.com")
    with pytest.raises(DomainError) as caught:
        service.create_advocate(UserFactory(role="manager"), data(existing.account_id))
    assert caught.value.fields == {"email": "Another advocate has this e-mail."}


def test_update_advocate_changes_status_only_along_the_lifecycle(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="declined")
    with pytest.raises(DomainError):
        service.update_advocate(manager, advocate, {"status": "active"})
    changed = service.update_advocate(manager, advocate, {"status": "nominated", "title": "CEO"})
    assert changed["title"][1] == "CEO"
    assert advocate.status == "nominated"


def test_visibility_csm_own_accounts_advocate_self_program_all(db):
    csm = UserFactory(role="csm")
    mine = AdvocateFactory(account=AccountFactory(csm=csm))
    theirs, login = advocate_with_login()
    assert service.get_advocate(csm, mine.id) is mine
    with pytest.raises(NotFound):
        service.get_advocate(csm, theirs.id)
    assert service.get_advocate(login, theirs.id) is theirs
    with pytest.raises(NotFound):
        service.get_advocate(login, mine.id)
    assert service.get_advocate(UserFactory(role="manager"), theirs.id) is theirs
    assert service.can_edit_advocate(csm, mine)
    assert not service.can_edit_advocate(csm, theirs)


def test_advocate_query_limits_a_csm_to_their_accounts(db):
    csm = UserFactory(role="csm")
    mine = AdvocateFactory(account=AccountFactory(csm=csm))
    AdvocateFactory()
    assert db.session.scalars(service.advocate_query(csm)).all() == [mine]
    with pytest.raises(Forbidden):
        service.advocate_query(UserFactory(role="requester"))


def test_check_advocate_data_refuses_markup_in_free_text(db):
    account = AccountFactory()
    with pytest.raises(ValidationFailed) as caught:
        service.check_advocate_data(
            data(
                account.id,
                name="<b>Greta</b>",
                title="<i>VP</i>",
                bio="<script>x</script>",
                nomination_reason="javascript:alert(1)",
            )
        )
    assert caught.value.fields == dict.fromkeys(
        ("name", "title", "bio", "nomination_reason"), "Please write plain text, without HTML tags."
    )


@pytest.mark.parametrize(
    "email",
    [
        "Greta.Gold@Example.COM",
        "greta+refs@mail.example.co.uk",
        "o'neil@x-y.example",
        "Grüße@example.com",
        '"quoted name"@example.com',
        "greta@example.test",
        "greta@localhost",
        "greta@-bad.example",
        "greta..gold@example.com",
        "g" * 65 + "@example.com",
        "greta@" + "d" * 64 + ".example",
        "greta@example.c0m",
    ],
)
def test_check_advocate_data_takes_an_e_mail_exactly_as_the_validator_does(db, email):
    """Plain addresses skip the validator (costly over a 50,000-row import): same outcome."""
    account = AccountFactory()
    checker = Checker({"email": email}, allowed=("email",))
    checker.email("email", required=True)
    try:
        clean = service.check_advocate_data(data(account.id, email=email))
    except ValidationFailed as error:
        assert error.fields == checker.errors
    else:
        assert checker.errors == {}
        assert clean["email"] == checker.clean["email"]


@pytest.mark.parametrize(
    ("zone", "clean", "why"),
    [
        ("Europe/Berlin", "Europe/Berlin", None),
        ("  UTC ", "UTC", None),
        ("", None, None),
        ("europe/berlin", None, "Use a time zone name such as Europe/Berlin."),
        ("Mars/Olympus", None, "Use a time zone name such as Europe/Berlin."),
        (3, None, "Use a time zone name such as Europe/Berlin."),
    ],
)
def test_check_advocate_data_time_zone_rule_is_the_checker_s(db, zone, clean, why):
    account = AccountFactory()
    checker = Checker({"timezone": zone}, allowed=("timezone",))
    checker.timezone("timezone")
    assert checker.errors == ({"timezone": why} if why else {})
    if why:
        with pytest.raises(ValidationFailed) as caught:
            service.check_advocate_data(data(account.id, timezone=zone))
        assert caught.value.fields == {"timezone": why}
    else:
        assert service.check_advocate_data(data(account.id, timezone=zone))["timezone"] == clean


def test_check_advocate_data_with_a_vocabulary_and_known_accounts_reads_nothing(db):
    account = AccountFactory()
    vocabulary = Vocabulary()
    vocabulary.timezones  # noqa: B018 (read on first use)
    good = data(account.id, products=["payments"], languages=["en"], timezone="Asia/Tokyo")
    with QueryCounter(_db.engine) as queries:
        for _ in range(3):
            service.check_advocate_data(good, vocabulary=vocabulary, account_ids={account.id})
        with pytest.raises(ValidationFailed) as caught:
            service.check_advocate_data(
                data(account.id + 1), vocabulary=vocabulary, account_ids={account.id}
            )
    assert queries.statements == []
    assert caught.value.fields == {"account_id": "No such account."}


def test_check_advocate_data_reads_the_zone_names_only_for_a_zone(db):
    """Reading them costs ~20 ms: a page that sends no time zone does not pay for it."""
    account = AccountFactory()
    vocabulary = Vocabulary()
    service.check_advocate_data(data(account.id, timezone=""), vocabulary=vocabulary)
    assert "timezones" not in vars(vocabulary)
    service.check_advocate_data(data(account.id, timezone="UTC"), vocabulary=vocabulary)
    assert "UTC" in vars(vocabulary)["timezones"]
