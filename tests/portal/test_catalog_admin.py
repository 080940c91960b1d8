"""Admins edit instructional resources (with their files) and in-person listings; nobody else may."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker
from portal.catalog.models import InPersonCourse, Resource, ResourceItem
from tests.portal.catalog_support import csrf_token, post_form, signed_in


def all_of(app: Any, model: Any) -> list[Any]:
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        return list(session.scalars(select(model)))


def test_admin_creates_and_edits_a_video_series_with_captions(app: Any) -> None:
    admin = signed_in(app, "admin@example.org", role="admin")
    created = post_form(
        admin,
        "/admin/catalog/resources/new",
        "/admin/catalog/resources/new",
        {"title": "Roll call: de-escalation", "kind": "video_series", "description": "Three short videos.",
         "topics": "De-escalation, Roll call", "status": "draft"},
    )
    assert created.status_code == 303 and created.location.endswith("/admin/catalog/resources/roll-call-de-escalation")
    edit_url = "/admin/catalog/resources/roll-call-de-escalation"
    assert 'value="De-escalation, Roll call"' in admin.get(edit_url).get_data(as_text=True)

    for kind, name, body in (("video", "part1.mp4", b"\x00\x00\x00\x18ftypmp42video"), ("captions", "part1.vtt", b"WEBVTT\n")):
        token = csrf_token(admin, edit_url)
        added = admin.post(
            f"{edit_url}/items",
            data={"csrf_token": token, "item_title": f"Part 1 {kind}", "item_kind": kind, "file": (BytesIO(body), name)},
            content_type="multipart/form-data",
        )
        assert added.status_code == 303
    [resource] = all_of(app, Resource)
    assert resource.status == "draft" and resource.topics == ["De-escalation", "Roll call"]
    assert [(i.kind, i.content_type) for i in all_of(app, ResourceItem)] == [("video", "video/mp4"), ("captions", "text/vtt")]

    learner = signed_in(app, "learner@example.org")
    assert learner.get("/resources/roll-call-de-escalation").status_code == 404  # still a draft

    published = post_form(admin, edit_url, edit_url, {"title": "Roll call: de-escalation", "kind": "video_series",
                                                     "slug": "roll-call-de-escalation", "status": "published"})
    assert published.status_code == 303
    page = learner.get("/resources/roll-call-de-escalation").get_data(as_text=True)
    assert "<video" in page and '<track kind="captions"' in page

    captions = all_of(app, ResourceItem)[1]
    removed = post_form(admin, edit_url, f"{edit_url}/items/{captions.id}/delete", {})
    assert removed.status_code == 303
    assert [i.kind for i in all_of(app, ResourceItem)] == ["video"]
    assert not app.extensions["package_storage"].exists(captions.storage_key)
    assert '<track kind="captions"' not in learner.get("/resources/roll-call-de-escalation").get_data(as_text=True)


def test_a_file_of_the_wrong_kind_is_refused(app: Any) -> None:
    admin = signed_in(app, "admin@example.org", role="admin")
    post_form(admin, "/admin/catalog/resources/new", "/admin/catalog/resources/new",
              {"title": "Guide", "kind": "document", "status": "draft"})
    token = csrf_token(admin, "/admin/catalog/resources/guide")
    refused = admin.post(
        "/admin/catalog/resources/guide/items",
        data={"csrf_token": token, "item_kind": "video", "file": (BytesIO(b"<script>"), "evil.html")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "A video must be one of these files: .mp4, .webm." in refused.get_data(as_text=True)
    assert all_of(app, ResourceItem) == []


def test_admin_lists_an_in_person_course_and_bad_input_stores_nothing(app: Any) -> None:
    admin = signed_in(app, "admin@example.org", role="admin")
    form = {"title": "Crisis intervention week", "provider": "Example Institute", "location": "Springfield",
            "starts_on": "2027-03-01", "schedule": "Five days", "registration_url": "javascript:alert(1)",
            "status": "published"}
    bad = post_form(admin, "/admin/catalog/in-person/new", "/admin/catalog/in-person/new", form)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert all_of(app, InPersonCourse) == []

    form["registration_url"] = "https://example.org/cit"
    good = post_form(admin, "/admin/catalog/in-person/new", "/admin/catalog/in-person/new", form)
    assert good.status_code == 303
    [listing] = all_of(app, InPersonCourse)
    assert listing.starts_on.isoformat() == "2027-03-01"

    taken = post_form(admin, "/admin/catalog/in-person/new", "/admin/catalog/in-person/new",
                      {**form, "slug": "crisis-intervention-week"})
    assert taken.status_code == 422 and "already used" in taken.get_data(as_text=True)

    learner = signed_in(app, "learner@example.org")
    page = learner.get("/in-person/crisis-intervention-week").get_data(as_text=True)
    assert "March 1, 2027" in page and "Five days" in page
    assert "Crisis intervention week" in admin.get("/admin/catalog/").get_data(as_text=True)


def test_only_admins_edit_the_catalog(app: Any) -> None:
    for role, extra in (("learner", {}), ("partner", {"partner_slug": "acme"}), ("analyst", {})):
        client = signed_in(app, f"{role}@example.org", role=role, **extra)
        assert client.get("/admin/catalog/").status_code == 403
        assert client.get("/admin/catalog/resources/new").status_code == 403
    assert app.test_client().get("/admin/catalog/").status_code == 302
