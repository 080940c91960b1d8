"""Every main page, as each kind of user sees it: axe-core finds no serious or critical WCAG 2.1 A/AA problem,
and screenshots at 375 px and 1280 px are written for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.db import make_sessionmaker, transaction
from portal.catalog import services as catalog_services
from tests.browser.conftest import (
    PageChecks,
    import_course,
    log_in,
    make_account,
    make_partner,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(app: Any, shared_fixtures: Path) -> dict[str, str]:
    """A small catalog: two vendor courses, a document resource and an in-person listing."""
    import_course(app, shared_fixtures / "scorm12/RuntimeBasicCalls_SCORM12.zip", "golf-runtime")
    import_course(app, shared_fixtures / "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip", "golf-2004")
    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        catalog_services.save_resource(session, None, {
            "slug": "roll-call-guide", "kind": "document", "title": "Roll call briefing guide: building trust",
            "description": "A two-page guide for supervisors who lead a ten-minute roll call discussion.",
            "topics": "Roll call, Community policing", "status": "published",
        })
        catalog_services.save_in_person(session, None, {
            "slug": "crisis-intervention", "title": "Crisis intervention team training",
            "description": "A 40-hour classroom course on responding to people in a mental health crisis.",
            "provider": "Example Training Institute", "location": "Springfield, IL",
            "schedule": "Five days, 8 am to 5 pm", "registration_url": "https://example.org/cit-training",
            "topics": "Crisis intervention", "status": "published",
        })
    return {"course": "golf-runtime", "in_person": "crisis-intervention"}


def test_pages_before_log_in(new_page: Any, page_checks: PageChecks) -> None:
    page = new_page()
    for name, path, heading in (
        ("home-anonymous", "/", None),
        ("login", "/login", "Log in"),
        ("signup", "/signup", "Create an account"),
        ("forgot-password", "/password/forgot", "Forgot your password?"),
        ("help", "/help", "Help and frequently asked questions"),
        ("not-found", "/no-such-page", None),
    ):
        page.goto(path)
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page_checks.check(page, name)

    # A form sent back with errors is a page people see too: errors must be announced and labelled.
    page.goto("/signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    page_checks.check(page, "signup-errors")
    page_checks.assert_clean()


def test_learner_pages(app: Any, catalog: dict[str, str], new_page: Any, page_checks: PageChecks) -> None:
    make_account(app, "lee@example.org", name="Lee Learner")
    page = new_page()
    log_in(page, "lee@example.org")
    page.goto(f"/courses/{catalog['course']}")
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()

    for name, path in (
        ("home", "/"),
        ("catalog", "/catalog"),
        ("catalog-search", "/catalog?q=golf&kind=course"),
        ("course", f"/courses/{catalog['course']}"),
        ("in-person", f"/in-person/{catalog['in_person']}"),
        ("my-learning", "/my-learning"),
        ("help-learner", "/help"),
        ("account", "/account"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page_checks.check(page, name)
    page_checks.assert_clean()


def test_partner_and_admin_pages(app: Any, catalog: dict[str, str], shared_fixtures: Path, new_page: Any,
                                 page_checks: PageChecks) -> None:
    make_partner(app, "acme", "Acme Training Institute")
    import_course(app, shared_fixtures / "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip", "acme-golf",
                  partner="acme", publish=False)
    make_account(app, "pat@acme.example", role="partner", partner="acme", name="Pat Partner")
    make_account(app, "ada@rollcall.example", role="admin", name="Ada Admin")

    partner = new_page()
    log_in(partner, "pat@acme.example")
    for name, path in (
        ("partner-courses", "/partner/"),
        ("partner-upload", "/partner/upload"),
        ("partner-report", "/partner/courses/acme-golf/versions/1"),
        ("partner-course", "/partner/courses/acme-golf"),
    ):
        response = partner.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page_checks.check(partner, name)

    admin = new_page()
    log_in(admin, "ada@rollcall.example")
    for name, path in (
        ("admin-users", "/admin/users/"),
        ("admin-partners", "/admin/partners/"),
        ("admin-catalog", "/admin/catalog/"),
        ("admin-faq", "/help/edit"),
        ("admin-settings", "/admin/settings/"),
    ):
        response = admin.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page_checks.check(admin, name)
    page_checks.assert_clean()


def test_the_accessibility_check_finds_real_problems(new_page: Any, screens_dir: Path) -> None:
    """The check itself works: a page with an unlabelled field and an image without text fails it."""
    checks = PageChecks(screens_dir)
    page = new_page()
    page.set_content('<!doctype html><html lang="en"><title>Bad</title><main><img src="/x.png">'
                     '<form><input type="text" name="q"><button></button></form></main></html>')
    found = {violation["id"] for violation in checks.axe(page, "bad-page")}
    assert {"image-alt", "label", "button-name"} <= found
    with pytest.raises(AssertionError, match=r"\[bad-page\] .*image-alt \(critical\)"):
        checks.assert_clean()
