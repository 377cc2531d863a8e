"""A deal id no CRM gives (a NUL byte, which PostgreSQL refuses in text) is simply not found."""

from __future__ import annotations

import pytest

from portal.errors import NotFound
from portal.opportunities import service
from tests.factories import UserFactory
from tests.helpers import sign_in


def test_a_deal_id_with_a_nul_byte_is_not_found(db):
    manager = UserFactory(role="manager")
    assert service.find("006\x00x") is None
    with pytest.raises(NotFound):
        service.get(manager, "006\x00x")


def test_the_deal_page_of_such_an_id_answers_404(db, client, auth):
    sign_in(db, auth, "manager")
    assert client.get("/program/opportunities/006%00x").status_code == 404
    assert client.get("/program/opportunities/006%00x/edit").status_code == 404
