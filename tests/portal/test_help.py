"""The help page: the FAQ (seeded, admin-editable) and the support contact from the site settings."""

from __future__ import annotations

from typing import Any

from tests.portal.accounts_support import create_user, last_file_email, log_in, submit


def test_help_page_shows_the_faq_and_support_contact_to_anyone(client: Any) -> None:
    html = client.get("/help").get_data(as_text=True)
    assert "Can one person register others?" in html  # seeded from the portal FAQ
    assert "There is no group registration" in html
    assert "E-learning courses and instructional resources" in html
    assert "support@example.org" in html and "1-555-010-0000" in html
    assert "Edit the questions" not in html


def test_admin_edits_the_faq(client: Any, app: Any) -> None:
    create_user(app, "admin@example.org", role="admin")
    log_in(client, "admin@example.org")
    assert "Edit the questions" in client.get("/help").get_data(as_text=True)

    response = submit(
        client,
        "/help/faq/new",
        {
            "section": "Certificates",
            "question": "Where is my certificate?",
            "answer": "On your My learning page.\n\nIt shows the date you first completed the course.",
            "position": "5",
        },
    )
    assert response.status_code == 302
    html = client.get("/help").get_data(as_text=True)
    assert html.index("Where is my certificate?") < html.index("What is this portal?")  # position 5 comes first
    assert "<p>It shows the date you first completed the course.</p>" in html

    edit_page = client.get("/help/edit").get_data(as_text=True)
    entry_link = edit_page.split('">Where is my certificate?')[0].rsplit('href="', 1)[1]
    missing = submit(
        client,
        entry_link,
        {"section": "Certificates", "question": "", "answer": "x", "position": "5"},
    )
    assert missing.status_code == 400 and "Enter the question." in missing.get_data(as_text=True)
    submit(
        client,
        entry_link,
        {
            "section": "Certificates",
            "question": "Where do I find my certificate?",
            "answer": "On My learning.",
            "position": "5",
        },
    )
    assert "Where do I find my certificate?" in client.get("/help").get_data(as_text=True)

    entry_id = entry_link.rsplit("/", 1)[1]
    assert submit(client, "/help/edit", {}, action=f"/help/faq/{entry_id}/delete").status_code == 302
    assert "Where do I find my certificate?" not in client.get("/help").get_data(as_text=True)


def test_only_admins_edit_the_faq(client: Any, app: Any) -> None:
    create_user(app, "partner@example.org", role="partner", partner_slug="acme-training")
    log_in(client, "partner@example.org")
    assert client.get("/help/edit").status_code == 403
    assert client.get("/help/faq/new").status_code == 403


def test_site_settings_change_the_support_contact_everywhere(client: Any, app: Any) -> None:
    create_user(app, "admin@example.org", role="admin")
    log_in(client, "admin@example.org")
    bad = submit(
        client,
        "/admin/settings/",
        {"name": "Roll Call Academy", "support_email": "nope", "support_phone": "1"},
    )
    assert bad.status_code == 400 and "must be an email address" in bad.get_data(as_text=True)
    response = submit(
        client,
        "/admin/settings/",
        {
            "name": "Roll Call Academy",
            "support_email": "help@academy.example.org",
            "support_phone": "1-800-555-0199",
        },
    )
    assert response.status_code == 302
    for path in ("/help", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert "help@academy.example.org" in html and "1-800-555-0199" in html and "Roll Call Academy" in html
    # And in the emails.
    submit(client, "/admin/users/", {}, action="/admin/users/1/reset")
    email = last_file_email(app)
    body = str(email.get_content())
    assert "help@academy.example.org" in body and "1-800-555-0199" in body and "Roll Call Academy" in email["Subject"]
