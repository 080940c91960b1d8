"""One-click enrollment recorded as an xAPI ``registered`` statement; My learning reads it back from the LRS."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker, transaction
from lrs.vocab import VERB_REGISTERED
from packages.models import Course
from portal.enrollment.services import registration_for, statement_id_for
from tests.portal.catalog_support import csrf_token, make_user, signed_in

IRI = "http://localhost/courses/trust-course"


def add_course(app: Any, slug: str = "trust-course", status: str = "published") -> None:
    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        session.add(
            Course(slug=slug, activity_iri=f"http://localhost/courses/{slug}", title=f"Course {slug}", status=status)
        )


def set_status(app: Any, slug: str, status: str) -> None:
    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        session.scalars(select(Course).where(Course.slug == slug)).one().status = status


def enroll(client: Any, slug: str = "trust-course") -> Any:
    token = csrf_token(client, f"/courses/{slug}")
    return client.post(f"/courses/{slug}/enroll", data={"csrf_token": token})


def agent_of(user_uuid: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": user_uuid}}


def test_enrolling_twice_stores_one_registered_statement(app: Any, lrs_client: Any) -> None:
    add_course(app)
    learner = signed_in(app, "learner@example.org")
    user_uuid = make_user(app, "other@example.org")  # someone else, never enrolled
    first = enroll(learner)
    assert first.status_code == 303 and first.location.endswith("/courses/trust-course")
    again = learner.post("/courses/trust-course/enroll", data={"csrf_token": csrf_token(learner, "/catalog")})
    assert again.status_code == 303

    statements = list(lrs_client.query_statements(verb=VERB_REGISTERED, activity=IRI))
    assert len(statements) == 1
    statement = statements[0]
    name = statement["actor"]["account"]["name"]
    assert name != user_uuid and "@" not in str(statement["actor"])  # an opaque account, never the email
    assert statement["actor"]["account"]["homePage"] == "http://localhost"
    assert statement["id"] == str(statement_id_for(name, IRI))
    assert statement["context"]["registration"] == str(registration_for(name, IRI))
    assert statement["object"]["id"] == IRI
    assert uuid.UUID(statement["id"]).version == 5

    rows = lrs_client.registrations(agent_of(name))
    assert [r["activity_id"] for r in rows] == [IRI]
    page = learner.get("/courses/trust-course").get_data(as_text=True)
    assert "You are enrolled" in page and ">Enroll</button>" not in page


def test_my_learning_lists_the_enrollments_from_the_lrs(app: Any) -> None:
    add_course(app)
    add_course(app, "second-course")
    learner = signed_in(app, "learner@example.org")
    empty = learner.get("/my-learning").get_data(as_text=True)
    assert "not enrolled in any course yet" in empty
    enroll(learner)
    enroll(learner)
    page = learner.get("/my-learning").get_data(as_text=True)
    assert page.count('href="/courses/trust-course"') == 1
    assert "Course second-course" not in page

    other = signed_in(app, "other@example.org")
    assert "not enrolled in any course yet" in other.get("/my-learning").get_data(as_text=True)


def test_retired_course_stays_reachable_for_its_learners_only(app: Any) -> None:
    add_course(app)
    learner = signed_in(app, "learner@example.org")
    enroll(learner)
    set_status(app, "trust-course", "retired")

    learner.get("/courses/trust-course")  # shows the flash message from enrolling
    assert 'href="/courses/trust-course"' not in learner.get("/catalog").get_data(as_text=True)
    page = learner.get("/courses/trust-course")
    assert page.status_code == 200 and "no longer in the catalog" in page.get_data(as_text=True)
    assert 'href="/courses/trust-course"' in learner.get("/my-learning").get_data(as_text=True)

    stranger = signed_in(app, "stranger@example.org")
    assert stranger.get("/courses/trust-course").status_code == 404
    refused = stranger.post("/courses/trust-course/enroll", data={"csrf_token": csrf_token(stranger, "/catalog")})
    assert refused.status_code == 303
    assert "not enrolled in any course yet" in stranger.get("/my-learning").get_data(as_text=True)


def test_enrolling_needs_the_csrf_token_and_a_confirmed_account(app: Any, lrs_client: Any) -> None:
    add_course(app)
    learner = signed_in(app, "learner@example.org")
    assert learner.post("/courses/trust-course/enroll").status_code == 400
    make_user(app, "new@example.org", confirmed=False)
    anonymous = app.test_client()
    assert anonymous.post("/courses/trust-course/enroll", data={"csrf_token": "x"}).status_code in (302, 400)
    assert list(lrs_client.query_statements(verb=VERB_REGISTERED)) == []


def test_unknown_course_is_404(app: Any) -> None:
    learner = signed_in(app, "learner@example.org")
    token = csrf_token(learner, "/catalog")
    assert learner.post("/courses/nothing-here/enroll", data={"csrf_token": token}).status_code == 404


def test_a_voided_enrollment_is_not_made_again_and_says_why(app: Any, lrs_client: Any) -> None:
    add_course(app)
    learner = signed_in(app, "learner@example.org")
    enroll(learner)
    [registered] = list(lrs_client.query_statements(verb=VERB_REGISTERED))
    lrs_client.store_statement(
        {
            "actor": registered["actor"],
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": registered["id"]},
        }
    )
    assert "not enrolled in any course yet" in learner.get("/my-learning").get_data(as_text=True)

    again = enroll(learner)
    assert again.status_code == 303
    page = learner.get(again.location).get_data(as_text=True)
    assert "cancelled by an administrator" in page and "contact support" in page
    # The query still finds the voiding statement (it refers to a registered one), and nothing else.
    found = list(lrs_client.query_statements(verb=VERB_REGISTERED))
    assert [s["verb"]["id"] for s in found] == ["http://adlnet.gov/expapi/verbs/voided"]


def test_an_lrs_refusal_is_told_to_the_learner_and_stores_nothing(app: Any, lrs_client: Any) -> None:
    from lrs.client import Refused

    def no_enrollments_today(_session: Any, statement: dict[str, Any]) -> None:
        if statement["verb"]["id"] == VERB_REGISTERED:
            raise Refused("Enrollments are closed for maintenance.")

    lrs_client.add_rule(no_enrollments_today)
    add_course(app)
    learner = signed_in(app, "learner@example.org")
    refused = enroll(learner)
    assert refused.status_code == 303
    page = learner.get(refused.location).get_data(as_text=True)
    assert "could not be recorded" in page and "closed for maintenance" in page
    assert list(lrs_client.query_statements(verb=VERB_REGISTERED)) == []
