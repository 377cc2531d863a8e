"""Fixtures for the playbook tests."""

from __future__ import annotations

import pytest

from portal.auth.service import create_api_token
from tests.factories import UserFactory

GOOD = {
    "stages": ["early", "middle"],
    "brief": "Say **who** reads it.\n\n- the audience\n- the deadline",
    "dos": "Share the questions\n- Thank them",
    "donts": "Don't invent figures",
}


@pytest.fixture
def token_of(db):
    """A new user of `role` and a read_write API token of theirs."""

    def make(role: str):
        user = UserFactory(role=role)
        _, plain = create_api_token(None, user)
        db.session.commit()
        return user, {"Authorization": f"Bearer {plain}"}

    return make
