"""Admin pages for users and partner organizations, and the `rollcall users create` command."""

from __future__ import annotations

import json
import re
from typing import Any

from portal.cli import main
from tests.portal.accounts_support import (
    PASSWORD,
    create_user,
    last_file_email,
    log_in,
    submit,
    user_row,
)


def _admin(app: Any) -> Any:
    create_user(app, "admin@example.org", role="admin")
    client = app.test_client()
    log_in(client, "admin@example.org")
    return client


def test_search_users_by_email_or_name(app: Any) -> None:
    client = _admin(app)
    create_user(app, "jordan@springfield.example.org")
    create_user(app, "casey@shelbyville.example.org")
    html = client.get("/admin/users/?q=SPRINGFIELD").get_data(as_text=True)
    assert "jordan@springfield.example.org" in html and "casey@shelbyville.example.org" not in html
    html = client.get("/admin/users/?q=Sam casey").get_data(as_text=True)  # create_user names people "Sam <local part>"
    assert "casey@shelbyville.example.org" in html and "jordan@" not in html
    html = client.get("/admin/users/?q=%25").get_data(as_text=True)  # a literal %, not a wildcard
    assert "No users found." in html


def test_confirm_by_hand_and_send_a_reset(app: Any) -> None:
    client = _admin(app)
    uuid = create_user(app, "stuck@example.org", confirmed=False)
    user_id = user_row(app, uuid=uuid).id
    page = f"/admin/users/{user_id}"
    assert "Confirm email by hand" in client.get(page).get_data(as_text=True)
    assert submit(client, page, {}, action=f"{page}/confirm").status_code == 302
    assert user_row(app, uuid=uuid).confirmed_at is not None
    assert "Confirm email by hand" not in client.get(page).get_data(as_text=True)

    assert submit(client, page, {}, action=f"{page}/reset").status_code == 302
    email = last_file_email(app)
    assert email["To"] == "stuck@example.org"
    path = re.search(r"http://localhost(/password/reset/\S+)", str(email.get_content())).group(1)  # type: ignore[union-attr]
    assert submit(app.test_client(), path, {"password": "chosen after support"}).status_code == 302
    assert log_in(app.test_client(), "stuck@example.org", "chosen after support").status_code == 302


def test_roles_and_partner_organizations(app: Any) -> None:
    client = _admin(app)
    response = submit(
        client,
        "/admin/partners/new",
        {"name": "Acme Training", "slug": "Bad Slug!", "kind": "grantee"},
    )
    assert response.status_code == 400 and "lower-case letters" in response.get_data(as_text=True)
    assert (
        submit(
            client,
            "/admin/partners/new",
            {"name": "Acme Training", "slug": "acme", "kind": "grantee"},
        ).status_code
        == 302
    )
    duplicate = submit(
        client,
        "/admin/partners/new",
        {"name": "Other", "slug": "acme", "kind": "other"},
    )
    assert duplicate.status_code == 400 and "already uses the slug" in duplicate.get_data(as_text=True)
    assert "Acme Training" in client.get("/admin/partners/").get_data(as_text=True)

    uuid = create_user(app, "author@example.org")
    page = f"/admin/users/{user_row(app, uuid=uuid).id}"
    no_org = submit(client, page, {"role": "partner", "partner_slug": ""}, action=f"{page}/role")
    assert no_org.status_code == 400
    assert 'id="partner_slug-error"' in no_org.get_data(as_text=True)
    assert (
        submit(
            client,
            page,
            {"role": "partner", "partner_slug": "acme"},
            action=f"{page}/role",
        ).status_code
        == 302
    )
    assert (user_row(app, uuid=uuid).role, user_row(app, uuid=uuid).partner_slug) == (
        "partner",
        "acme",
    )
    assert "author@example.org" in client.get("/admin/partners/acme").get_data(as_text=True)

    # Renaming the slug carries the members along.
    submit(
        client,
        "/admin/partners/acme",
        {"name": "Acme Training", "slug": "acme-training", "kind": "grantee"},
    )
    assert user_row(app, uuid=uuid).partner_slug == "acme-training"

    submit(
        client,
        page,
        {"role": "analyst", "partner_slug": "acme-training"},
        action=f"{page}/role",
    )
    assert (user_row(app, uuid=uuid).role, user_row(app, uuid=uuid).partner_slug) == (
        "analyst",
        None,
    )


def test_an_admin_cannot_demote_themselves(app: Any) -> None:
    client = _admin(app)
    me = user_row(app, email="admin@example.org")
    response = submit(
        client,
        f"/admin/users/{me.id}",
        {"role": "learner", "partner_slug": ""},
        action=f"/admin/users/{me.id}/role",
    )
    assert response.status_code == 400 and "cannot take away your own admin role" in response.get_data(as_text=True)
    assert user_row(app, email="admin@example.org").role == "admin"


def test_admin_pages_are_for_admins_only(app: Any) -> None:
    create_user(app, "analyst@example.org", role="analyst")
    client = app.test_client()
    log_in(client, "analyst@example.org")
    for path in (
        "/admin/users/",
        "/admin/partners/",
        "/admin/settings/",
        "/admin/users/1",
    ):
        assert client.get(path).status_code == 403, path


def test_users_create_command(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        [
            "users",
            "create",
            "--email",
            "Ops@Example.org",
            "--password",
            PASSWORD,
            "--role",
            "admin",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["email"] == "ops@example.org" and printed["role"] == "admin"
    assert user_row(app, uuid=printed["uuid"]).confirmed_at is not None
    client = app.test_client()
    log_in(client, "ops@example.org")
    assert client.get("/admin/users/").status_code == 200

    again = runner.invoke(main, ["users", "create", "--email", "ops@example.org", "--password", PASSWORD])
    assert again.exit_code == 1 and "already exists" in again.output
    weak = runner.invoke(main, ["users", "create", "--email", "weak@example.org", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    orphan = runner.invoke(
        main,
        [
            "users",
            "create",
            "--email",
            "p@example.org",
            "--password",
            PASSWORD,
            "--role",
            "partner",
        ],
    )
    assert orphan.exit_code == 1 and "partner organization" in orphan.output
    assert user_row(app, email="p@example.org") is None  # nothing stored half-way
