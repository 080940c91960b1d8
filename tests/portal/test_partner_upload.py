"""Partners upload real packages, read the validation report and publish; each sees only its own courses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker
from packages.models import Course, CourseMaterial, CourseVersion
from tests.portal.catalog_support import csrf_token, signed_in

SINGLE_SCO = "scorm12/ContentPackagingSingleSCO_SCORM12.zip"


def upload(client: Any, package: Path, slug: str = "") -> Any:
    token = csrf_token(client, "/partner/upload")
    with package.open("rb") as stream:
        return client.post(
            "/partner/upload",
            data={"csrf_token": token, "course_slug": slug, "package": (stream, package.name)},
            content_type="multipart/form-data",
        )


def rows(app: Any, model: Any) -> list[Any]:
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        return list(session.scalars(select(model)))


def test_upload_page_has_a_progress_bar_and_no_inline_script(app: Any) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    page = partner.get("/partner/upload").get_data(as_text=True)
    assert '<progress id="upload-progress"' in page
    assert 'src="/static/upload.js"' in page
    assert "<script>" not in page and "onclick" not in page
    with app.test_client().get("/static/upload.js") as script:
        assert "upload.onprogress" in script.get_data(as_text=True)


def test_partner_uploads_reads_report_and_publishes(app: Any, shared_fixtures: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    response = upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics")
    assert response.status_code == 303
    assert response.location.endswith("/partner/courses/golf-basics/versions/1")
    report = partner.get(response.location).get_data(as_text=True)
    assert "Accepted." in report and "scorm12" in report
    assert ">Publish version 1</button>" in report

    learner = signed_in(app, "learner@example.org")
    assert "golf-basics" not in learner.get("/catalog").get_data(as_text=True)  # a draft until published
    assert learner.get("/courses/golf-basics").status_code == 404

    token = csrf_token(partner, "/partner/courses/golf-basics/versions/1")
    published = partner.post("/partner/courses/golf-basics/versions/1/publish", data={"csrf_token": token})
    assert published.status_code == 303
    [course] = rows(app, Course)
    assert course.status == "published" and course.partner_slug == "acme"
    assert rows(app, CourseVersion)[0].published_at is not None
    assert 'href="/courses/golf-basics"' in learner.get("/catalog").get_data(as_text=True)
    assert ">Enroll</button>" in learner.get("/courses/golf-basics").get_data(as_text=True)


def test_refused_package_shows_the_report_and_stores_nothing(app: Any, shared_fixtures: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    response = upload(partner, shared_fixtures / "broken" / "moodle_invalid.zip", "broken-course")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Refused." in page and "Nothing was stored" in page
    assert '<td data-label="Where">' in page  # each finding is a row: where, what, code
    assert rows(app, Course) == [] and rows(app, CourseVersion) == []


def test_another_partner_cannot_see_or_change_the_course(app: Any, shared_fixtures: Path) -> None:
    acme = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    assert upload(acme, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303

    rival = signed_in(app, "partner@rival.example", role="partner", partner_slug="rival")
    assert "golf-basics" not in rival.get("/partner/").get_data(as_text=True)
    assert rival.get("/partner/courses/golf-basics").status_code == 404
    assert rival.get("/partner/courses/golf-basics/versions/1").status_code == 404
    token = csrf_token(rival, "/partner/")
    assert rival.post("/partner/courses/golf-basics/versions/1/publish", data={"csrf_token": token}).status_code == 404
    edit = rival.post("/partner/courses/golf-basics", data={"csrf_token": token, "title": "Mine now", "status": "draft"})
    assert edit.status_code == 404
    taken = upload(rival, shared_fixtures / SINGLE_SCO, "golf-basics")
    assert taken.status_code == 422 and "course-not-yours" in taken.get_data(as_text=True)

    [course] = rows(app, Course)
    assert course.title != "Mine now" and course.status == "draft" and len(rows(app, CourseVersion)) == 1

    admin = signed_in(app, "admin@example.org", role="admin")
    assert "golf-basics" in admin.get("/partner/").get_data(as_text=True)
    assert admin.get("/partner/courses/golf-basics").status_code == 200


def test_partner_edits_catalog_data_and_materials(app: Any, shared_fixtures: Path, tmp_path: Path) -> None:
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics")
    token = csrf_token(partner, "/partner/courses/golf-basics")
    form = {
        "csrf_token": token,
        "title": "Golf for officers",
        "description": "Swing basics.",
        "recommended_runtime": "45",
        "credit_note": "No credit.",
        "topics": "Golf, Golf, Fitness",
        "status": "published",
    }
    refused = partner.post("/partner/courses/golf-basics", data=form)
    assert refused.status_code == 422 and "Publish a version of the package first" in refused.get_data(as_text=True)

    form["status"] = "draft"
    bad_runtime = partner.post("/partner/courses/golf-basics", data={**form, "recommended_runtime": "soon"})
    assert bad_runtime.status_code == 422 and 'aria-invalid="true"' in bad_runtime.get_data(as_text=True)
    assert partner.post("/partner/courses/golf-basics", data=form).status_code == 303
    [course] = rows(app, Course)
    assert (course.title, course.recommended_runtime, course.topics) == ("Golf for officers", "PT45M", ["Golf", "Fitness"])

    handout = tmp_path / "handout.pdf"
    handout.write_bytes(b"%PDF-1.4 handout")
    with handout.open("rb") as stream:
        added = partner.post(
            "/partner/courses/golf-basics/materials",
            data={"csrf_token": token, "material_title": "Handout", "file": (stream, "handout.pdf")},
            content_type="multipart/form-data",
        )
    assert added.status_code == 303
    assert "Handout" in partner.get("/partner/courses/golf-basics").get_data(as_text=True)
    [material] = rows(app, CourseMaterial)
    assert (material.title, material.size) == ("Handout", len(b"%PDF-1.4 handout"))

    rival = signed_in(app, "partner@rival.example", role="partner", partner_slug="rival")
    rival_token = csrf_token(rival, "/partner/")
    stolen = rival.post(f"/partner/courses/golf-basics/materials/{material.id}/delete", data={"csrf_token": rival_token})
    assert stolen.status_code == 404 and len(rows(app, CourseMaterial)) == 1

    token = csrf_token(partner, "/partner/courses/golf-basics")
    removed = partner.post(f"/partner/courses/golf-basics/materials/{material.id}/delete", data={"csrf_token": token})
    assert removed.status_code == 303 and rows(app, CourseMaterial) == []


def test_learners_and_unlinked_partners_cannot_upload(app: Any) -> None:
    learner = signed_in(app, "learner@example.org")
    assert learner.get("/partner/").status_code == 403
    assert learner.get("/partner/upload").status_code == 403
    unlinked = signed_in(app, "nobody@partner.example", role="partner")
    assert unlinked.get("/partner/upload").status_code == 403
