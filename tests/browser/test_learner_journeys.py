"""A learner's journeys in a real browser: sign up, confirm by email, enroll once; forgotten password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.enrollment import services as enrollment_services
from tests.browser.conftest import (
    PASSWORD,
    import_course,
    link_in,
    log_in,
    make_account,
    wait_for_mail,
)
from tests.portal.accounts_support import Inbox

pytestmark = pytest.mark.browser

COURSE_PACKAGE = "scorm12/RuntimeBasicCalls_SCORM12.zip"


def registered_statements(app: Any, email: str) -> list[Any]:
    """The learner's enrollments as the LRS holds them (the registered statements' projection)."""
    from sqlalchemy import select

    from core.db import make_sessionmaker
    from portal.accounts.models import User
    from portal.identity import agent_for

    with app.app_context(), make_sessionmaker(app.extensions["db_engine"])() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        return list(enrollment_services.enrollments(app.extensions["lrs_client"], agent_for(user)))


def test_sign_up_confirm_browse_and_enroll_once(app: Any, new_page: Any, inbox: Inbox, shared_fixtures: Path) -> None:
    import_course(app, shared_fixtures / COURSE_PACKAGE, "golf-runtime")
    address = "riley.officer@example.org"
    page = new_page()

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Full name").fill("Riley Officer")
    page.get_by_label("Organization or agency").fill("Springfield PD")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text(address)).to_be_visible()

    message = wait_for_mail(inbox, address)
    assert message.message["Subject"].startswith("Confirm your email address")
    confirm_link = link_in(message, "/confirm/")
    assert confirm_link.startswith(app.config["ROLLCALL"].base_url)  # the email links to this very server

    page.goto(confirm_link)  # the link shows a button (mail scanners open links; only a person clicks)
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("heading", name="Catalog", exact=True)).to_be_visible()
    page.get_by_role("searchbox", name="Search").fill("no such subject")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="0 results")).to_be_visible()
    page.get_by_role("searchbox", name="Search").fill("golf")
    page.get_by_label("Type").select_option(label="e-Learning course")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 result", exact=True)).to_be_visible()
    course_link = page.get_by_role("main").get_by_role("link").filter(has_text="Golf")
    expect(course_link).to_have_count(1)
    title = course_link.inner_text().strip()
    course_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # A second tab still shows the Enroll button after the first tab enrolled.
    stale = page.context.new_page()
    stale.goto(page.url)
    expect(stale.get_by_role("button", name="Enroll")).to_be_visible()

    page.get_by_role("button", name="Enroll").dblclick()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("You are enrolled.")).to_be_visible()
    expect(page.get_by_role("button", name="Enroll")).to_have_count(0)

    stale.get_by_role("button", name="Enroll").click()
    expect(stale.get_by_text(f"You are enrolled in {title}.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    cards = page.get_by_role("main").get_by_role("article")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("link", name=title)).to_be_visible()
    assert len(registered_statements(app, address)) == 1


def test_forgotten_password_to_new_password(app: Any, new_page: Any, inbox: Inbox) -> None:
    address = "casey.dispatch@example.org"
    make_account(app, address, name="Casey Dispatch")
    new_password = "another equally long passphrase"
    page = new_page()

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(address)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    message = wait_for_mail(inbox, address)
    assert message.message["Subject"].startswith("Reset your password")
    reset_link = link_in(message, "/password/reset/")
    page.goto(reset_link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The email address or password is not right.")).to_be_visible()

    log_in(page, address, new_password)
    expect(page.get_by_role("link", name="Casey Dispatch")).to_be_visible()

    # The link worked once: opened again, it says so instead of offering the form.
    other = new_page()
    other.goto(reset_link)
    expect(other.get_by_role("button", name="Set new password")).to_have_count(0)


def test_log_in_with_the_keyboard_alone(app: Any, new_page: Any) -> None:
    make_account(app, "kim@example.org", name="Kim Keyboard")
    page = new_page()
    page.goto("/login")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()  # out of sight until a keyboard user reaches it
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("kim@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Kim Keyboard")).to_be_visible()
