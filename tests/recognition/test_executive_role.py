"""The read-only executive role: created from the command line and the admin pages, mapped
from single sign-on, a home page of headline figures, a menu of what they may open, and no
way to change anything of the program."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.permissions import PERMISSIONS, STAFF, can
from portal.auth.sso import claim_role
from portal.extensions import db as _db
from tests.factories import UserFactory

# Reading permissions by their names (other areas add `<area>.view` for executives), plus
# the executive's own API tokens.
READ_SUFFIXES = (".view", ".browse", ".all")


def test_executive_holds_only_read_permissions():
    executive = UserFactory.build(role="executive")
    held = {name for name, roles in PERMISSIONS.items() if "executive" in roles}
    assert all(name.endswith(READ_SUFFIXES) for name in held - {"tokens.own"}), held
    assert {"reports.view", "recognition.view", "content.browse"} <= held
    assert "executive" not in STAFF
    for permission in ("requests.create", "program.manage", "advocates.view", "content.manage"):
        assert not can(executive, permission)


def test_create_user_makes_an_executive(db, runner):
    result = runner.invoke(
        args=["create-user", "--email", "ceo@corp.example", "--role", "executive", "--password",
              "correct horse battery"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created executive ceo@corp.example" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ceo@corp.example"))
    assert user.role == "executive"


def test_admins_can_give_the_executive_role(app, client, auth):
    with app.app_context():
        admin = UserFactory(role="admin")
        _db.session.commit()
        email = admin.email
    auth.login(email)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option value="executive">Executive</option>' in page
    response = client.post(
        "/admin/users/new",
        data={"email": "cfo@corp.example", "name": "Chief Financial", "role": "executive"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            _db.session.scalar(sa.select(User.role).where(User.email == "cfo@corp.example"))
            == "executive"
        )


def test_single_sign_on_maps_a_group_to_executive(app_factory):
    app = app_factory(OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP="leaders=executive, sales=requester")
    with app.app_context():
        assert claim_role({"groups": ["leaders"]}) == "executive"
        assert claim_role({"groups": ["sales", "leaders"]}) == "executive"


def test_an_executive_gets_the_headline_home_and_a_read_only_menu(app, client, auth):
    with app.app_context():
        executive = UserFactory(role="executive", name="Eve Exec")
        _db.session.commit()
        email = executive.email
    auth.login(email)
    page = client.get("/home").get_data(as_text=True)
    assert "Program at a glance" in page
    assert 'data-figure="influenced_revenue"' in page and 'data-figure="active"' in page
    assert 'href="/reports/"' in page and 'href="/recognition/"' in page
    for hidden in ("/requests/", "/advocates/", "/accounts/", "/program/", "Queue"):
        assert f'href="{hidden}"' not in page if hidden.startswith("/") else hidden not in page
    refused = ("/advocates/", "/accounts/", "/requests/new", "/home/asks",
               "/recognition/settings", "/admin/users/", "/program/content/")  # fmt: skip
    for path in refused:
        assert client.get(path).status_code == 403, path
    assert client.get("/reports/").status_code == 200
