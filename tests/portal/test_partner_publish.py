"""The partner and admin pages publish through packages.service.publish: retired courses need reopening first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packages.models import Course, CourseVersion
from tests.portal.catalog_support import csrf_token, signed_in
from tests.portal.test_partner_upload import SINGLE_SCO, rows, upload

PAGE = "/partner/courses/golf-basics"


def post_publish(client: Any, number: int) -> Any:
    token = csrf_token(client, f"{PAGE}/versions/{number}")
    return client.post(f"{PAGE}/versions/{number}/publish", data={"csrf_token": token}, follow_redirects=True)


def set_course_status(client: Any, status: str) -> Any:
    token = csrf_token(client, PAGE)
    form = {"csrf_token": token, "title": "Golf basics", "description": "", "recommended_runtime": "",
            "credit_note": "", "topics": "", "status": status}
    return client.post(PAGE, data=form)


def published_numbers(app: Any) -> list[int]:
    return sorted(v.number for v in rows(app, CourseVersion) if v.published_at is not None)


def test_publishing_twice_changes_nothing_and_says_so(app: Any, shared_fixtures: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    first = post_publish(partner, 1)
    assert "Version 1 of" in first.get_data(as_text=True) and "is published and the course is in the catalog" in (
        first.get_data(as_text=True)
    )
    [version] = rows(app, CourseVersion)
    again = partner.post(f"{PAGE}/versions/1/publish", data={"csrf_token": csrf_token(partner, PAGE)},
                         follow_redirects=True)
    assert again.status_code == 200 and "was already published; nothing changed" in again.get_data(as_text=True)
    assert rows(app, CourseVersion)[0].published_at == version.published_at


def test_a_retired_course_is_not_published_again_until_reopened(app: Any, shared_fixtures: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    admin = signed_in(app, "admin@example.org", role="admin")
    assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    post_publish(partner, 1)
    assert set_course_status(admin, "retired").status_code == 303
    assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303

    report = partner.get(f"{PAGE}/versions/2").get_data(as_text=True)
    assert "This course is retired" in report and ">Publish version 2</button>" not in report
    for who in (partner, admin):
        token = csrf_token(who, f"{PAGE}/versions/2")
        refused = who.post(f"{PAGE}/versions/2/publish", data={"csrf_token": token})
        assert refused.status_code == 409
        assert "Version 2 was not published: course &#39;golf-basics&#39; is retired: reopen it first" in (
            refused.get_data(as_text=True)
        )
    assert published_numbers(app) == [1] and rows(app, Course)[0].status == "retired"

    assert set_course_status(partner, "published").status_code == 303  # reopened
    assert "is published and the course is in the catalog" in post_publish(admin, 2).get_data(as_text=True)
    assert published_numbers(app) == [1, 2] and rows(app, Course)[0].status == "published"


def test_an_older_version_is_not_published_over_a_newer_one(app: Any, shared_fixtures: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    for _ in range(2):
        assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    post_publish(partner, 2)
    token = csrf_token(partner, f"{PAGE}/versions/1")
    refused = partner.post(f"{PAGE}/versions/1/publish", data={"csrf_token": token})
    assert refused.status_code == 409 and "is older than version 2" in refused.get_data(as_text=True)
    assert published_numbers(app) == [2]
