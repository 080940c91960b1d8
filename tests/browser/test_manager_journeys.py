"""Partners and admins in a real browser: upload a package with the progress bar, publish; edit the FAQ."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    HoldRequests,
    import_course,
    log_in,
    make_account,
    make_partner,
)

pytestmark = pytest.mark.browser

PACKAGE = "scorm12/RuntimeBasicCalls_SCORM12.zip"
UPLOAD_BYTES_PER_SECOND = 128 * 1024  # the fixture (~380 kB) takes about 3 s: the bar has time to move


def throttle_uploads(page: Any, bytes_per_second: int) -> Any:
    """Slow the page's uploads as a slow connection would (Chromium's own network emulation)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second},
    )
    return cdp


def test_partner_uploads_sees_progress_reads_report_and_publishes(
    app: Any, new_page: Any, hold_requests: HoldRequests, shared_fixtures: Path
) -> None:
    make_partner(app, "acme", "Acme Training Institute")
    make_partner(app, "elsewhere", "Elsewhere Academy")
    import_course(app, shared_fixtures / "scorm12/ContentPackagingSingleSCO_SCORM12.zip", "elsewhere-course",
                  partner="elsewhere", publish=False)
    make_account(app, "pat@acme.example", role="partner", partner="acme", name="Pat Partner")
    page = new_page()
    log_in(page, "pat@acme.example")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partner", exact=True).click()
    expect(page.get_by_role("heading", name="Your courses")).to_be_visible()
    expect(page.get_by_text("elsewhere-course")).to_have_count(0)  # another partner's course stays invisible
    page.get_by_role("link", name="Upload a package").click()
    expect(page.get_by_role("heading", name="Upload a package")).to_be_visible()
    progress = page.get_by_role("progressbar", name="Upload progress")
    expect(progress).to_be_hidden()

    page.get_by_label("Course web address name (slug)").fill("golf-basics")
    page.get_by_label("Package (.zip)").set_input_files(shared_fixtures / PACKAGE)
    cdp = throttle_uploads(page, UPLOAD_BYTES_PER_SECOND)
    answered = hold_requests.hold("POST", "/partner/upload")
    try:
        page.get_by_role("button", name="Upload and check").click()
        expect(progress).to_be_visible()
        expect(progress).to_have_attribute("value", re.compile(r"^[1-9][0-9]?$"))  # under way: 1 to 99
        expect(page.get_by_role("status")).to_contain_text(re.compile(r"Uploaded [1-9][0-9]?%"))
        expect(progress).to_have_attribute("value", "100")  # all sent; the server has not answered yet
        expect(page.get_by_role("status")).to_have_text("Uploaded. Checking the package…")
        expect(page.get_by_role("button", name="Upload and check")).to_be_disabled()
    finally:
        answered.set()
        cdp.detach()

    expect(page).to_have_url(re.compile(r"/partner/courses/golf-basics/versions/1$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Validation report")
    expect(page.get_by_text("Accepted.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("scorm12")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Version 1 of")).to_contain_text("is published and the course is in the catalog")
    expect(page.get_by_text("Status: Published")).to_be_visible()

    page.get_by_role("link", name="See the course page").click()
    expect(page.get_by_role("button", name="Enroll")).to_be_visible()
    course_title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("main").get_by_role("link", name=course_title)).to_be_visible()


def test_admin_edits_the_faq_and_the_help_page_shows_it(app: Any, new_page: Any) -> None:
    make_account(app, "ada@rollcall.example", role="admin", name="Ada Admin")
    page = new_page()
    log_in(page, "ada@rollcall.example")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="FAQ").click()
    expect(page.get_by_role("heading", name="Edit the FAQ")).to_be_visible()
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Section").fill("Taking courses")
    page.get_by_label("Question").fill("Can I take a course on my phone?")
    page.get_by_label("Answer").fill("Yes. Courses play in any modern browser.\n\nYour progress is saved as you go.")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("The question is saved.")).to_be_visible()

    page.get_by_role("link", name="Can I take a course on my phone?").click()
    page.get_by_label("Answer").fill("Yes, on phones and tablets too.\n\nYour progress is saved as you go.")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("The question is saved.")).to_be_visible()

    page.get_by_role("link", name="See the help page").click()
    faq = page.get_by_role("main")
    expect(faq.get_by_role("heading", name="Taking courses")).to_be_visible()
    expect(faq.get_by_text("Can I take a course on my phone?")).to_be_visible()
    expect(faq.get_by_text("Yes, on phones and tablets too.")).to_be_visible()
    expect(faq.get_by_text("Courses play in any modern browser.")).to_have_count(0)

    visitor = new_page()  # the help page is public: someone not logged in sees the same answer
    visitor.goto("/help")
    expect(visitor.get_by_text("Yes, on phones and tablets too.")).to_be_visible()
    expect(visitor.get_by_text("Your progress is saved as you go.")).to_be_visible()


def test_a_refused_package_shows_its_report_in_the_upload_page(
    app: Any, new_page: Any, shared_fixtures: Path
) -> None:
    make_partner(app, "acme", "Acme Training Institute")
    make_account(app, "pat@acme.example", role="partner", partner="acme", name="Pat Partner")
    page = new_page()
    log_in(page, "pat@acme.example")
    page.goto("/partner/upload")
    page.get_by_label("Package (.zip)").set_input_files(shared_fixtures / "broken/moodle_invalid.zip")
    page.get_by_role("button", name="Upload and check").click()

    # The script shows the server's answer (422 with the report) in place of the form.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Validation report")
    expect(page.get_by_text("Refused.")).to_be_visible()
    errors = page.get_by_role("table")
    expect(errors).to_be_visible()
    expect(errors.get_by_role("row")).not_to_have_count(1)  # a header and at least one error
    expect(page).to_have_title(re.compile("Validation report"))
    expect(page.get_by_role("main")).to_be_focused()
    page.get_by_role("link", name="Upload another package").click()
    expect(page.get_by_role("heading", name="Upload a package")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partner", exact=True).click()
    expect(page.get_by_text("No courses yet.")).to_be_visible()  # nothing was stored
