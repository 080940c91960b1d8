"""Issued certificates: one number per completion, stable; verification says valid, revoked or unknown."""

from __future__ import annotations

from typing import Any

from certificates import services
from core.db import lazy_writer, make_sessionmaker, transaction
from tests.portal.catalog_support import make_user

IRI = "http://localhost/courses/trust-course"


def _user_id(app: Any, user_uuid: str) -> int:
    from sqlalchemy import select

    from portal.accounts.models import User

    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        return int(session.scalar(select(User.id).where(User.uuid == user_uuid)))


def test_a_certificate_keeps_its_number_and_date_and_revocation_is_final(app: Any, lrs_client: Any) -> None:
    from portal.enrollment.services import enroll, registration_for

    user_uuid = make_user(app, "learner@example.org")
    agent = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": user_uuid}}
    enroll(lrs_client, agent, user_uuid, IRI, "Trust")
    registration = str(registration_for(user_uuid, IRI))
    fact = lrs_client.record_completion(agent=agent, course_iri=IRI, registration=registration, course_name="Trust")
    user_id = _user_id(app, user_uuid)
    facts = services.CourseFacts(None, "Trust")
    # As a request does (core.web): reads take no lock, so the LRS may write before the portal's first write.
    factory = make_sessionmaker(lazy_writer(app.extensions["db_engine"]))
    with transaction(factory) as session:
        first = services.issue(session, fact, user_id=user_id, name="Zoë", course=facts)
        serial = first.serial
    again = lrs_client.record_completion(agent=agent, course_iri=IRI, registration=registration)
    assert again.timestamp == fact.timestamp  # a revisit stores nothing new
    with transaction(factory) as session:
        assert services.issue(session, again, user_id=user_id, name="Zoë", course=facts).serial == serial
        result = services.verify(session, lrs_client, "-".join(serial[i : i + 4] for i in range(0, 26, 4)).lower())
        assert result.status == "valid" and result.completed_at == fact.timestamp and result.holder == "Zoë"
        assert services.verify(session, lrs_client, services.new_serial()).status == "unknown"
        services.revoke(session, lrs_client, services.by_serial(session, serial), reason="copied answers", by="admin")
    with transaction(factory) as session:
        assert services.verify(session, lrs_client, serial).status == "revoked"
    assert lrs_client.record_completion(agent=agent, course_iri=IRI, registration=registration) is None
    with transaction(factory) as session:
        services.close_holder(session, user_id, keep_name=False)
    with transaction(factory) as session:
        assert services.by_serial(session, serial).name_shown is None


def test_the_verification_page_is_public_says_unknown_and_is_rate_limited(app: Any, client: Any) -> None:
    from portal.enrollment.certificates import VERIFY_PER_IP

    unknown = client.get(f"/certificates/{services.new_serial()}")
    assert unknown.status_code == 404 and "no certificate with this number" in unknown.get_data(as_text=True)
    for _ in range(VERIFY_PER_IP.limit - 1):
        assert client.get("/certificates/NOPE").status_code == 404
    assert client.get("/certificates/NOPE").status_code == 429
