"""Who may load a course's files: enrolled learners (through the player); materials as the course page; 404 otherwise.

Package content (the player, on the content origin: tests/player/test_content.py) and course materials
(/courses/<slug>/materials/<id>).
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from core.db import transaction
from packages import service
from packages.models import Course
from tests.packages.test_import import SCORM12, zip_of
from tests.packages.test_versions import fetch
from tests.portal.catalog_support import csrf_token, signed_in
from tests.portal.test_enrollment import set_status

PDF = b"%PDF-1.4\n% roll call handout\n"


def import_version(app: Any, marker: str, *, publish: bool) -> int:
    """Import a small SCORM 1.2 course of partner "acme" (slug "patrol") whose page says ``marker``."""
    package = zip_of({"imsmanifest.xml": SCORM12, "index.html": marker.encode()})
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        result = service.import_package(
            session,
            app.extensions["package_storage"],
            io.BytesIO(package),
            course_slug="patrol",
            partner="acme",
            settings=app.config["ROLLCALL"],
        )
        assert result.ok and result.version is not None, result.report.to_text()
        if publish:
            service.publish(session, result.version)
        return result.version.id


def add_material(app: Any) -> str:
    """A PDF among the course's materials; returns its catalog URL."""
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        course = session.scalars(select(Course).where(Course.slug == "patrol")).one()
        item = service.add_material(session, app.extensions["package_storage"], course, io.BytesIO(PDF),
                                    filename="handout.pdf", title="Handout")
        return f"/courses/patrol/materials/{item.id}"


def page(client: Any, url: str) -> tuple[int, bytes]:
    response = fetch(client, url)
    return response.status_code, response.data


def test_content_is_reached_only_through_the_player_of_an_enrolled_learner(app: Any) -> None:
    v1 = import_version(app, "version one", publish=True)
    set_status(app, "patrol", "published")
    learner = signed_in(app, "learner@example.org")
    bystander = signed_in(app, "bystander@example.org")
    partner = signed_in(app, "editor@acme.example", role="partner", partner_slug="acme")
    admin = signed_in(app, "admin@example.org", role="admin")
    unconfirmed = signed_in(app, "new@example.org", confirmed=False)
    anonymous = app.test_client()

    # The portal origin serves no package file to anyone, cookie or not (player/PROTOCOL.md "Origins").
    for who in (learner, bystander, partner, admin, unconfirmed, anonymous):
        assert page(who, f"/content/{v1}/index.html")[0] == 404
    # The player page, the only place content tokens come from, is for enrolled learners.
    assert fetch(anonymous, "/courses/patrol/play").status_code == 302
    assert fetch(unconfirmed, "/courses/patrol/play").status_code == 302
    for who in (learner, bystander, partner, admin):
        assert fetch(who, "/courses/patrol/play").status_code == 404
    response = learner.post("/courses/patrol/enroll", data={"csrf_token": csrf_token(learner, "/courses/patrol")})
    assert response.status_code == 303
    assert page(learner, "/courses/patrol/play")[0] == 200
    set_status(app, "patrol", "retired")  # still there for its learners
    assert page(learner, "/courses/patrol/play")[0] == 200
    set_status(app, "patrol", "draft")
    assert page(learner, "/courses/patrol/play")[0] == 404


def test_materials_follow_the_course_pages_visibility(app: Any) -> None:
    import_version(app, "one", publish=True)
    set_status(app, "patrol", "draft")  # publishing made it published: back to a draft
    url = add_material(app)
    learner = signed_in(app, "learner@example.org")
    partner = signed_in(app, "editor@acme.example", role="partner", partner_slug="acme")
    rival = signed_in(app, "editor@rival.example", role="partner", partner_slug="rival")
    admin = signed_in(app, "admin@example.org", role="admin")

    assert page(learner, url)[0] == 404 and page(rival, url)[0] == 404  # the course is a draft
    assert page(partner, url) == (200, PDF) and page(admin, url) == (200, PDF)
    set_status(app, "patrol", "published")
    assert page(learner, url) == (200, PDF) and page(rival, url) == (200, PDF)
    assert fetch(app.test_client(), url).status_code == 302  # browsing needs an account
    set_status(app, "patrol", "retired")
    assert page(learner, url)[0] == 404  # not enrolled
    # The packages module no longer serves materials by a second, unchecked route.
    material_id = url.rsplit("/", 1)[1]
    assert page(admin, f"/materials/{material_id}/handout.pdf")[0] == 404
