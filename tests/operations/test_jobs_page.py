"""The background jobs page: administrators see workers, schedules and runs; nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.database import now_utc
from portal.operations import service
from portal.operations.jobs import JOBS
from tests.factories import UserFactory


@pytest.fixture
def history(db):
    now = now_utc()
    service.register_worker("web-1:4242:cafe0001", now - dt.timedelta(hours=2))
    service.touch_worker("web-1:4242:cafe0001", now - dt.timedelta(seconds=4))
    service.register_worker("web-2:77:dead0002", now - dt.timedelta(hours=3))  # never seen since
    service.register_worker("web-3:99:stop0003", now - dt.timedelta(hours=4))
    service.stop_worker("web-3:99:stop0003", now - dt.timedelta(hours=1))
    service.ensure_schedules(now)
    assert service.claim_due_job("expire-asks", "web-1:4242:cafe0001", now)
    run = service.record_run_start("expire-asks", "web-1:4242:cafe0001", now)
    service.record_run_finish(run, summary="Expired 2 asks and 1 request.")
    failed = service.record_run_start("send-digests", "web-1:4242:cafe0001", now)
    service.record_run_finish(failed, error="Traceback ...\nRuntimeError: the mail template broke")
    db.session.commit()


def test_admin_sees_workers_schedules_and_runs(client, auth, db, history):
    admin = UserFactory(email="root@vendor.example", role="admin")
    db.session.commit()
    auth.login(admin.email)
    response = client.get("/admin/jobs")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for worker_id in ("web-1:4242:cafe0001", "web-2:77:dead0002", "web-3:99:stop0003"):
        assert worker_id in body
    assert body.index("web-1:4242:cafe0001") < body.index("web-2:77:dead0002")  # newest first
    assert ">Active<" in body and ">Lost<" in body and ">Stopped<" in body
    for name in JOBS:
        assert f"<code>{name}</code>" in body
    assert "every hour" in body and "every day" in body
    assert "Expired 2 asks and 1 request." in body
    assert "RuntimeError: the mail template broke" in body
    assert 'href="/admin/jobs"' in body  # in the menu


@pytest.mark.parametrize("role", ["manager", "csm", "requester", "advocate"])
def test_the_page_is_for_administrators_only(client, auth, db, history, role):
    user = UserFactory(email=f"{role}@vendor.example", role=role)
    db.session.commit()
    auth.login(user.email)
    assert client.get("/admin/jobs").status_code == 403
    assert "/admin/jobs" not in client.get("/").get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/jobs")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_before_any_worker_ran_the_page_says_how_to_start_one(client, auth, db):
    admin = UserFactory(email="root@vendor.example", role="admin")
    db.session.commit()
    auth.login(admin.email)
    body = client.get("/admin/jobs").get_data(as_text=True)
    assert "No worker has run yet" in body
    assert "No job has run yet." in body
    assert "when a worker starts" in body
