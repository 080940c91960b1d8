"""A learner's own certificate from My learning: the completion date, one number per completion, 404 for anyone else."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from certificates.render import group_serial
from portal.enrollment.certificates import completed_on
from portal.enrollment.services import enroll, registration_for
from tests.portal.catalog_support import log_in, make_user
from tests.portal.test_enrollment import add_course, agent_of

IRI = "http://localhost/courses/trust-course"
URL = "/my-learning/trust-course/certificate.pdf"


def _learner(app: Any, email: str, *, completed: bool) -> Any:
    """A logged-in client of a learner enrolled in the course (with a completion fact when told)."""
    lrs_client = app.extensions["lrs_client"]
    user_uuid = make_user(app, email)
    enroll(lrs_client, agent_of(user_uuid), user_uuid, IRI, "Course trust-course")
    if completed:
        registration = str(registration_for(user_uuid, IRI))
        lrs_client.record_completion(agent=agent_of(user_uuid), course_iri=IRI, registration=registration)
    client = app.test_client()
    log_in(client, email)
    return client


def _text(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="certificate-trust-course-')
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_a_completed_course_shows_its_date_and_downloads_one_certificate(app: Any) -> None:
    add_course(app)
    learner = _learner(app, "zoe@example.org", completed=True)
    fact = app.extensions["lrs_client"].completions_of(agent_of(_uuid(app, "zoe@example.org")))[0]
    page = learner.get("/my-learning").get_data(as_text=True)
    assert f"Completed on {completed_on(fact.timestamp)}" in page and f'href="{URL}"' in page
    assert "Download certificate" in page

    first = _text(learner.get(URL))
    serial = first.split("certificates/")[1].split()[0].strip()
    assert "zoe" in first and group_serial(serial) in first.replace("\n", " ")
    second = _text(learner.get(URL))
    assert f"certificates/{serial}" in second  # the same number on every download
    assert f"http://localhost/certificates/{serial}" in first  # the verification page's URL

    other = _learner(app, "other@example.org", completed=False)  # enrolled, not completed
    assert other.get(URL).status_code == 404
    assert "Completed on" not in other.get("/my-learning").get_data(as_text=True)
    stranger = app.test_client()
    make_user(app, "stranger@example.org")
    log_in(stranger, "stranger@example.org")  # not enrolled at all
    assert stranger.get(URL).status_code == 404


def _uuid(app: Any, email: str) -> str:
    from sqlalchemy import select

    from core.db import make_sessionmaker, transaction
    from portal.accounts.models import User

    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        return str(session.scalar(select(User.uuid).where(User.email == email)))
