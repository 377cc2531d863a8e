"""The program policy: every rule refuses with the field named and writes nothing; every
changed setting is audited; the page saves all sections together and shows errors at the
fields; the settings hub lists every settings page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.program import policy
from portal.program.models import ProgramSetting
from portal.program.service import DEFAULTS, get_setting, set_setting
from tests.factories import UserFactory
from tests.helpers import sign_in


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


def settings_written(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgramSetting))


def setting_events(db) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "setting.changed")
            .order_by(AuditEvent.id)
        )
    )


BAD = [
    # (change, the field named)
    ({"default_max_per_month": 5}, "default_max_per_month"),  # the quarter default is 4
    ({"default_max_per_quarter": 13}, "default_max_per_quarter"),  # the year default is 12
    ({"default_max_per_month": 3, "default_max_per_quarter": 2}, "default_max_per_quarter"),
    ({"default_max_per_month": -1}, "default_max_per_month"),
    ({"default_max_per_year": 51}, "default_max_per_year"),
    ({"default_max_per_year": None}, "default_max_per_year"),
    ({"default_min_days_between": 366}, "default_min_days_between"),
    ({"default_min_days_between": "two"}, "default_min_days_between"),
    ({"account_max_per_month": 9}, "account_max_per_month"),  # the quarter cap is 8
    ({"account_max_per_month": 5, "account_max_per_quarter": 3}, "account_max_per_quarter"),
    ({"account_max_per_quarter": 0}, "account_max_per_quarter"),
    ({"account_min_nps": -101}, "account_min_nps"),
    ({"account_min_nps": 101}, "account_min_nps"),
    ({"csm_veto_hours": 0}, "csm_veto_hours"),
    ({"csm_veto_hours": 169}, "csm_veto_hours"),
    ({"respond_within_days": 0}, "respond_within_days"),
    ({"respond_within_days": 61}, "respond_within_days"),
    ({"respond_within_days": 1}, "respond_within_days"),  # below the reminder's 2 days
    ({"respond_within_days": 4, "ask_reminder_days": 5}, "ask_reminder_days"),
    ({"ask_reminder_days": -1}, "ask_reminder_days"),
    ({"match_weights": {"industry": -1}}, "match_weights.industry"),
    ({"match_weights": {"product": 10.5}}, "match_weights.product"),
    ({"match_weights": {"region": 1.25}}, "match_weights.region"),
    ({"match_weights": {"segment": "high"}}, "match_weights.segment"),
    ({"match_weights": {"colour": 1}}, "match_weights.colour"),
    ({"match_weights": dict.fromkeys(policy.WEIGHT_KINDS, 0)}, "match_weights"),
    ({"match_weights": [1, 2]}, "match_weights"),
    ({"self_service_activity_types": ["quote", "skydiving"]}, "self_service_activity_types"),
    ({"points_by_activity": {"quote": -5}}, "points_by_activity.quote"),
    ({"points_by_activity": {"juggling": 5}}, "points_by_activity.juggling"),
    ({"points_expiry_months": 0}, "points_expiry_months"),
    ({"points_expiry_months": 121}, "points_expiry_months"),
    ({"program_name": "Champions\r\nBcc: victim@example.com"}, "program_name"),
    ({"program_name": "x" * 81}, "program_name"),
    ({"program_name": "<b>Champions</b>"}, "program_name"),
    ({"sender_name": "Team\nBcc: victim@example.com"}, "sender_name"),
    ({"sender_name": "Team <evil@example.com>"}, "sender_name"),
    ({"sender_name": "x" * 65}, "sender_name"),
    ({"terms_version": "2027-01"}, "terms_version"),  # not a policy setting
]


@pytest.mark.parametrize("change, field", BAD)
def test_each_rule_refuses_naming_the_field_and_writes_nothing(db, admin, change, field):
    right = {} if "points_expiry_months" in change else {"points_expiry_months": 12}
    with pytest.raises(ValidationFailed) as refused:
        policy.update_policy(admin, {**change, **right})
    assert field in refused.value.fields, refused.value.fields
    db.session.rollback()
    assert settings_written(db) == 0
    assert setting_events(db) == []


def test_one_wrong_value_keeps_every_right_one_out(db, admin):
    with pytest.raises(ValidationFailed) as refused:
        policy.update_policy(
            admin,
            {
                "program_name": "Globex Champions",
                "respond_within_days": 7,
                "match_weights": {"industry": 5, "language": -2},
                "account_min_nps": 500,
            },
        )
    assert set(refused.value.fields) == {"match_weights.language", "account_min_nps"}
    db.session.rollback()
    assert settings_written(db) == 0
    assert policy.program_name() == "Customer Advocate Program"


def test_each_changed_setting_is_audited_once_and_unchanged_ones_not(db, admin):
    changed = policy.update_policy(
        admin,
        {
            "program_name": "Globex Champions",
            "respond_within_days": 5,  # as it is
            "default_max_per_month": 6,  # past the quarter's 4, moved together
            "default_max_per_quarter": 10,
            "default_max_per_year": 30,
            "account_max_per_month": None,  # off
            "account_min_nps": 0,
            "csm_veto_hours": 24,
            "ask_reminder_days": 0,
            "match_weights": {"industry": 4.5},
            "self_service_activity_types": ["quote"],
            "points_expiry_months": None,  # as it is
        },
    )
    db.session.commit()
    expected = {
        "program_name", "default_max_per_month", "default_max_per_quarter",
        "default_max_per_year", "account_max_per_month", "account_min_nps", "csm_veto_hours",
        "ask_reminder_days", "match_weights", "self_service_activity_types",
    }  # fmt: skip
    assert set(changed) == expected
    events = setting_events(db)
    assert sorted(e.data["key"] for e in events) == sorted(expected)
    assert all(e.actor_id == admin.id for e in events)
    weights = next(e for e in events if e.data["key"] == "match_weights")
    assert weights.data["from"] == DEFAULTS["match_weights"]
    assert weights.data["to"] == {**DEFAULTS["match_weights"], "industry": 4.5}
    assert get_setting("account_max_per_month") is None
    assert policy.ask_reminder_days() == 0
    assert policy.program_name() == "Globex Champions"
    assert policy.update_policy(admin, {"respond_within_days": 5}) == {}


def test_blank_values_switch_optional_rules_off_or_back_to_the_default(db, admin):
    policy.update_policy(admin, {"program_name": "Globex", "ask_reminder_days": 1})
    policy.update_policy(
        admin,
        {"program_name": "", "ask_reminder_days": None, "account_max_per_quarter": None},
    )
    assert policy.program_name() == "Customer Advocate Program"
    assert policy.ask_reminder_days() == 2  # the configured ASK_REMINDER_DAYS
    assert get_setting("account_max_per_quarter") is None


def test_only_administrators_change_the_policy(db):
    for role in ("manager", "csm", "requester", "advocate"):
        with pytest.raises(Forbidden):
            policy.update_policy(UserFactory(role=role), {"respond_within_days": 6})
        with pytest.raises(Forbidden):
            policy.read_policy(UserFactory(role=role))
    assert settings_written(db) == 0


def test_the_sender_name_goes_with_the_configured_address(app_factory):
    app = app_factory(MAIL_FROM="Advocate Portal <refs@portal.example.com>")
    with app.app_context():
        from portal.extensions import db

        assert policy.mail_from() == "Advocate Portal <refs@portal.example.com>"
        policy.update_policy(UserFactory(role="admin"), {"sender_name": "Globex, References"})
        assert policy.mail_from() == '"Globex, References" <refs@portal.example.com>'
        db.session.rollback()


# -- the pages ----------------------------------------------------------------------------------


def form(**changes) -> dict:
    """The policy page's fields as they are by default, with `changes`."""
    data = {
        "program_name": "",
        "sender_name": "",
        "default_max_per_month": "2",
        "default_max_per_quarter": "4",
        "default_max_per_year": "12",
        "default_min_days_between": "14",
        "account_max_per_month": "4",
        "account_max_per_quarter": "8",
        "account_min_nps": "",
        "csm_veto_hours": "",
        "respond_within_days": "5",
        "ask_reminder_days": "",
        "self_service_activity_types": ["peer_review", "quote"],
        "points_expiry_months": "",
        **{f"weight_{k}": str(v) for k, v in DEFAULTS["match_weights"].items()},
    }
    data.update(changes)
    return data


def test_the_hub_lists_every_settings_page_and_the_menu_leads_there(db, client, auth):
    sign_in(db, auth, role="admin")
    page = client.get("/admin/settings/").get_data(as_text=True)
    for path in ("/admin/settings/program", "/admin/settings/points", "/admin/settings/chat",
                 "/admin/settings/security"):  # fmt: skip
        assert f'href="{path}"' in page
    home = client.get("/admin/settings/program").get_data(as_text=True)
    assert 'href="/admin/settings/"' in home


def test_the_page_saves_every_section_together(db, client, auth):
    admin = sign_in(db, auth, role="admin")
    assert client.get("/admin/settings/program").status_code == 200
    response = client.post(
        "/admin/settings/program",
        data=form(
            program_name="Globex Champions",
            sender_name="Globex References",
            default_max_per_month="3",
            account_min_nps="10",
            csm_veto_hours="48",
            respond_within_days="7",
            ask_reminder_days="3",
            weight_language="2.5",
            self_service_activity_types=["quote", "social_post"],
            points_expiry_months="24",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert get_setting("program_name") == "Globex Champions"
    assert get_setting("sender_name") == "Globex References"
    assert get_setting("default_max_per_month") == 3
    assert get_setting("account_min_nps") == 10
    assert get_setting("csm_veto_hours") == 48
    assert get_setting("respond_within_days") == 7
    assert get_setting("ask_reminder_days") == 3
    assert get_setting("match_weights")["language"] == 2.5
    assert get_setting("self_service_activity_types") == ["quote", "social_post"]
    assert get_setting("points_expiry_months") == 24
    assert len(setting_events(db)) == 10
    assert {e.actor_id for e in setting_events(db)} == {admin.id}
    page = client.get("/admin/settings/program").get_data(as_text=True)
    assert 'value="Globex Champions"' in page and 'value="2.5"' in page


def test_bad_values_are_shown_at_their_fields_with_422_and_nothing_saved(db, client, auth):
    sign_in(db, auth, role="admin")
    response = client.post(
        "/admin/settings/program",
        data=form(
            program_name="Globex Champions",
            default_max_per_month="9",
            account_max_per_month="many",
            weight_industry="-1",
            respond_within_days="2",
            ask_reminder_days="3",
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("default_max_per_month", "account_max_per_month", "weight_industry",
                  "ask_reminder_days"):  # fmt: skip
        assert f'id="{field}-error"' in page, field
    assert 'id="form-errors"' in page
    assert 'value="Globex Champions"' in page  # values are kept
    db.session.expire_all()
    assert settings_written(db) == 0
    assert setting_events(db) == []


def test_all_weights_zero_is_refused_on_the_page(db, client, auth):
    sign_in(db, auth, role="admin")
    zero = {f"weight_{k}": "0" for k in policy.WEIGHT_KINDS}
    response = client.post("/admin/settings/program", data=form(**zero))
    assert response.status_code == 422
    assert "At least one weight must be above 0" in response.get_data(as_text=True)
    assert settings_written(db) == 0


def test_managers_may_not_see_the_policy_page(db, client, auth):
    sign_in(db, auth, role="manager")
    assert client.get("/admin/settings/").status_code == 403
    assert client.get("/admin/settings/program").status_code == 403
    assert client.post("/admin/settings/program", data=form(program_name="X")).status_code == 403
    assert settings_written(db) == 0


def test_set_setting_forgets_the_name_read_earlier_in_the_request(db, admin):
    assert policy.program_name() == "Customer Advocate Program"
    set_setting(admin, "program_name", "Initech Voices")
    assert policy.program_name() == "Initech Voices"
