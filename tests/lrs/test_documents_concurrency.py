"""ETag concurrency on the document resources (xAPI 1.0.3 Part Three §3.1; 2.0 per STANDARDS.md §2 item 6)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import XAPI
from tests.lrs.documents_support import TARGETS, Target

PROFILES = ["activity_profile", "agent_profile"]


def test_etag_is_the_quoted_sha1_of_the_content(vx: XAPI, target: Target) -> None:
    etag = target.create(vx, {"progress": 0.25})
    stored = target.get(vx).data
    assert etag == '"' + hashlib.sha1(stored).hexdigest() + '"'


def test_put_with_the_current_etag_replaces_and_a_stale_one_is_412(
    vx: XAPI, target: Target
) -> None:
    etag = target.create(vx, {"v": 1})
    assert target.put(vx, {"v": 2}, headers={"If-Match": etag}).status_code == 204
    stale = target.put(vx, {"v": 3}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert json.loads(target.get(vx).data) == {"v": 2}


def test_if_match_on_a_missing_document_is_412_and_creates_nothing(
    vx: XAPI, target: Target
) -> None:
    response = target.put(vx, {"v": 1}, headers={"If-Match": '"' + "0" * 40 + '"'})
    assert response.status_code == 412
    assert target.get(vx).status_code == 404


def test_if_none_match_star_creates_only(vx: XAPI, target: Target) -> None:
    target.create(vx, {"v": 1})
    again = target.put(vx, {"v": 2}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert json.loads(target.get(vx).data) == {"v": 1}


def test_if_match_star_and_lists_of_etags_follow_rfc_2616(
    vx: XAPI, target: Target
) -> None:
    etag = target.create(vx, {"v": 1})
    assert target.put(vx, {"v": 2}, headers={"If-Match": "*"}).status_code == 204
    current = target.get(vx).headers["ETag"]
    assert (
        target.put(vx, {"v": 3}, headers={"If-Match": f"{etag}, {current}"}).status_code
        == 204
    )


def test_post_and_delete_honour_if_match(vx: XAPI, target: Target) -> None:
    etag = target.create(vx, {"v": 1})
    wrong = '"' + "f" * 40 + '"'
    assert target.post(vx, {"w": 2}, headers={"If-Match": wrong}).status_code == 412
    assert target.delete(vx, headers={"If-Match": wrong}).status_code == 412
    assert json.loads(target.get(vx).data) == {"v": 1}
    assert target.post(vx, {"w": 2}, headers={"If-Match": etag}).status_code == 204
    merged = target.get(vx)
    assert json.loads(merged.data) == {"v": 1, "w": 2}
    assert (
        target.delete(vx, headers={"If-Match": merged.headers["ETag"]}).status_code
        == 204
    )
    assert target.get(vx).status_code == 404


@pytest.mark.parametrize("kind", PROFILES)
def test_profile_put_over_an_existing_document_without_headers_is_409(
    vx: XAPI, kind: str
) -> None:
    target = TARGETS[kind]()
    target.create(vx, {"v": 1})
    response = target.put(vx, {"v": 2})
    assert response.status_code == 409
    assert "If-Match" in response.get_json()["error"]["message"]
    assert json.loads(target.get(vx).data) == {"v": 1}


@pytest.mark.parametrize("kind", PROFILES)
def test_profile_put_of_a_new_document_without_headers_stores_it(
    vx: XAPI, kind: str
) -> None:
    target = TARGETS[kind]()
    response = target.put(vx, {"v": 1})
    assert response.status_code == 204  # §3.1 names 409 only for a document that exists
    assert json.loads(target.get(vx).data) == {"v": 1}


def test_state_put_without_headers_overwrites_in_1_0_3_but_conflicts_in_2_0(
    xapi: XAPI,
) -> None:
    target = TARGETS["state"]()
    xapi.version = "1.0.3"
    assert target.put(xapi, {"v": 1}).status_code == 204
    assert target.put(xapi, {"v": 2}).status_code == 204
    assert json.loads(target.get(xapi).data) == {"v": 2}

    xapi.version = "2.0.0"
    fresh = TARGETS["state"]()
    assert fresh.put(xapi, {"v": 1}).status_code == 204  # creating needs no header
    assert fresh.put(xapi, {"v": 2}).status_code == 409
    assert json.loads(fresh.get(xapi).data) == {"v": 1}


def test_post_without_headers_merges_in_both_versions(vx: XAPI, target: Target) -> None:
    target.create(vx, {"a": 1})
    assert target.post(vx, {"b": 2}).status_code == 204
    assert json.loads(target.get(vx).data) == {"a": 1, "b": 2}
