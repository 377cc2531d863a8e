"""Files put in a transaction follow it through savepoints: a savepoint that rolls back takes
its files, a released one hands them to the transaction around it, whose end decides."""

from __future__ import annotations

from portal.content import storage


def stored(key: str) -> bool:
    return storage.current().exists(key)


def test_a_savepoint_that_rolls_back_takes_its_file(app, db):
    with app.app_context():
        storage.put_in_transaction(db.session, "content/outer.pdf", b"%PDF-1 outer", "x/y")
        savepoint = db.session.begin_nested()
        storage.put_in_transaction(db.session, "content/inner.pdf", b"%PDF-1 inner", "x/y")
        savepoint.rollback()
        assert not stored("content/inner.pdf")
        assert stored("content/outer.pdf")
        db.session.commit()
        assert stored("content/outer.pdf")


def test_a_released_savepoint_leaves_the_decision_to_the_outer_transaction(app, db):
    with app.app_context():
        savepoint = db.session.begin_nested()
        storage.put_in_transaction(db.session, "content/inner.pdf", b"%PDF-1 inner", "x/y")
        savepoint.commit()
        assert stored("content/inner.pdf")
        db.session.rollback()  # the outer transaction never commits: the file goes
        assert not stored("content/inner.pdf")


def test_a_committed_file_stays(app, db):
    with app.app_context():
        savepoint = db.session.begin_nested()
        storage.put_in_transaction(db.session, "content/kept.pdf", b"%PDF-1 kept", "x/y")
        savepoint.commit()
        db.session.commit()
        db.session.rollback()  # a later transaction's end leaves it alone
        assert stored("content/kept.pdf")
