"""Rules all three document resources share (xAPI 1.0.3 Part Three §2.2-§2.7), in both versions."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import XAPI
from tests.lrs.documents_support import TARGETS, Target, learner

KINDS = sorted(TARGETS)


@pytest.fixture(params=KINDS)
def target(request: pytest.FixtureRequest) -> Target:
    return TARGETS[request.param]()


def test_any_content_is_stored_byte_exact_with_its_content_type(
    vx: XAPI, target: Target
) -> None:
    content = bytes(range(256)) * 4
    assert (
        target.put(
            vx, (content, "image/png"), headers={"If-None-Match": "*"}
        ).status_code
        == 204
    )
    response = target.get(vx)
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["ETag"] == f'"{hashlib.sha1(content).hexdigest()}"'
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert abs((datetime.now(UTC) - modified).total_seconds()) < 3600


def test_post_merges_top_level_properties_and_replaces_nested_objects_whole(
    vx: XAPI, target: Target
) -> None:
    target.create(
        vx, {"bookmark": "page-3", "scores": {"quiz1": 0.5, "quiz2": 0.9}, "kept": True}
    )
    response = target.post(vx, {"bookmark": "page-7", "scores": {"quiz3": 1.0}})
    assert response.status_code == 204
    assert json.loads(target.get(vx).data) == {
        "bookmark": "page-7",
        "scores": {"quiz3": 1.0},
        "kept": True,
    }


def test_post_to_a_missing_document_stores_it_as_sent(vx: XAPI, target: Target) -> None:
    assert target.post(vx, (b"plain words", "text/plain")).status_code == 204
    response = target.get(vx)
    assert response.data == b"plain words"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("stored", "posted"),
    [
        ({"a": 1}, (b"not json at all", "text/plain")),
        ((b"<xml/>", "application/xml"), {"a": 1}),
        ({"a": 1}, (b'{"b": 2', "application/json")),
        ({"a": 1}, ([1, 2, 3])),
        ((b"[1, 2]", "application/json"), {"a": 1}),
    ],
    ids=[
        "posted-not-json",
        "stored-not-json",
        "posted-broken-json",
        "posted-array",
        "stored-array",
    ],
)
def test_post_that_cannot_merge_is_400_and_changes_nothing(
    vx: XAPI, target: Target, stored: Any, posted: Any
) -> None:
    etag = target.create(vx, stored)
    response = target.post(vx, posted)
    assert response.status_code == 400
    assert "merge" in response.get_json()["error"]["message"]
    assert target.get(vx).headers["ETag"] == etag


def test_get_of_a_missing_document_is_404(vx: XAPI, target: Target) -> None:
    response = target.get(vx)
    assert response.status_code == 404
    assert target.id_param in response.get_json()["error"]["message"]


def test_delete_removes_the_document(vx: XAPI, target: Target) -> None:
    target.create(vx, {"x": 1})
    assert target.delete(vx).status_code == 204
    assert target.get(vx).status_code == 404
    assert target.delete(vx).status_code == 204  # deleting what is gone is not an error


def test_listing_gives_ids_and_since_is_exclusive(vx: XAPI, target: Target) -> None:
    first = Target(target.path, target.id_param, target.context, doc_id="first")
    second = Target(target.path, target.id_param, target.context, doc_id="second")
    first.create(vx, {"n": 1})
    between = datetime.now(UTC)
    second.create(vx, {"n": 2})

    everything = vx.get(target.path, query_string=target.listing())
    assert everything.status_code == 200
    assert sorted(everything.get_json()) == ["first", "second"]
    assert parsedate_to_datetime(everything.headers["Last-Modified"])

    later = vx.get(target.path, query_string=target.listing(since=between.isoformat()))
    assert later.get_json() == ["second"]
    future = vx.get(
        target.path, query_string=target.listing(since="2999-01-01T00:00:00Z")
    )
    assert future.get_json() == []


def test_listing_with_a_bad_since_is_400(vx: XAPI, target: Target) -> None:
    response = vx.get(target.path, query_string=target.listing(since="last tuesday"))
    assert response.status_code == 400
    assert "since" in response.get_json()["error"]["message"]


def test_the_same_agent_sent_as_different_json_reaches_the_same_document(
    vx: XAPI,
) -> None:
    sent = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"}
    again = {"mbox": "mailto:ada@example.org"}
    for make in (TARGETS["state"], TARGETS["agent_profile"]):
        writer = make(sent)
        writer.create(vx, {"who": "ada"})
        reader = make(again)
        reader.doc_id = writer.doc_id
        assert json.loads(reader.get(vx).data) == {"who": "ada"}
        other = make({"mbox": "mailto:grace@example.org"})
        other.doc_id = writer.doc_id
        assert other.get(vx).status_code == 404


def test_head_answers_the_headers_without_a_body(vx: XAPI, target: Target) -> None:
    etag = target.create(vx, {"x": 1})
    response = vx.head(target.path, query_string=target.params())
    assert response.status_code == 200
    assert response.headers["ETag"] == etag
    assert response.data == b""


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
def test_missing_or_broken_parameters_are_400_naming_them(
    vx: XAPI, target: Target, method: str
) -> None:
    required = [name for name in ("activityId", "agent") if name in target.context]
    if (
        method in ("PUT", "POST")
        or target.id_param == "profileId"
        and method == "DELETE"
    ):
        required.append(target.id_param)
    headers = {"If-None-Match": "*"}
    for name in required:
        response = vx.request(
            method,
            target.path,
            query_string=target.params(**{name: None}),
            headers=headers,
            data=b"{}",
            content_type="application/json",
        )
        assert response.status_code == 400, (name, response.data)
        assert name in response.get_json()["error"]["message"]
    broken = {"agent": '{"name": "no identifier"}', "activityId": "not an iri"}
    for name in required:
        if name in broken:
            response = vx.request(
                method,
                target.path,
                query_string=target.params(**{name: broken[name]}),
                headers=headers,
                data=b"{}",
                content_type="application/json",
            )
            assert response.status_code == 400, (name, response.data)


@pytest.mark.parametrize("kind", ["state", "agent_profile"])
def test_agent_that_is_not_json_is_400(vx: XAPI, kind: str) -> None:
    response = TARGETS[kind]().get(vx, agent="mailto:ada@example.org")
    assert response.status_code == 400
    assert "agent" in response.get_json()["error"]["message"]


def test_alternate_request_syntax_writes_and_reads_a_document(
    xapi: XAPI, target: Target
) -> None:
    form = {
        **target.params(),
        "Authorization": xapi.authorization,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "If-None-Match": "*",
        "content": json.dumps({"via": "form"}),
    }
    response = xapi.client.post(
        f"/xapi/{target.path}?method=PUT",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 204, response.data
    assert json.loads(target.get(xapi).data) == {"via": "form"}


def test_an_anonymous_group_cannot_own_documents(xapi: XAPI) -> None:
    xapi.version = "2.0.0"
    group = {"objectType": "Group", "member": [learner("ada"), learner("grace")]}
    response = TARGETS["agent_profile"](group).get(xapi)
    assert response.status_code == 400


def test_stored_html_cannot_run_on_the_lrs_origin(xapi: XAPI, target: Target) -> None:
    page = (b"<script>alert(document.cookie)</script>", "text/html")
    target.create(xapi, page)
    response = target.get(xapi)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_content_type_that_cannot_be_sent_back_as_a_header_is_400(
    xapi: XAPI, target: Target
) -> None:
    form = {
        **target.params(),
        "Authorization": xapi.authorization,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "text/plain; name=\u2603",
        "If-None-Match": "*",
        "content": "hello",
    }
    response = xapi.client.post(
        f"/xapi/{target.path}?method=PUT",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "Content-Type" in response.get_json()["error"]["message"]
    assert target.get(xapi).status_code == 404
