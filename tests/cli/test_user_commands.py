"""flask create-user and create-token."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import ApiToken
from portal.auth.service import authenticate, token_user
from portal.models import AuditEvent, OutboxMessage, User
from tests.factories import AdvocateFactory, UserFactory
from tests.helpers import delivered_text

GOOD_PASSWORD = "long enough password"


def create_user(runner, *args):
    return runner.invoke(args=["create-user", *args])


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_user_with_password_can_sign_in(db, runner):
    result = create_user(
        runner, "--email", "Mia@Example.com", "--role", "manager", "--password", GOOD_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert "Created manager mia@example.com" in result.output
    user = authenticate("mia@example.com", GOOD_PASSWORD)
    assert user is not None and user.role == "manager"
    assert db.session.scalar(sa.select(AuditEvent.action)) == "user.created"
    assert count(db, OutboxMessage) == 0


def test_create_user_with_team_and_name(db, runner):
    result = create_user(
        runner, "--email", "sam@example.com", "--role", "requester", "--team", "sales",
        "--name", "Sam Sales", "--password", GOOD_PASSWORD,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "sam@example.com"))
    assert (user.name, user.role, user.team) == ("Sam Sales", "requester", "sales")


def test_create_user_without_password_prints_an_invitation_link_and_queues_it(app, db, runner):
    result = create_user(runner, "--email", "new@example.com", "--role", "csm")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "Invitation link" in line)
    link = line.split(": ", 1)[1].strip()
    assert link.startswith(app.config["BASE_URL"] + "/")
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.com"))
    assert user.password_hash is None
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.recipient, message.template, message.status) == (
        "new@example.com",
        "invitation",
        "queued",
    )
    # The same link (its signed payload; each signing carries its own time) as the e-mail's.
    assert link.rsplit(".", 2)[0] in delivered_text(message)
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.created", "user.invited"} <= actions


def test_create_user_with_role_advocate_links_the_advocate_with_that_email(db, runner):
    advocate = AdvocateFactory(email="ana@customer.example", name="Ana Silva")
    db.session.commit()
    result = create_user(
        runner, "--email", "ana@customer.example", "--role", "advocate", "--password", GOOD_PASSWORD
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ana@customer.example"))
    db.session.refresh(advocate)
    assert advocate.user_id == user.id
    assert user.name == "Ana Silva" and user.timezone == advocate.timezone


def test_create_user_with_role_advocate_and_no_advocate_is_refused_and_writes_nothing(db, runner):
    result = create_user(
        runner, "--email", "nobody@customer.example", "--role", "advocate", "--password",
        GOOD_PASSWORD,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no advocate with this e-mail" in result.output
    assert count(db, User) == 0
    assert count(db, AuditEvent) == 0


def test_create_user_for_an_advocate_who_already_has_a_login_is_refused(db, runner):
    advocate = AdvocateFactory(email="ana@customer.example")
    advocate.user = UserFactory(email="other-login@customer.example", role="advocate")
    db.session.commit()
    result = create_user(
        runner, "--email", "ana@customer.example", "--role", "advocate", "--password", GOOD_PASSWORD
    )
    assert result.exit_code == 1
    assert "already has a login" in result.output
    assert count(db, User) == 1


def test_create_user_with_an_existing_email_is_refused(db, runner):
    UserFactory(email="mia@example.com")
    db.session.commit()
    result = create_user(
        runner, "--email", "MIA@example.com", "--role", "admin", "--password", GOOD_PASSWORD
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(db, User) == 1
    assert db.session.scalar(sa.select(User.role)) == "manager"


def test_create_user_with_a_bad_email_is_refused(db, runner):
    for email in ("not-an-email", ""):
        result = create_user(runner, "--email", email, "--role", "manager")
        assert result.exit_code == 1, email
        assert "valid e-mail" in result.output
    assert count(db, User) == 0
    assert count(db, OutboxMessage) == 0


def test_create_user_with_a_short_password_is_refused(db, runner):
    result = create_user(
        runner, "--email", "mia@example.com", "--role", "manager", "--password", "short"
    )
    assert result.exit_code == 1
    assert "at least" in result.output
    assert count(db, User) == 0


def test_create_user_with_an_unknown_role_is_a_usage_error(db, runner):
    result = create_user(runner, "--email", "mia@example.com", "--role", "overlord")
    assert result.exit_code == 2
    assert "--role" in result.output
    assert count(db, User) == 0


def test_create_token_prints_a_token_that_authenticates_as_the_user(db, runner):
    user = UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    result = runner.invoke(
        args=["create-token", "--email", "mia@example.com", "--name", "CRM sync"]
    )
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    found = token_user(plain)
    assert found is not None
    token, owner = found
    assert owner.id == user.id
    assert (token.name, token.scope) == ("CRM sync", "read_write")
    assert plain not in {t.token_hash for t in db.session.scalars(sa.select(ApiToken))}
    assert token_user(plain + "x") is None


def test_create_token_with_read_scope(db, runner):
    UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    result = runner.invoke(args=["create-token", "--email", "mia@example.com", "--scope", "read"])
    assert result.exit_code == 0, result.output
    token, _ = token_user(result.output.strip())
    assert token.scope == "read"


def test_create_token_for_an_unknown_email_exits_1_and_writes_nothing(db, runner):
    result = runner.invoke(args=["create-token", "--email", "ghost@example.com"])
    assert result.exit_code == 1
    assert "no user with the e-mail ghost@example.com" in result.output
    assert count(db, ApiToken) == 0
    assert count(db, AuditEvent) == 0
