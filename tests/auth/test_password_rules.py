"""Common passwords and a password equal to one's e-mail or name are refused, offline."""

import pytest
import sqlalchemy as sa

from portal.auth import service
from portal.demo.users import PASSWORD as DEMO_PASSWORD
from portal.errors import ValidationFailed
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.mark.parametrize("common", ["password123", "qwertyuiop", "1q2w3e4r5t", "Password123"])
def test_common_passwords_are_refused(app, common):
    with app.app_context(), pytest.raises(ValidationFailed, match="most common"):
        service.check_password_rules(common)


def test_password_equal_to_the_email_or_name_is_refused(app):
    with app.app_context():
        for password in ("mia.rossi@example.com", "Mia.Rossi@Example.com "):
            with pytest.raises(ValidationFailed, match="e-mail address or name"):
                service.check_password_rules(password, email="mia.rossi@example.com")
        with pytest.raises(ValidationFailed, match="e-mail address or name"):
            service.check_password_rules("Maria Rossini", name="maria rossini")
        with pytest.raises(ValidationFailed, match="e-mail address or name"):
            service.check_password_rules("mia.rossi.longname", email="mia.rossi.longname@x.example")


def test_good_and_demo_passwords_pass(app):
    with app.app_context():
        service.check_password_rules(PASSWORD, email="mia@example.com", name="Mia")
        service.check_password_rules(DEMO_PASSWORD, email="ann@demo.example", name="Ann")


def test_change_password_refuses_a_common_one_at_the_field(db, client, auth):
    user = UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    before = user.password_hash
    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password123",
            "confirm": "password123",
        },
    )
    assert response.status_code == 200
    assert "most common" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def test_change_password_refuses_the_own_email(db, client, auth):
    UserFactory(email="mia.rossi@example.com")
    db.session.commit()
    auth.login("mia.rossi@example.com")
    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mia.rossi@example.com",
            "confirm": "mia.rossi@example.com",
        },
    )
    assert "e-mail address or name" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(service.User)) == 1
