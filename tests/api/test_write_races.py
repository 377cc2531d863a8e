"""A write that loses a race: the service checked that a key was free, then another request
stored the same key before this one's insert. The loser gets 409 with a clear message and
writes nothing (it was a 500 before)."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from portal.extensions import db as _db
from portal.program.models import CustomField
from tests.factories import AccountFactory
from tests.program.custom_field_helpers import add_job_function


@contextlib.contextmanager
def other_request_writes_first(table: str, row: dict):
    """Right after this request's first SELECT on `table`, another connection (another
    request) inserts `row` and commits."""
    done = []

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if done or not statement.lstrip().upper().startswith("SELECT"):
            return
        if f"FROM {table}" not in statement:
            return
        done.append(True)
        with _db.engine.connect() as other, other.begin():
            other.execute(_db.metadata.tables[table].insert(), row)

    sa.event.listen(_db.engine, "after_cursor_execute", after_execute)
    try:
        yield done
    finally:
        sa.event.remove(_db.engine, "after_cursor_execute", after_execute)


def _audit_count(db, action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_an_admin_adding_a_custom_field_key_another_request_just_stored_gets_409(db, api):
    admin, plain = api.as_role("admin")
    add_job_function(admin)
    body = {"entity": "advocate", "label": "Job function", "type": "text"}
    rival = {
        "entity": "advocate",
        "key": "job_function",
        "label": "Job function (rival)",
        "type": "text",
        "position": 1,
        "active": True,
        "required": False,
        "show_in_list": False,
        "match_criterion": False,
        "multiple": False,
    }
    with other_request_writes_first("custom_fields", rival) as raced:
        response = api.post("/api/v1/settings/custom-fields", plain, json=body)
    assert raced, "the race was not staged"
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and "Someone else saved the same value" in error["message"]
    db.session.remove()
    labels = db.session.scalars(sa.select(CustomField.label)).all()
    assert labels == ["Job function (rival)"]
    assert _audit_count(db, "custom_field.added") == 0


def test_two_managers_adding_an_advocate_with_one_email_get_one_advocate(db, api):
    manager, plain = api.as_role("manager")
    account = AccountFactory()
    db.session.commit()
    rival = {
        "account_id": account.id,
        "name": "Ada (rival)",
        "email": "ada@nordbank.example",
        "status": "active",
    }
    body = {"account_id": account.id, "name": "Ada Lovelace", "email": "ada@nordbank.example"}
    with other_request_writes_first("advocates", rival) as raced:
        response = api.post("/api/v1/advocates", plain, json=body)
    assert raced, "the race was not staged"
    assert response.status_code == 409, response.get_json()
    db.session.remove()
    assert db.session.scalars(sa.select(Advocate.name)).all() == ["Ada (rival)"]
