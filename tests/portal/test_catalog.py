"""The catalog as learners see it: it needs a confirmed account; search and filters; the entry pages."""

from __future__ import annotations

import io
from typing import Any

import pytest

from core.db import make_sessionmaker, transaction
from packages.models import Course
from portal.catalog import services
from tests.portal.catalog_support import make_user, signed_in


def seed(app: Any) -> dict[str, Any]:
    """A small catalog: two published resources, a draft one, an in-person course, two courses."""
    storage = app.extensions["package_storage"]
    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        series = services.save_resource(
            session,
            None,
            {
                "title": "Roll call videos: building trust",
                "kind": "video_series",
                "description": "Short videos for shift briefings.",
                "topics": "Community policing, Roll call",
                "status": "published",
            },
        )
        services.add_resource_item(
            session, storage, series, kind="video", title="Episode 1", filename="episode1.webm",
            stream=io.BytesIO(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40),
        )
        services.add_resource_item(
            session, storage, series, kind="captions", title="Episode 1 captions", filename="episode1.vtt",
            stream=io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"),
        )
        services.save_resource(
            session,
            None,
            {"title": "De-escalation field card", "kind": "document", "topics": "De-escalation", "status": "published"},
        )
        services.save_resource(
            session, None, {"title": "Unfinished trust guide", "kind": "document", "status": "draft"}
        )
        services.save_in_person(
            session,
            None,
            {
                "title": "Crisis intervention week",
                "provider": "Example Institute",
                "location": "Springfield",
                "registration_url": "https://example.org/register",
                "topics": "Mental health",
                "status": "published",
            },
        )
        for slug, status, topics in (("trust-course", "published", ["Community policing"]), ("old-course", "retired", [])):
            session.add(
                Course(
                    slug=slug,
                    activity_iri=f"http://localhost/courses/{slug}",
                    title=f"{slug.replace('-', ' ').title()} on trust",
                    description="Building trust with the community.",
                    recommended_runtime="PT1H30M",
                    credit_note="Ask your academy about credit.",
                    topics=topics,
                    status=status,
                )
            )
        session.flush()
        return {"series": series.slug, "video_id": series.items[0].id}


def test_browsing_needs_a_confirmed_account(app: Any) -> None:
    slugs = seed(app)
    anonymous = app.test_client()
    for url in ("/catalog", "/courses/trust-course", f"/resources/{slugs['series']}",
                f"/resources/{slugs['series']}/files/{slugs['video_id']}", "/in-person/crisis-intervention-week"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.location, url

    make_user(app, "new@example.org", confirmed=False)
    unconfirmed = app.test_client()
    from tests.portal.catalog_support import log_in

    log_in(unconfirmed, "new@example.org")
    response = unconfirmed.get("/catalog")
    assert response.status_code == 302 and "unconfirmed" in response.location

    learner = signed_in(app, "learner@example.org")
    page = learner.get("/catalog").get_data(as_text=True)
    assert "Roll call videos: building trust" in page


def test_search_and_filters(app: Any) -> None:
    seed(app)
    learner = signed_in(app, "learner@example.org")

    def titles(**params: str) -> str:
        response = learner.get("/catalog", query_string=params)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    everything = titles()
    assert "Trust Course on trust" in everything and "Crisis intervention week" in everything
    assert "Unfinished trust guide" not in everything  # draft
    assert "Old Course on trust" not in everything  # retired
    assert "4 results" in everything

    found = titles(q="TRUST building")
    assert "Roll call videos: building trust" in found and "Trust Course on trust" in found
    assert "De-escalation field card" not in found and "Crisis intervention" not in found

    by_topic = titles(topic="community policing")
    assert "Roll call videos" in by_topic and "Trust Course on trust" in by_topic
    assert "De-escalation field card" not in by_topic

    by_kind = titles(kind="in_person")
    assert "1 result" in by_kind and "Crisis intervention week" in by_kind and "Example Institute" in by_kind

    assert "0 results" in titles(q="trust", kind="document")
    assert "Mental health" in everything  # the topic filter offers the topics in use
    assert titles(kind="no-such-kind").count("<article") == 4  # unknown kinds are ignored, not a 500


def test_course_page_shows_the_catalog_data_and_enroll_button(app: Any) -> None:
    seed(app)
    learner = signed_in(app, "learner@example.org")
    page = learner.get("/courses/trust-course").get_data(as_text=True)
    assert "Building trust with the community." in page
    assert "1 hour 30 minutes" in page
    assert "Ask your academy about credit." in page
    assert ">Enroll</button>" in page
    assert learner.get("/courses/no-such-course").status_code == 404


def test_retired_and_draft_courses_are_not_shown_to_learners(app: Any) -> None:
    seed(app)
    learner = signed_in(app, "learner@example.org")
    assert learner.get("/courses/old-course").status_code == 404
    assert learner.get("/resources/unfinished-trust-guide").status_code == 404


def test_resource_page_plays_video_in_the_page_and_serves_ranges(app: Any) -> None:
    slugs = seed(app)
    learner = signed_in(app, "learner@example.org")
    page = learner.get(f"/resources/{slugs['series']}").get_data(as_text=True)
    video_url = f"/resources/{slugs['series']}/files/{slugs['video_id']}"
    assert f'<video controls preload="metadata" src="{video_url}"' in page
    assert '<track kind="captions"' in page

    with learner.get(video_url) as whole:
        assert whole.status_code == 200 and whole.mimetype == "video/webm"
        assert whole.headers["Accept-Ranges"] == "bytes"
        size, etag = len(whole.data), whole.headers["ETag"]
    with learner.get(video_url, headers={"Range": "bytes=4-9"}) as part:
        assert part.status_code == 206
        assert part.data == bytes(range(6))
        assert part.headers["Content-Range"] == f"bytes 4-9/{size}"
    with learner.get(video_url, headers={"If-None-Match": etag}) as unchanged:
        assert unchanged.status_code == 304

def test_in_person_page_links_to_the_providers_registration(app: Any) -> None:
    seed(app)
    learner = signed_in(app, "learner@example.org")
    page = learner.get("/in-person/crisis-intervention-week").get_data(as_text=True)
    assert 'href="https://example.org/register"' in page
    assert "Example Institute" in page and "Springfield" in page


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/x", "example.org/register", "https://", "https://ex ample.org"]
)
def test_in_person_registration_url_must_be_a_web_address(app: Any, url: str) -> None:
    from portal.catalog.errors import InvalidEntry

    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        with pytest.raises(InvalidEntry) as caught:
            services.save_in_person(
                session, None, {"title": "X", "provider": "Y", "registration_url": url, "status": "published"}
            )
        assert "registration_url" in caught.value.fields


def test_home_page_invites_sign_up_and_shows_confirmed_learners_the_newest(app: Any) -> None:
    seed(app)
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/signup"' in anonymous and "Roll call videos" not in anonymous
    learner = signed_in(app, "learner@example.org")
    page = learner.get("/").get_data(as_text=True)
    assert "Roll call videos: building trust" in page and "Trust Course on trust" in page
    assert "Crisis intervention week" in page and "Unfinished trust guide" not in page


def test_a_removed_resource_file_goes_from_storage_only_when_the_removal_commits(app: Any) -> None:
    storage = app.extensions["package_storage"]
    factory = make_sessionmaker(app.extensions["db_engine"])
    with app.app_context(), transaction(factory) as session:
        resource = services.save_resource(session, None, {"title": "Field card", "kind": "document", "status": "draft"})
        item = services.add_resource_item(
            session, storage, resource, kind="document", title="Card", filename="card.pdf",
            stream=io.BytesIO(b"%PDF-1.4\n% card\n"),
        )
        resource_id, item_id, key = resource.id, item.id, item.storage_key
    with app.app_context(), factory() as session:
        resource = session.get(type(resource), resource_id)
        services.remove_resource_item(session, storage, resource, item_id)
        assert storage.exists(key)
        session.rollback()
        assert storage.exists(key)
    with app.app_context(), transaction(factory) as session:
        services.remove_resource_item(session, storage, session.get(type(resource), resource_id), item_id)
    assert not storage.exists(key)
