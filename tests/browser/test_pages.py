"""Every main page, as each kind of user sees it: axe-core finds no serious or critical WCAG 2.1 A/AA problem,
and screenshots at 375 px and 1280 px are written for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    PageChecks,
    import_course,
    log_in,
    make_account,
    make_partner,
    rollcall,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(app: Any, shared_fixtures: Path) -> dict[str, str]:
    """The demo catalog (``rollcall demo``: a course with materials, documents, in-person) and a vendor course."""
    demo = rollcall(app, ["demo"])
    assert demo.exit_code == 0, demo.output
    import_course(app, shared_fixtures / "scorm12/RuntimeBasicCalls_SCORM12.zip", "golf-runtime")
    return {"course": "community-policing-basics", "resource": "roll-call-briefing-guide",
            "in_person": "crisis-intervention-team-training"}


def visit_all(page: Any, checks: PageChecks, pages: tuple[tuple[str, str], ...]) -> None:
    """Open each (name, path) and check it; each must answer 200."""
    for name, path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        checks.check(page, name)


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

    visit_all(page, page_checks, (
        ("home", "/"),
        ("catalog", "/catalog"),
        ("catalog-search", "/catalog?q=golf&kind=course"),
        ("course", f"/courses/{catalog['course']}"),
        ("resource", f"/resources/{catalog['resource']}"),
        ("in-person", f"/in-person/{catalog['in_person']}"),
        ("my-learning", "/my-learning"),
        ("help-learner", "/help"),
        ("account", "/account"),
    ))
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
    visit_all(partner, page_checks, (
        ("partner-courses", "/partner/"),
        ("partner-upload", "/partner/upload"),
        ("partner-report", "/partner/courses/acme-golf/versions/1"),
        ("partner-course", "/partner/courses/acme-golf"),
    ))

    admin = new_page()
    log_in(admin, "ada@rollcall.example")
    visit_all(admin, page_checks, (
        ("admin-users", "/admin/users/"),
        ("admin-partners", "/admin/partners/"),
        ("admin-catalog", "/admin/catalog/"),
        ("admin-faq", "/help/edit"),
        ("admin-settings", "/admin/settings/"),
    ))
    page_checks.assert_clean()


def test_details_a_person_notices(app: Any, new_page: Any) -> None:
    """The icon loads (no 404 on any page), and the log-in form's last line does not touch the button."""
    missing: list[str] = []
    page = new_page(width=375)
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.goto("/login")
    page.goto("/help")
    assert page.evaluate("() => document.querySelector('link[rel=icon]').href").endswith("/static/favicon.svg")
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    assert missing == []
    page.goto("/login")
    button = page.get_by_role("button", name="Log in").bounding_box()
    new_here = page.get_by_text("New here?").bounding_box()
    assert button is not None and new_here is not None
    assert new_here["y"] - (button["y"] + button["height"]) >= 16  # a line's gap, not glued to the button


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
