"""The writes decided in one statement keep every precondition rule (xAPI 1.0.3 Part Three §3.1).

A PUT with one If-Match ETag is a guarded UPDATE, If-None-Match: * and 2.0's blind State
PUT an INSERT that does nothing on conflict, 1.0.3's blind State PUT an upsert: these tests
pin what each must still refuse, and that racing writers never lose or mix an update.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from tests.conftest import XAPI, basic_auth
from tests.lrs.documents_support import Target, state

WRITERS = 8


def _message(response: Any) -> str:
    return str(response.get_json()["error"]["message"])


def test_a_stale_etag_is_412_naming_the_current_one_and_changes_nothing(
    vx: XAPI, target: Target
) -> None:
    first = target.create(vx, {"page": 1})
    assert target.put(vx, {"page": 2}, headers={"If-Match": first}).status_code == 204
    current = target.get(vx)
    stale = target.put(vx, {"page": 3}, headers={"If-Match": first})
    assert stale.status_code == 412
    assert current.headers["ETag"] in _message(stale)
    after = target.get(vx)
    assert json.loads(after.data) == {"page": 2}
    assert after.headers["ETag"] == current.headers["ETag"]
    assert after.headers["Last-Modified"] == current.headers["Last-Modified"]


@pytest.mark.parametrize("if_match", ["*", '"' + "a" * 40 + '"'])
def test_if_match_on_a_missing_document_is_412_saying_so(
    vx: XAPI, target: Target, if_match: str
) -> None:
    response = target.put(vx, {"page": 1}, headers={"If-Match": if_match})
    assert response.status_code == 412
    assert "does not exist" in _message(response)
    assert target.get(vx).status_code == 404


def test_a_weak_or_unquoted_etag_matches_like_the_quoted_one(
    vx: XAPI, target: Target
) -> None:
    etag = target.create(vx, {"page": 1})
    bare = etag.strip('"')
    assert target.put(vx, {"page": 2}, headers={"If-Match": bare}).status_code == 204
    etag = target.get(vx).headers["ETag"]
    assert (
        target.put(vx, {"page": 3}, headers={"If-Match": f"W/{etag}"}).status_code
        == 204
    )
    assert json.loads(target.get(vx).data) == {"page": 3}


def test_a_guarded_put_replaces_content_type_etag_and_moves_last_modified(
    vx: XAPI, target: Target
) -> None:
    etag = target.create(vx, {"page": 1})
    before = parsedate_to_datetime(target.get(vx).headers["Last-Modified"])
    body = b"\x00\x01 bookmark"
    response = target.put(
        vx, (body, "application/x-bookmark"), headers={"If-Match": etag}
    )
    assert response.status_code == 204
    assert response.headers["ETag"] == '"' + hashlib.sha1(body).hexdigest() + '"'
    got = target.get(vx)
    assert got.data == body
    assert got.headers["Content-Type"] == "application/x-bookmark"
    assert got.headers["ETag"] == response.headers["ETag"]
    assert parsedate_to_datetime(got.headers["Last-Modified"]) >= before


def test_create_only_write_answers_the_etag_of_what_it_stored(
    vx: XAPI, target: Target
) -> None:
    created = target.put(vx, {"page": 1}, headers={"If-None-Match": "*"})
    assert created.status_code == 204
    assert created.headers["ETag"] == target.get(vx).headers["ETag"]
    again = target.post(vx, {"other": 2}, headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert "already exists" in _message(again)
    assert json.loads(target.get(vx).data) == {"page": 1}


def test_blind_state_put_replaces_in_1_0_3_and_is_409_in_2_0(xapi: XAPI) -> None:
    doc = state()
    xapi.version = "1.0.3"
    assert doc.put(xapi, {"page": 1}).status_code == 204
    assert doc.put(xapi, (b"plain", "text/plain")).status_code == 204
    replaced = doc.get(xapi)
    assert (replaced.data, replaced.headers["Content-Type"]) == (
        b"plain",
        "text/plain",
    )
    xapi.version = "2.0.0"
    refused = doc.put(xapi, {"page": 3})
    assert refused.status_code == 409
    assert "If-Match" in _message(refused)
    assert doc.get(xapi).data == b"plain"
    fresh = state()
    assert fresh.put(xapi, {"page": 1}).status_code == 204
    assert json.loads(fresh.get(xapi).data) == {"page": 1}


# -- racing writers over real HTTP ---------------------------------------------


def _race(
    live_server: str,
    credential: tuple[str, str],
    doc: Target,
    version: str,
    headers: dict[str, str],
) -> tuple[list[int], requests.Response]:
    """WRITERS concurrent PUTs of {"writer": N}; (statuses, the final GET)."""

    def send(n: int) -> int:
        with requests.Session() as http:
            response = http.put(
                f"{live_server}/xapi/{doc.path}",
                params=doc.params(),
                data=json.dumps({"writer": n}),
                headers={
                    "Authorization": basic_auth(*credential),
                    "X-Experience-API-Version": version,
                    "Content-Type": "application/json",
                    **headers,
                },
                timeout=60,
            )
            return response.status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(pool.map(send, range(WRITERS)))
    final = requests.get(
        f"{live_server}/xapi/{doc.path}",
        params=doc.params(),
        headers={
            "Authorization": basic_auth(*credential),
            "X-Experience-API-Version": version,
        },
        timeout=60,
    )
    return statuses, final


def _create(live_server: str, credential: tuple[str, str], doc: Target) -> str:
    headers = {
        "Authorization": basic_auth(*credential),
        "X-Experience-API-Version": "2.0.0",
    }
    url = f"{live_server}/xapi/{doc.path}"
    created = requests.put(
        url,
        params=doc.params(),
        data=b'{"writer": null}',
        headers={**headers, "Content-Type": "application/json", "If-None-Match": "*"},
        timeout=60,
    )
    assert created.status_code == 204
    return str(created.headers["ETag"])


def test_writers_holding_the_same_etag_one_wins_the_rest_get_412(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    doc = state()
    etag = _create(live_server, lrs_credential, doc)
    statuses, final = _race(
        live_server, lrs_credential, doc, "2.0.0", {"If-Match": etag}
    )
    assert sorted(statuses) == [204] + [412] * (WRITERS - 1)
    winner = final.json()["writer"]
    assert winner in range(WRITERS)
    assert final.headers["ETag"] == '"' + hashlib.sha1(final.content).hexdigest() + '"'


def test_racing_blind_2_0_state_puts_create_once_and_409_the_rest(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    statuses, final = _race(live_server, lrs_credential, state(), "2.0.0", {})
    assert sorted(statuses) == [204] + [409] * (WRITERS - 1)
    assert final.json()["writer"] in range(WRITERS)


def test_racing_blind_1_0_3_state_puts_all_land_and_leave_one_whole_document(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    statuses, final = _race(live_server, lrs_credential, state(), "1.0.3", {})
    assert statuses == [204] * WRITERS
    assert final.json()["writer"] in range(WRITERS)
    assert final.headers["ETag"] == '"' + hashlib.sha1(final.content).hexdigest() + '"'
