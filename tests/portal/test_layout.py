"""Page details found by the browser tests: favicon, which nav link is current, the admin menu's place,
no empty "About this course", and tables that reflow on a phone (every cell names its column)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker, transaction
from packages.models import Course
from portal.cli import main
from tests.portal.catalog_support import make_user, signed_in
from tests.portal.test_enrollment import add_course

ADMIN_PAGES = (
    "/admin/users/",
    "/admin/partners/",
    "/admin/partners/new",
    "/admin/catalog/",
    "/admin/catalog/resources/new",
    "/admin/catalog/in-person/new",
    "/admin/settings/",
    "/help/edit",
    "/help/faq/new",
    "/partner/",
    "/partner/upload",
)


def current_links(html: str, nav: str) -> list[str]:
    """The text of the links marked aria-current in the <nav aria-label=nav>."""
    block = html.split(f'aria-label="{nav}"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'aria-current="page">([^<]+)</a>', block)


def test_every_page_has_an_icon_and_favicon_ico_finds_it(client: Any) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/favicon.ico", follow_redirects=True)
    body = icon.get_data(as_text=True)
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and body.startswith("<svg")


def test_admin_pages_mark_admin_current_and_put_the_admin_menu_first(app: Any) -> None:
    admin = signed_in(app, "admin@example.org", role="admin")
    for path in ADMIN_PAGES:
        response = admin.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert current_links(html, "Main") == ["Admin"], path
        main = html.split('<main id="main"', 1)[1]
        assert main.index('aria-label="Admin"') < main.index("<h1"), path  # the menu, then the heading
    assert current_links(admin.get("/help/edit").get_data(as_text=True), "Admin") == ["FAQ"]
    assert current_links(admin.get("/admin/users/").get_data(as_text=True), "Admin") == ["Users"]
    # The help page itself is the learners' Help, also for an admin.
    assert current_links(admin.get("/help").get_data(as_text=True), "Main") == ["Help"]


def test_a_partner_sees_partner_current_and_no_admin_menu(app: Any) -> None:
    partner = signed_in(app, "editor@acme.example", role="partner", partner_slug="acme")
    html = partner.get("/partner/").get_data(as_text=True)
    assert current_links(html, "Main") == ["Partner"]
    assert 'aria-label="Admin"' not in html


def test_a_course_without_a_description_has_no_empty_about_heading(app: Any, shared_fixtures: Path) -> None:
    package = shared_fixtures / "scorm12/RuntimeBasicCalls_SCORM12.zip"
    imported = app.test_cli_runner().invoke(main, ["packages", "import", str(package), "--course", "golf-runtime",
                                                   "--publish"])
    assert imported.exit_code == 0, imported.output
    add_course(app, "described")
    learner = signed_in(app, "learner@example.org")
    vendor = learner.get("/courses/golf-runtime").get_data(as_text=True)
    assert "About this course" not in vendor
    with transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        course = session.scalars(select(Course).where(Course.slug == "described")).one()
        course.description = "First paragraph.\n\nSecond paragraph."
    described = learner.get("/courses/described").get_data(as_text=True)
    assert "<h2>About this course</h2>" in described
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in described


def test_every_table_cell_names_its_column_for_the_stacked_phone_layout(app: Any) -> None:
    make_user(app, "editor@acme.example", role="partner", partner_slug="acme")
    admin = signed_in(app, "admin@example.org", role="admin")
    for path in ("/admin/users/", "/help/edit", "/admin/partners/"):
        html = admin.get(path).get_data(as_text=True)
        tables = re.findall(r"<table.*?</table>", html, re.DOTALL)
        assert tables, path
        for table in tables:
            assert '<table class="stacked">' in table, path
            headers = set(re.findall(r'<th scope="col">([^<]+)</th>', table))
            rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.DOTALL)
            assert rows, path
            for row in rows:
                cells = re.findall(r"<td([^>]*)>", row)
                assert all(re.match(r' data-label="[^"]+"$', c) for c in cells), (path, row)
                assert set(re.findall(r'data-label="([^"]+)"', row)) == headers, (path, row)
