"""Stored files follow the database transaction, savepoints included: a savepoint that rolls
back takes its files, a released one hands them to the transaction around it, whose end
decides; a replaced file goes only when the replacement commits."""

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


def test_a_replaced_file_is_deleted_once_the_change_commits(app, db):
    from portal.content.assets import create_asset, update_asset
    from portal.content.files import Upload, storage_key
    from tests.content.test_library import PDF, asset_data
    from tests.factories import UserFactory

    with app.app_context():
        manager = UserFactory(role="manager")
        asset = create_asset(manager, asset_data(url=""), Upload("a.pdf", PDF))
        db.session.commit()
        first = storage_key(asset.file_key)
        # A replacement that does not commit changes nothing.
        update_asset(manager, asset, asset_data(url=""), Upload("b.pdf", PDF))
        second = storage_key(asset.file_key)
        db.session.rollback()
        assert stored(first) and not stored(second)
        # One that commits leaves only the new file.
        db.session.refresh(asset)
        update_asset(manager, asset, asset_data(url=""), Upload("c.pdf", PDF))
        third = storage_key(asset.file_key)
        assert stored(first)  # until the commit
        db.session.commit()
        assert stored(third) and not stored(first)
