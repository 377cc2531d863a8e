"""Custom fields: administrators define them (audited), one check guards the values on accounts
and advocates, retired fields and terms stay readable, matching ranks by them with a reason, and
a taxonomy merge moves their values."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import portal.models  # noqa: F401  (every model mapped before the services import)
from portal.accounts import service as accounts
from portal.advocates import privacy
from portal.advocates import service as advocates
from portal.asks import matching, requests
from portal.asks.eligibility_row import eligibility_of
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.program import custom_field_values, custom_fields, taxonomy, taxonomy_merge
from portal.program.models import TaxonomyTerm
from portal.program.service import set_setting
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.program.custom_field_helpers import add_fields


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


def events(db, action):
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def new_advocate(account, **extra) -> dict:
    return {"account_id": account.id, "name": "Ada Lovelace", "email": "ada@bank.example", **extra}


# Definitions ----------------------------------------------------------------


def test_admin_adds_a_choice_field_with_its_key_made_from_the_label_and_audited(db, admin):
    choice, number, date, text = add_fields(admin)
    assert (choice.key, choice.type, choice.taxonomy_kind) == (
        "job_function",
        "choice",
        "job_function",
    )
    assert (number.key, date.key, text.key) == ("team_size", "met_on", "hobby")
    assert [f.position for f in custom_fields.definitions("advocate")] == [1, 2, 3, 4]
    added = events(db, "custom_field.added")
    assert len(added) == 4 and added[0].data["key"] == "job_function"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"entity": "advocate", "label": "Job function", "type": "choice"}, "taxonomy_kind"),
        (
            {"entity": "advocate", "label": "Size", "type": "number", "match_criterion": True},
            "match_criterion",
        ),
        (
            {"entity": "advocate", "label": "Size", "type": "number", "taxonomy_kind": "industry"},
            "taxonomy_kind",
        ),
        ({"entity": "advocate", "label": "Email", "type": "text"}, "label"),  # a built-in name
        ({"entity": "advocate", "key": "9lives", "label": "Lives", "type": "text"}, "key"),
        ({"entity": "contact", "label": "Lives", "type": "text"}, "entity"),
        ({"entity": "advocate", "label": "Lives", "type": "colour"}, "type"),
        ({"entity": "advocate", "label": "Lives", "type": "text", "required": "yes"}, "required"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_field_and_nothing_is_written(
    db, admin, data, field
):
    with pytest.raises(ValidationFailed) as refused:
        custom_fields.add_field(admin, data)
    assert field in refused.value.fields
    db.session.rollback()
    assert custom_fields.definitions() == []


def test_a_key_is_unique_per_entity_but_may_repeat_across_entities(db, admin):
    custom_fields.add_field(admin, {"entity": "advocate", "label": "Hobby", "type": "text"})
    custom_fields.add_field(admin, {"entity": "account", "label": "Hobby", "type": "text"})
    with pytest.raises(ValidationFailed) as refused:
        custom_fields.add_field(admin, {"entity": "advocate", "label": "Hobby", "type": "text"})
    assert "label" in refused.value.fields


def test_only_administrators_define_fields(db, manager):
    with pytest.raises(Forbidden):
        custom_fields.add_field(manager, {"entity": "advocate", "label": "Hobby", "type": "text"})


def test_the_key_type_and_options_never_change_but_the_label_and_flags_do(db, admin):
    choice, *_ = add_fields(admin)
    with pytest.raises(ValidationFailed) as refused:
        custom_fields.update_field(admin, choice, {"key": "role", "type": "text"})
    assert set(refused.value.fields) == {"key", "type"}
    changed = custom_fields.update_field(admin, choice, {"label": "Function", "required": True})
    assert changed == {"label": ["Job function", "Function"], "required": [False, True]}
    assert events(db, "custom_field.updated")[0].data["label"] == ["Job function", "Function"]


# Values ----------------------------------------------------------------


def test_values_are_stored_typed_on_create_and_merged_on_update(db, admin, manager):
    add_fields(admin)
    account = AccountFactory()
    advocate = advocates.create_advocate(
        manager,
        new_advocate(
            account,
            custom_fields={"job_function": "cio", "team_size": 12.0, "met_on": "2026-03-01"},
        ),
    )
    db.session.commit()
    assert advocate.custom_fields == {
        "job_function": "cio",
        "team_size": 12,
        "met_on": "2026-03-01",
    }
    changed = advocates.update_advocate(
        manager, advocate, {"custom_fields": {"hobby": "Sailing", "team_size": None}}
    )
    db.session.commit()
    assert advocate.custom_fields == {
        "job_function": "cio",
        "met_on": "2026-03-01",
        "hobby": "Sailing",
    }
    assert "custom_fields" in changed
    assert events(db, "advocate.updated")[-1].data["custom_fields"][1]["hobby"] == "Sailing"


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"job_function": "ceo"}, "Unknown value ceo"),
        ({"job_function": ["cio"]}, "Must be one of"),
        ({"team_size": "twelve"}, "Must be a number"),
        ({"team_size": True}, "Must be a number"),
        ({"met_on": "01/03/2026"}, "Use a date like"),
        ({"hobby": "<script>x</script>"}, "plain text"),
        ({"shoe_size": 42}, "Unknown field"),
    ],
)
def test_a_bad_value_is_refused_naming_custom_fields_key_and_nothing_is_written(
    db, admin, manager, values, why
):
    add_fields(admin)
    account = AccountFactory()
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        advocates.create_advocate(manager, new_advocate(account, custom_fields=values))
    key = next(iter(values))
    assert why in refused.value.fields[f"custom_fields.{key}"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(advocates.Advocate)) == 0


def test_a_required_field_is_needed_on_create_and_can_not_be_cleared(db, admin, manager):
    choice, *_ = add_fields(admin, entity="account")
    custom_fields.update_field(admin, choice, {"required": True})
    data = {"name": "Nordbank", "industry": "banking", "segment": "enterprise", "region": "emea"}
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_account(manager, data)
    # Every bad field at once: the built-in ones and the custom ones.
    with pytest.raises(ValidationFailed) as both:
        accounts.create_account(manager, {**data, "name": ""})
    assert set(both.value.fields) == {"name", "custom_fields.job_function"}
    assert refused.value.fields == {"custom_fields.job_function": "This field is required."}
    account = accounts.create_account(manager, {**data, "custom_fields": {"job_function": "cto"}})
    db.session.commit()
    with pytest.raises(ValidationFailed):
        accounts.update_account(manager, account, {"custom_fields": {"job_function": ""}})
    # Other changes don't need the custom values sent again.
    accounts.update_account(manager, account, {"notes": "Renewal in March."})
    assert account.custom_fields == {"job_function": "cto"}


def test_a_retired_field_leaves_forms_but_its_value_stays_readable_and_unchanged(
    db, admin, manager
):
    choice, number, *_ = add_fields(admin)
    advocate = AdvocateFactory(custom_fields={"job_function": "cio", "team_size": 5})
    db.session.commit()
    custom_fields.update_field(admin, number, {"active": False})
    db.session.commit()
    assert events(db, "custom_field.retired")
    assert [f.key for f in custom_fields.definitions("advocate", active_only=True)] == [
        "job_function",
        "met_on",
        "hobby",
    ]
    shown = custom_field_values.Shown("advocate").rows(advocate.custom_fields)
    assert ("Team size", "5", True) in shown
    # Sending the stored value back is fine; a new one is refused.
    advocates.update_advocate(manager, advocate, {"custom_fields": {"team_size": 5}})
    with pytest.raises(ValidationFailed) as refused:
        advocates.update_advocate(manager, advocate, {"custom_fields": {"team_size": 6}})
    assert "retired" in refused.value.fields["custom_fields.team_size"]
    db.session.rollback()
    assert advocate.custom_fields["team_size"] == 5


def test_a_retired_term_stays_while_unchanged_but_is_not_offered_anew(db, admin, manager):
    add_fields(admin)
    advocate = AdvocateFactory(custom_fields={"job_function": "ciso"})
    db.session.execute(
        sa.update(TaxonomyTerm).where(TaxonomyTerm.value == "ciso").values(active=False)
    )
    db.session.commit()
    advocates.update_advocate(manager, advocate, {"custom_fields": {"job_function": "ciso"}})
    other = AdvocateFactory()
    with pytest.raises(ValidationFailed):
        advocates.update_advocate(manager, other, {"custom_fields": {"job_function": "ciso"}})


def test_a_multiple_choice_takes_a_list_and_a_form_may_send_labels(db, admin):
    add_fields(admin, multiple=True)
    values = custom_field_values.check_values("advocate", {"job_function": ["cto", "cio", "cto"]})
    assert values == {"job_function": ["cto", "cio"]}
    typed = custom_field_values.check_values(
        "advocate", {"job_function": "CIO|ciso", "team_size": "1,200"}, text=True
    )
    assert typed == {"job_function": ["cio", "ciso"], "team_size": 1200}


# Matching ----------------------------------------------------------------


def test_a_requested_custom_value_ranks_the_advocate_who_has_it_first_and_says_why(db, admin):
    add_fields(admin)
    plain = AdvocateFactory(custom_fields={"job_function": "cto"})  # first: wins ties by id
    fitting = AdvocateFactory(custom_fields={"job_function": "cio"})
    request = ReferenceRequestFactory(criteria={"custom": {"job_function": ["cio"]}})
    db.session.commit()
    assert eligibility_of(fitting.id).crit_custom == "|job_function=cio|"
    result = matching.match(request, 10)
    assert [m.advocate for m in result.matches] == [fitting, plain]
    top, other = result.matches
    assert "Job function: CIO" in top.reasons
    assert not any(r.startswith("Job function") for r in other.reasons)
    assert top.relevance - other.relevance == 2  # match_weights "custom", by default 2


def test_an_account_field_counts_for_its_advocates_and_the_weight_is_a_setting(db, admin):
    add_fields(admin, entity="account")
    plain = AdvocateFactory()
    fitting = AdvocateFactory(account=AccountFactory(custom_fields={"job_function": "cio"}))
    request = ReferenceRequestFactory(criteria={"custom": {"job_function": ["cio", "cto"]}})
    db.session.commit()
    assert [m.advocate for m in matching.match(request, 10).matches] == [fitting, plain]
    set_setting(admin, "match_weights", {"industry": 3, "custom": 5})
    top = matching.match(request, 10).matches[0]
    assert top.relevance == 5
    # A field no longer used in matching counts for nothing, in old requests too.
    field = next(f for f in custom_fields.definitions("account") if f.key == "job_function")
    custom_fields.update_field(admin, field, {"match_criterion": False})
    assert all(m.relevance == 0 for m in matching.match(request, 10).matches)


def test_changing_a_value_updates_matching_at_once(db, admin, manager):
    add_fields(admin)
    advocate = AdvocateFactory()
    db.session.commit()
    assert eligibility_of(advocate.id).crit_custom == ""
    advocates.update_advocate(manager, advocate, {"custom_fields": {"job_function": "ciso"}})
    db.session.commit()
    assert eligibility_of(advocate.id).crit_custom == "|job_function=ciso|"


def test_request_criteria_name_only_custom_fields_used_in_matching(db, admin):
    choice, number, *_ = add_fields(admin)
    requester = UserFactory(role="requester")
    base = ReferenceRequestFactory.build(requester=requester)
    data = {
        "activity_type": "reference_call",
        "needed_by": base.needed_by.isoformat(),
        "advocates_needed": 1,
        "criteria": {"custom": {"job_function": ["ceo"], "team_size": ["5"]}},
    }
    with pytest.raises(ValidationFailed) as refused:
        requests.check_request_data(data)
    assert set(refused.value.fields) == {
        "criteria.custom.job_function",
        "criteria.custom.team_size",
    }
    data["criteria"] = {"custom": {"job_function": ["cio"]}}
    assert requests.check_request_data(data)["criteria"] == {"custom": {"job_function": ["cio"]}}
    custom_fields.update_field(admin, choice, {"match_criterion": False})
    with pytest.raises(ValidationFailed):
        requests.check_request_data(data)


# Taxonomy merges ----------------------------------------------------------------


def test_merging_terms_moves_custom_values_of_that_taxonomy(db, admin):
    add_fields(admin)
    add = custom_fields.add_field
    add(
        admin,
        {
            "entity": "account",
            "label": "Buyer",
            "type": "choice",
            "taxonomy_kind": "job_function",
            "multiple": True,
        },
    )
    advocate = AdvocateFactory(
        custom_fields={"job_function": "ciso"},
        account=AccountFactory(custom_fields={"buyer": ["ciso", "cio"]}),
    )
    untouched = AdvocateFactory(custom_fields={"hobby": "ciso", "job_function": "cto"})
    request = ReferenceRequestFactory(criteria={"custom": {"job_function": ["ciso", "cto"]}})
    db.session.commit()
    terms = {t.value: t.id for t in taxonomy.terms("job_function")}
    counts = taxonomy_merge.merge_terms(admin, "job_function", terms["ciso"], terms["cio"])
    db.session.commit()
    assert counts["other"] == 3  # the advocate, the account and the request
    assert request.criteria == {"custom": {"job_function": ["cio", "cto"]}}
    assert advocate.custom_fields == {"job_function": "cio"}
    assert advocate.account.custom_fields == {"buyer": ["cio"]}
    assert untouched.custom_fields == {"hobby": "ciso", "job_function": "cto"}
    assert eligibility_of(advocate.id).crit_custom == "|buyer=cio|job_function=cio|"


# Data rights ----------------------------------------------------------------------------------


def test_an_advocates_data_export_holds_their_custom_values_and_erasure_clears_them(
    db, admin, manager
):
    add_fields(admin)
    advocate, user = advocate_with_login(custom_fields={"job_function": "cio", "hobby": "Chess"})
    exported = privacy.export_data(user, advocate)
    assert exported["profile"]["custom_fields"] == {"job_function": "cio", "hobby": "Chess"}
    privacy.request_erasure(user, advocate)
    privacy.confirm_erasure(manager, advocate)
    db.session.commit()
    assert advocate.custom_fields == {}
    assert eligibility_of(advocate.id).crit_custom == ""
