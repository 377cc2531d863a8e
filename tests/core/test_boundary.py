"""The pages' request boundary (portal/boundary.py): commit once, or roll back and show why."""

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages

from portal.accounts.models import Account
from portal.boundary import REFUSED, commit_or_show, committing
from portal.errors import DomainError, NotFound, ValidationFailed
from tests.factories import AccountFactory


def _names(db) -> set[str]:
    db.session.rollback()  # what was committed, not what the session still holds
    return set(db.session.scalars(sa.select(Account.name)))


def test_a_block_that_succeeds_commits(app, db):
    with app.test_request_context(), committing() as attempt:
        AccountFactory(name="Kept AG")
    assert not attempt.refused
    assert "Kept AG" in _names(db)


def test_a_refusal_rolls_back_and_is_flashed_and_handed_over(app, db):
    with app.test_request_context():
        with committing() as attempt:
            AccountFactory(name="Gone AG")
            raise DomainError("Not today.")
        assert attempt.refused and attempt.error.message == "Not today."
        assert get_flashed_messages(with_categories=True) == [("error", "Not today.")]
    assert "Gone AG" not in _names(db)


def test_a_refusal_not_shown_is_only_handed_over(app, db):
    with app.test_request_context():
        with committing(show=False) as attempt:
            raise ValidationFailed("Too long.", field="name")
        assert attempt.error.fields == {"name": "Too long."}
        assert get_flashed_messages() == []


def test_refusals_it_does_not_catch_or_must_raise_go_to_the_error_pages(app, db):
    with app.test_request_context():
        with pytest.raises(NotFound), committing(raises=NotFound):
            AccountFactory(name="Missing AG")
            raise NotFound("No such thing.")
        with pytest.raises(DomainError), committing(catches=ValidationFailed):
            AccountFactory(name="Conflict AG")
            raise DomainError("Taken.")
    assert not {"Missing AG", "Conflict AG"} & _names(db)


def test_a_discarded_block_rolls_back_without_a_refusal(app, db):
    with app.test_request_context(), committing() as attempt:
        AccountFactory(name="Dry run AG")
        attempt.discard()
    assert not attempt.refused
    assert "Dry run AG" not in _names(db)


def test_a_refusal_kept_commits_what_came_before_it(app, db):
    with app.test_request_context():
        with committing(show=False, keep_refused=True) as attempt:
            AccountFactory(name="Provisioned AG")
            raise DomainError("No role yet.")
        assert attempt.refused
        with pytest.raises(NotFound), committing(raises=NotFound, keep_refused=True):
            AccountFactory(name="Raised AG")
            raise NotFound("No such thing.")
    assert "Provisioned AG" in _names(db)
    assert "Raised AG" not in _names(db)


def test_commit_or_show_returns_the_result_or_refused(app, db):
    def refuse():
        raise DomainError("No.")

    with app.test_request_context():
        assert commit_or_show(lambda: 42) == 42
        assert commit_or_show(refuse) is REFUSED
