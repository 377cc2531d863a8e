"""The match weights' preview: a sample request's top matches with candidate weights, beside
the ranking in force, from the real matching; nothing is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.program.models import ProgramSetting
from portal.program.preview import preview_weights
from portal.program.service import DEFAULTS, get_setting
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
)
from tests.helpers import count, sign_in
from tests.program.test_policy import form

# Industry and product weigh 3 each by default: the two candidates tie, the lower id first.
PRODUCT_FIRST = {"industry": 0.5, "product": 5}


@pytest.fixture
def sample(db):
    banker = AdvocateFactory(
        name="Bea Banker",
        account=AccountFactory(industry="banking", products=["payments"]),
        products=["payments"],
    )
    analyst = AdvocateFactory(
        name="Andy Analyst",
        account=AccountFactory(industry="insurance", products=["analytics"]),
        products=["analytics"],
    )
    request = ReferenceRequestFactory(
        criteria={"industries": ["banking"], "products": ["analytics"]}
    )
    db.session.commit()
    return request, banker, analyst


def nothing_saved(db) -> bool:
    written = count(db, ProgramSetting)
    audited = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "setting.changed")
    )
    return (
        written == 0 and audited == 0 and get_setting("match_weights") == DEFAULTS["match_weights"]
    )


def test_candidate_weights_change_the_order_without_saving_anything(db, sample):
    request, banker, analyst = sample
    admin = UserFactory(role="admin")
    same = preview_weights(admin, request.id, {})
    assert [row.advocate.id for row in same.rows] == [banker.id, analyst.id]
    assert not same.changed
    shown = preview_weights(admin, request.id, PRODUCT_FIRST)
    assert [row.advocate.id for row in shown.rows] == [analyst.id, banker.id]
    assert shown.changed
    first, second = shown.rows
    assert (first.rank, first.was_rank, first.moved) == (1, 2, 1)
    assert (second.rank, second.was_rank, second.moved) == (2, 1, -1)
    assert first.score > first.was_score
    db.session.commit()
    assert nothing_saved(db)


def test_bad_candidate_weights_or_requests_are_refused(db, sample):
    request, _, _ = sample
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as refused:
        preview_weights(admin, request.id, {"industry": -1, "product": 11})
    assert set(refused.value.fields) == {"match_weights.industry", "match_weights.product"}
    for bad in (None, "zz", 2**40, 999_999):
        with pytest.raises(NotFound):
            preview_weights(admin, bad, {})
    with pytest.raises(Forbidden):
        preview_weights(UserFactory(role="manager"), request.id, {})


def test_the_preview_fragment_shows_the_new_order(db, client, auth, sample):
    request, banker, analyst = sample
    sign_in(db, auth, role="admin")
    response = client.get(
        f"/admin/settings/program/preview?request_id={request.id}&industry=0.5&product=5"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Andy Analyst") < html.index("Bea Banker")
    assert "the ranking changes" in html and "up 1" in html
    bad = client.get(f"/admin/settings/program/preview?request_id={request.id}&industry=-1")
    assert bad.status_code == 422
    assert "Must be from 0 to 10" in bad.get_data(as_text=True)
    assert client.get("/admin/settings/program/preview?request_id=zz").status_code == 404
    db.session.expire_all()
    assert nothing_saved(db)


def test_the_preview_button_works_without_javascript_and_saves_nothing(db, client, auth, sample):
    request, banker, analyst = sample
    sign_in(db, auth, role="admin")
    page = client.get("/admin/settings/program").get_data(as_text=True)
    assert 'src="/static/js/program_policy.js"' in page
    assert 'id="weights-preview"' in page and "Bea Banker" in page  # the sample, as it is
    response = client.post(
        "/admin/settings/program",
        data=form(
            preview="1",
            sample_request=str(request.id),
            weight_industry="0.5",
            weight_product="5",
            program_name="Not saved",
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    preview = html[html.index('id="weights-preview"') :]
    assert preview.index("Andy Analyst") < preview.index("Bea Banker")
    assert 'value="0.5"' in html  # the weights stay in the form
    db.session.expire_all()
    assert nothing_saved(db)
