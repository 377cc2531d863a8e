"""Sign-in, sign-out and the rate limit on failures."""

from tests.factories import UserFactory


def test_sign_in_with_right_password_goes_home(db, client, auth):
    UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    response = auth.login("mia@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert client.get("/home").status_code == 200
