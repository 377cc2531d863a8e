"""The content library: approval and its expiry, search with facets, suggestions, logged uses
with limits, and uploads refused for size, type or content."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.audit.models import AuditEvent
from portal.content.approval import lapsed_count, warn_expiring
from portal.content.assets import create_asset, get_asset
from portal.content.files import Upload
from portal.content.models import ContentAsset, ContentTag, ContentUse
from portal.content.search import Search, facet_counts, search_query
from portal.content.suggestions import suggestions
from portal.content.uses import UseRefused, log_use, unused_query, use_stats
from portal.errors import NotFound, ValidationFailed
from portal.notifications.models import OutboxMessage
from tests.factories import AccountFactory, ReferenceRequestFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def asset_data(**overrides):
    data = {
        "kind": "case_study",
        "title": "How Nordbank cut fraud losses",
        "url": "https://www.example.com/nordbank",
        "summary": "Nordbank moved card payments in six weeks.",
        "stages": ["middle"],
        "industries": ["banking"],
        "products": ["payments"],
        "use_cases": ["fraud_detection"],
        "regions": ["emea"],
        "approval_status": "customer_approved",
        "approved_by_customer": "Jana Novak, CFO",
        "approved_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", email="mgr@example.com")


@pytest.fixture
def requester(db):
    return UserFactory(role="requester", team="sales", email="rep@example.com")


def test_create_approved_asset_indexes_tags_and_audits(db, manager):
    asset = create_asset(manager, asset_data())
    db.session.commit()
    tags = set(
        db.session.execute(
            sa.select(ContentTag.kind, ContentTag.value).where(ContentTag.asset_id == asset.id)
        ).all()
    )
    assert ("industry", "banking") in tags and ("kind", "case_study") in tags
    assert ("stage", "middle") in tags and ("region", "emea") in tags
    assert asset.approved_on == dt.date.today()
    assert "fraud detection" in asset.search_text
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "content.created").order_by(AuditEvent.id)
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"approved_until": "2020-01-01"}, "approved_until"),
        ({"approved_by_customer": ""}, "approved_by_customer"),
        ({"url": "", "title": "No link"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"industries": ["astrology"]}, "industries"),
        ({"use_limit": 0}, "use_limit"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_asset_input_is_refused_and_nothing_written(db, manager, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        create_asset(manager, asset_data(**overrides))
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ContentAsset.id))) == 0


def test_lapsed_approval_hides_the_asset_and_warns_30_days_ahead(db, manager, requester):
    with freeze_time("2027-01-01 09:00:00"):
        asset = create_asset(manager, asset_data(approved_until="2027-03-31"))
        db.session.commit()
        assert warn_expiring() == 0
    with freeze_time("2027-03-02 09:00:00"):  # 29 days ahead: warned once
        assert warn_expiring() == 1
        assert warn_expiring() == 0
        db.session.commit()
        mail = db.session.scalar(sa.select(OutboxMessage))
        assert mail.recipient == "mgr@example.com" and "29 days" in mail.body_text
        assert get_asset(requester, asset.id) is asset
    with freeze_time("2027-04-01 09:00:00"):  # the day after approved_until
        with pytest.raises(NotFound):
            get_asset(requester, asset.id)
        found = db.session.scalars(search_query(requester, Search())).all()
        assert found == []
        assert get_asset(manager, asset.id) is asset  # the manager still sees it
        assert lapsed_count() == 1


def test_search_words_and_facets_with_counts(db, manager, requester):
    create_asset(manager, asset_data())
    create_asset(
        manager,
        asset_data(
            title="Insurer onboards faster",
            kind="video",
            industries=["insurance"],
            use_cases=["customer_onboarding"],
            summary="Claims in minutes.",
        ),
    )
    create_asset(manager, asset_data(title="Draft story", approval_status="draft"))
    db.session.commit()

    everything = search_query(requester, Search())
    assert len(db.session.scalars(everything).all()) == 2  # the draft is not shown
    facets = facet_counts(everything)
    assert dict(facets["industry"]) == {"banking": 1, "insurance": 1}
    assert dict(facets["product"]) == {"payments": 2}
    assert dict(facets["kind"]) == {"case_study": 1, "video": 1}

    words = search_query(requester, Search(q="FRAUD nordbank"))
    assert [a.title for a in db.session.scalars(words)] == ["How Nordbank cut fraud losses"]
    by_tag = search_query(requester, Search(facets={"industry": "insurance"}))
    assert [a.title for a in db.session.scalars(by_tag)] == ["Insurer onboards faster"]
    assert db.session.scalars(search_query(requester, Search(q="100%"))).all() == []


def test_unknown_search_filters_are_refused(app, client, auth, db, requester):
    db.session.commit()
    auth.login(requester.email)
    assert client.get("/content/?colour=red").status_code == 422
    assert "Unknown filter" in client.get("/content/?colour=red").get_data(as_text=True)
    assert client.get("/content/?industry=<b>").status_code == 422
    assert client.get("/content/?industry=banking&q=fraud").status_code == 200


def test_suggestions_rank_by_industry_product_and_stage(db, manager, requester):
    best = create_asset(manager, asset_data(title="Banking payments, late", stages=["late"]))
    create_asset(
        manager, asset_data(title="Insurance analytics", industries=["insurance"], products=[])
    )
    create_asset(
        manager,
        asset_data(title="Banking only", products=["analytics"], stages=["early"], use_cases=[]),
    )
    request = ReferenceRequestFactory(
        requester=requester,
        criteria={"industries": ["banking"], "products": ["payments"]},
        opportunity_stage="Negotiation",
        opportunity_crm_id="006A",
    )
    db.session.commit()
    ranked = suggestions(request)
    assert ranked[0][0].id == best.id
    assert ranked[0][1] == 3 + 2 + 1  # industry, product, late stage
    assert [a.title for a, _ in ranked] == [
        "Banking payments, late",
        "Banking only",
    ]


def test_use_is_logged_with_opportunity_and_limit_holds(db, manager, requester):
    asset = create_asset(manager, asset_data(use_limit=2))
    request = ReferenceRequestFactory(requester=requester, opportunity_crm_id="006XYZ")
    other = ReferenceRequestFactory(opportunity_crm_id="006OTHER")
    db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        log_use(requester, asset.id, {"action": "open_link"})
    assert "request_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        log_use(requester, asset.id, {"action": "open_link", "request_id": other.id})
    assert "request_id" in refused.value.fields
    db.session.rollback()

    use = log_use(requester, asset.id, {"action": "open_link", "request_id": request.id})
    log_use(requester, asset.id, {"action": "open_link", "opportunity_crm_id": "006B"})
    db.session.commit()
    assert use.opportunity_crm_id == "006XYZ" and use.user_id == requester.id
    stats = use_stats([asset.id])[asset.id]
    assert stats.count == 2 and stats.last_used_at is not None
    # The limit is used up: requesters no longer find it, and any further use is refused.
    with pytest.raises(NotFound):
        get_asset(requester, asset.id)
    with pytest.raises(UseRefused):
        log_use(requester, asset.id, {"action": "open_link", "opportunity_crm_id": "X"})
    with pytest.raises(UseRefused):
        log_use(manager, asset.id, {"action": "open_link", "opportunity_crm_id": "X"})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ContentUse.id))) == 2


def test_unused_assets_are_listed_for_the_manager(db, manager, requester):
    used = create_asset(manager, asset_data(title="Used one"))
    create_asset(manager, asset_data(title="Never used"))
    db.session.commit()
    log_use(requester, used.id, {"action": "open_link", "opportunity_crm_id": "006"})
    db.session.commit()
    assert [a.title for a in db.session.scalars(unused_query())] == ["Never used"]


# Uploads -----------------------------------------------------------------------------------


def _post_new(client, **files):
    data = {
        key: value
        for key, value in asset_data(url="").items()
        if key not in ("stages", "industries", "products", "use_cases", "regions")
    }
    data.update(files)
    return client.post("/program/content/new", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("story.exe", b"MZ\x90\x00", "Upload a PDF or an image"),
        ("story.html", b"<html><script>alert(1)</script>", "Upload a PDF or an image"),
        ("story.pdf", b"<html><script>alert(1)</script>", "not a PDF file"),
        ("photo.png", PDF, "not a PNG file"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_upload_refused_for_type_or_content(app, client, auth, db, manager, name, content, why):
    db.session.commit()
    auth.login(manager.email)
    response = _post_new(client, file=(io.BytesIO(content), name))
    assert response.status_code == 422
    assert why in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ContentAsset.id))) == 0


def test_upload_too_large_is_refused(app_factory, tmp_path):
    from portal.extensions import db as _db

    app = app_factory(CONTENT_MAX_UPLOAD_BYTES=1024, UPLOAD_DIR=str(tmp_path))
    with app.app_context():
        manager = UserFactory(role="manager")
        _db.session.commit()
        with pytest.raises(ValidationFailed) as refused:
            create_asset(manager, asset_data(url=""), Upload("big.pdf", PDF + b"x" * 2000))
        assert "larger than" in refused.value.fields["file"]
        assert not list(tmp_path.rglob("*.pdf"))


def test_uploaded_file_is_stored_under_a_new_name_and_downloaded_as_attachment(
    app_factory, tmp_path
):
    from portal.extensions import db as _db
    from tests.conftest import AuthActions

    app = app_factory(UPLOAD_DIR=str(tmp_path))
    with app.app_context():
        UserFactory(role="manager", email="m@example.com")
        requester_id = UserFactory(role="requester", email="r@example.com").id
        AccountFactory()
        _db.session.commit()
    client = app.test_client()
    AuthActions(client).login("m@example.com")
    response = _post_new(client, file=(io.BytesIO(PDF), "../../etc/Fall story <1>.pdf"))
    assert response.status_code == 302
    with app.app_context():
        asset = _db.session.scalar(sa.select(ContentAsset))
        assert asset.file_name == "Fall-story-1-.pdf"
        assert asset.file_type == "application/pdf"
        stored = list((tmp_path / "content").iterdir())
        assert [p.name for p in stored] == [asset.file_key] and asset.file_key.endswith(".pdf")
        asset_id = asset.id
    AuthActions(client).logout()
    AuthActions(client).login("r@example.com")
    download = client.post(
        f"/content/{asset_id}/use", data={"action": "download", "opportunity_crm_id": "006Q"}
    )
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Fall-story-1-.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    assert download.data == PDF
    download.close()
    with app.app_context():
        use = _db.session.scalar(sa.select(ContentUse))
        assert use.action == "download" and use.opportunity_crm_id == "006Q"
        assert use.user_id == requester_id


def test_requester_library_page_and_use_redirects_to_link(app, client, auth, db, manager):
    asset = create_asset(manager, asset_data())
    rep = UserFactory(role="requester", email="rep2@example.com")
    request = ReferenceRequestFactory(requester=rep, opportunity_crm_id="006R")
    db.session.commit()
    auth.login(rep.email)
    page = client.get("/content/?industry=banking").get_data(as_text=True)
    assert "How Nordbank cut fraud losses" in page and "Banking (1)" in page
    assert client.get(f"/content/for-request/{request.id}").status_code == 200
    opened = client.post(
        f"/content/{asset.id}/use", data={"action": "open_link", "request_id": str(request.id)}
    )
    assert opened.status_code == 302
    assert opened.headers["Location"] == "https://www.example.com/nordbank"


def test_warn_expiring_content_command(app, runner, db, manager):
    create_asset(
        manager,
        asset_data(approved_until=(dt.date.today() + dt.timedelta(days=10)).isoformat()),
    )
    db.session.commit()
    result = runner.invoke(args=["warn-expiring-content"])
    assert result.exit_code == 0 and "Warned about 1 approval" in result.output
    again = runner.invoke(args=["warn-expiring-content"])
    assert "Warned about 0 approvals" in again.output


def test_copy_link_logs_the_use_and_shows_the_link(app, client, auth, db, manager):
    asset = create_asset(manager, asset_data())
    rep = UserFactory(role="requester", email="rep3@example.com")
    db.session.commit()
    auth.login(rep.email)
    copied = client.post(
        f"/content/{asset.id}/use",
        data={"action": "copy_link", "opportunity_crm_id": "006C"},
        follow_redirects=True,
    )
    page = copied.get_data(as_text=True)
    assert "Use logged" in page and 'value="https://www.example.com/nordbank"' in page
    use = db.session.scalar(sa.select(ContentUse))
    assert use.action == "copy_link" and use.opportunity_crm_id == "006C"
