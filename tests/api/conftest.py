"""Fixtures for the API tests: tokens and a client that sends them."""

from __future__ import annotations

import pytest

from portal.auth.service import create_api_token
from tests.factories import UserFactory


class ApiClient:
    """The test client with `Authorization: Bearer <token>` on every call."""

    def __init__(self, client, db):
        self.client = client
        self.db = db

    def token(self, user, **kwargs) -> str:
        _, plain = create_api_token(None, user, **kwargs)
        self.db.session.commit()
        return plain

    def as_role(self, role: str, **user_fields) -> tuple[object, str]:
        """A new user of `role` and a read_write token of theirs."""
        user = UserFactory(role=role, **user_fields)
        return user, self.token(user)

    def call(self, method: str, path: str, token: str | None, **kwargs):
        """Commit what the test made (the client must see it), then call the API."""
        self.db.session.commit()
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, token, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path, token, **kwargs):
        return self.call("POST", path, token, **kwargs)

    def patch(self, path, token, **kwargs):
        return self.call("PATCH", path, token, **kwargs)


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)
