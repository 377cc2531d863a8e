"""The admin's webhook pages: add, refuse bad input next to the field, edit, rotate, delete."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.extensions import db as _db
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import UserFactory
from tests.queries import QueryCounter


def _login_admin(db, auth):
    UserFactory(role="admin", email="admin@example.com")
    db.session.commit()
    auth.login("admin@example.com")


def test_add_an_endpoint(db, client, auth):
    _login_admin(db, auth)
    assert "No webhook endpoints yet" in client.get("/admin/webhooks/").get_data(as_text=True)
    response = client.post(
        "/admin/webhooks/new",
        data={
            "url": "https://crm.example/portal-hook",
            "events": ["ask.placed", "claim.approved"],
            "description": "CRM",
            "active": "y",
        },
    )
    assert response.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.events == ["ask.placed", "claim.approved"]
    assert endpoint.secret.startswith("whsec_")
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "webhook.created").order_by(AuditEvent.id)
    )
    assert endpoint.secret not in str(audit.data)


def test_a_bad_url_is_refused_next_to_the_field_and_nothing_written(db, client, auth):
    _login_admin(db, auth)
    response = client.post(
        "/admin/webhooks/new", data={"url": "ftp://crm.example/x", "events": ["ask.placed"]}
    )
    assert response.status_code == 422
    assert "Use an http:// or https:// address." in response.get_data(as_text=True)
    assert 'value="ftp://crm.example/x"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_edit_keeps_the_secret_unless_a_new_one_is_given_then_rotate_and_delete(db, client, auth):
    _login_admin(db, auth)
    client.post(
        "/admin/webhooks/new",
        data={"url": "https://crm.example/h", "events": ["ask.placed"], "active": "y"},
    )
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    secret = endpoint.secret
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/edit",
        data={"url": "https://crm.example/h2", "events": ["ask.declined"], "secret": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://crm.example/h2",
        ["ask.declined"],
        False,
    )
    assert endpoint.secret == secret
    assert client.post(f"/admin/webhooks/{endpoint.id}/secret").status_code == 302
    db.session.expire_all()
    assert endpoint.secret != secret
    assert client.post(f"/admin/webhooks/{endpoint.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_secret_is_revealed_only_by_an_audited_post_never_by_a_link(db, client, auth):
    _login_admin(db, auth)
    client.post(
        "/admin/webhooks/new",
        data={"url": "https://crm.example/h", "events": ["ask.placed"], "active": "y"},
    )
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    secret = endpoint.secret
    for path in (f"/admin/webhooks/{endpoint.id}", f"/admin/webhooks/{endpoint.id}?secret=show"):
        page = client.get(path).get_data(as_text=True)
        assert secret not in page and secret[6:12] not in page
        assert "Reveal" in page
    revealed = client.post(f"/admin/webhooks/{endpoint.id}/secret/reveal")
    assert revealed.status_code == 200
    assert secret in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    (event,) = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "webhook.secret_revealed")
        .order_by(AuditEvent.id)
    ).all()
    assert (event.entity, event.entity_id) == ("webhook_endpoints", endpoint.id)
    assert event.actor_id is not None
    assert secret not in str(event.data)


def _endpoints_with_deliveries(db, count: int, start: int) -> None:
    """`count` endpoints, each with an older good delivery and a newer failed one (the even
    ones) or the other way round (the odd ones); one more endpoint has none."""
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    for number in range(start, start + count):
        endpoint = WebhookEndpoint(
            url=f"https://crm.example/hook/{number}", secret="s" * 20, events=["ask.placed"]
        )
        db.session.add(endpoint)
        db.session.flush()
        for minutes, succeeded in ((0, number % 2 == 0), (5, number % 2 == 1)):
            db.session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event="ask.placed",
                    attempted_at=at + dt.timedelta(minutes=minutes),
                    status_code=200 if succeeded else 500,
                    duration_ms=3,
                    succeeded=succeeded,
                )
            )
    db.session.commit()


def _listing(client) -> tuple[int, str]:
    with QueryCounter(_db.engine) as queries:
        response = client.get("/admin/webhooks/")
    assert response.status_code == 200
    return queries.count, response.get_data(as_text=True)


def _last_badges(page: str) -> dict[str, str]:
    """{endpoint URL: its "Last delivery" cell, as the badge's word or "never"}."""
    rows = re.findall(r">(https://crm\.example/hook/\d+)</a>.*?</tr>", page, re.S)
    last = r'<td>(?:<span class="badge[^>]*>(\w+)</span>[^<]*|(never))</td>\s*</tr>'
    cells = re.findall(last, page)
    return {url: badge or never for url, (badge, never) in zip(rows, cells, strict=True)}


def test_the_list_reads_the_last_deliveries_in_one_query_for_any_number_of_endpoints(
    db, client, auth
):
    _login_admin(db, auth)
    _endpoints_with_deliveries(db, 1, start=0)
    db.session.add(WebhookEndpoint(url="https://crm.example/hook/99", secret="s" * 20,
                                   events=["ask.placed"]))  # fmt: skip
    db.session.commit()
    two, _ = _listing(client)
    _endpoints_with_deliveries(db, 8, start=1)
    ten, page = _listing(client)
    assert ten == two
    badges = _last_badges(page)
    assert len(badges) == 10
    # The newest attempt decides: failed for the even endpoints, sent for the odd ones.
    assert {url: badge for url, badge in badges.items() if not url.endswith("/99")} == {
        f"https://crm.example/hook/{n}": "Failed" if n % 2 == 0 else "Sent" for n in range(9)
    }
    assert badges["https://crm.example/hook/99"] == "never"
