"""Statement attachments: multipart/mixed requests with hash-checked parts, fileUrl, and GET ?attachments=true.

xAPI 1.0.3 Data §2.4.11 and Communication §1.5 (2.0.0 is the same), on SQLite and
PostgreSQL. Responses are read back with Python's own MIME parser, not ours.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from lrs.sql.attachments import ATTACHMENTS, LINKS
from lrs.sql.statements import STATEMENTS
from tests.conftest import XAPI
from tests.lrs.multipart_support import (
    attachment,
    multipart,
    part,
    post_multipart,
    read_multipart,
    statement,
)

ESSAY = b"In which I argue that attachments belong in an LRS.\n"
PHOTO = bytes(range(256)) * 64 + b"\r\n--not-our-boundary\r\n\x00\xff"


def counts(app: Any) -> tuple[int, int, int]:
    """(statements, attachment rows, statement-attachment links) in the LRS database."""
    with app.extensions["lrs"].sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table)) for table in (STATEMENTS, ATTACHMENTS, LINKS)
        )


def get_with_attachments(xapi: XAPI, **params: str) -> Any:
    return xapi.get("statements", query_string={**params, "attachments": "true"})


def test_multipart_post_stores_the_data_and_get_returns_it(xapi: XAPI, xapi_version: str) -> None:
    xapi.version = xapi_version
    sent = statement(attachments=[attachment(ESSAY), attachment(PHOTO, "image/png")])
    response = post_multipart(xapi, multipart(sent, part(ESSAY), part(PHOTO, "image/png")))
    assert response.status_code == 200, response.get_json()
    [statement_id] = response.get_json()

    answer = get_with_attachments(xapi, statementId=statement_id)
    assert answer.status_code == 200
    media_type, _, parameters = answer.headers["Content-Type"].partition(";")
    assert media_type == "multipart/mixed"
    assert parameters.strip().startswith("boundary=")
    assert "X-Experience-API-Consistent-Through" in answer.headers
    received = read_multipart(answer.headers["Content-Type"], answer.data)
    assert received.document["id"] == statement_id
    assert [a["sha2"] for a in received.document["attachments"]] == [a["sha2"] for a in sent["attachments"]]
    by_hash = {headers["X-Experience-API-Hash"]: (headers, data) for headers, data in received.attachments}
    assert set(by_hash) == {hashlib.sha256(ESSAY).hexdigest(), hashlib.sha256(PHOTO).hexdigest()}
    headers, data = by_hash[hashlib.sha256(PHOTO).hexdigest()]
    assert data == PHOTO
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Transfer-Encoding"] == "binary"
    assert by_hash[hashlib.sha256(ESSAY).hexdigest()][1] == ESSAY


def test_without_attachments_true_the_answer_is_json(xapi: XAPI) -> None:
    sent = statement(attachments=[attachment(ESSAY)])
    [statement_id] = post_multipart(xapi, multipart(sent, part(ESSAY))).get_json()
    for params in ({}, {"attachments": "false"}):
        answer = xapi.get("statements", query_string={"statementId": statement_id, **params})
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.get_json()["attachments"][0]["sha2"] == hashlib.sha256(ESSAY).hexdigest()
    assert xapi.get("statements", query_string={"attachments": "yes"}).status_code == 400


def test_a_query_returns_each_attachment_once_after_the_statement_result(app: Any, xapi: XAPI) -> None:
    shared = attachment(ESSAY)
    batch = [statement(attachments=[shared]), statement(attachments=[shared, attachment(PHOTO, "image/png")])]
    response = post_multipart(xapi, multipart(batch, part(ESSAY), part(PHOTO, "image/png")))
    assert response.status_code == 200, response.get_json()
    assert counts(app) == (2, 2, 3)

    answer = get_with_attachments(xapi, verb="http://adlnet.gov/expapi/verbs/attempted")
    received = read_multipart(answer.headers["Content-Type"], answer.data)
    assert sorted(s["id"] for s in received.document["statements"]) == sorted(response.get_json())
    assert received.document["more"] == ""
    hashes = [headers["X-Experience-API-Hash"] for headers, _ in received.attachments]
    assert sorted(hashes) == sorted({hashlib.sha256(ESSAY).hexdigest(), hashlib.sha256(PHOTO).hexdigest()})


def test_the_same_data_sent_again_is_kept_once(app: Any, xapi: XAPI) -> None:
    for _ in range(2):
        body = multipart(statement(attachments=[attachment(PHOTO, "image/png")]), part(PHOTO, "image/png"))
        assert post_multipart(xapi, body).status_code == 200
    assert counts(app) == (2, 1, 2)


def test_put_takes_a_multipart_statement(xapi: XAPI, xapi_version: str) -> None:
    xapi.version = xapi_version
    statement_id = "6f1c1e58-8ad9-4a51-9a4c-0d4f2a3d9b10"
    body = multipart(statement(attachments=[attachment(ESSAY)]), part(ESSAY))
    response = post_multipart(xapi, body, method="PUT", query_string={"statementId": statement_id})
    assert response.status_code == 204, response.get_json()
    received = read_multipart(*_content(get_with_attachments(xapi, statementId=statement_id)))
    assert [data for _, data in received.attachments] == [ESSAY]


def _content(response: Any) -> tuple[str, bytes]:
    assert response.status_code == 200
    return response.headers["Content-Type"], response.data


def test_sha384_and_sha512_hashes_are_checked_too(xapi: XAPI) -> None:
    for algorithm in ("sha384", "sha512"):
        body = multipart(
            statement(attachments=[attachment(PHOTO, algorithm=algorithm)]), part(PHOTO, algorithm=algorithm)
        )
        assert post_multipart(xapi, body).status_code == 200
        forged = part(ESSAY, algorithm=algorithm, X_Experience_API_Hash=hashlib.new(algorithm, PHOTO).hexdigest())
        body = multipart(statement(attachments=[attachment(PHOTO, algorithm=algorithm)]), forged)
        assert post_multipart(xapi, body).status_code == 400


def test_attachments_by_file_url_need_no_part(app: Any, xapi: XAPI, xapi_version: str) -> None:
    xapi.version = xapi_version
    by_url = attachment(ESSAY, fileUrl="https://files.example.org/essay.txt")
    assert xapi.post("statements", json=statement(attachments=[by_url])).status_code == 200
    assert post_multipart(xapi, multipart(statement(attachments=[by_url]))).status_code == 200
    assert post_multipart(xapi, multipart(statement())).status_code == 200
    assert counts(app) == (3, 0, 0)


def test_a_file_url_attachment_does_not_reach_data_another_statement_sent(app: Any, xapi: XAPI) -> None:
    """The data is returned with the statements it was sent with, not with any statement naming its hash."""
    post_multipart(xapi, multipart(statement(attachments=[attachment(PHOTO)]), part(PHOTO)))
    claim = statement(attachments=[attachment(PHOTO, fileUrl="https://elsewhere.example/photo")])
    [claim_id] = xapi.post("statements", json=claim).get_json()
    received = read_multipart(*_content(get_with_attachments(xapi, statementId=claim_id)))
    assert received.document["id"] == claim_id
    assert received.attachments == []


def test_json_requests_need_a_file_url_for_every_attachment(app: Any, xapi: XAPI, xapi_version: str) -> None:
    xapi.version = xapi_version
    response = xapi.post("statements", json=statement(attachments=[attachment(ESSAY)]))
    assert response.status_code == 400
    assert "fileUrl" in response.get_json()["error"]["message"]
    assert counts(app) == (0, 0, 0)


def _broken_bodies() -> dict[str, tuple[bytes, str, str]]:
    """Name -> (body, Content-Type, words the error must contain)."""
    ok_statement = statement(attachments=[attachment(ESSAY)])
    good = multipart(ok_statement, part(ESSAY))
    header = "multipart/mixed; boundary=" + "rollcall-test-boundary-7f3a"
    two = statement(attachments=[attachment(ESSAY), attachment(PHOTO)])
    return {
        "no boundary in the header": (good, "multipart/mixed", "boundary"),
        "another boundary in the body": (good, "multipart/mixed; boundary=something-else", "boundary"),
        "no closing boundary": (good.rsplit(b"--rollcall", 1)[0], header, "closing"),
        "first part not JSON": (multipart(ok_statement, part(ESSAY), json_type="text/plain"), header, "first part"),
        "no hash header": (
            multipart(ok_statement, part(ESSAY, X_Experience_API_Hash=None)),
            header,
            "X-Experience-API-Hash",
        ),
        "hash of other data": (
            multipart(ok_statement, part(ESSAY, X_Experience_API_Hash=hashlib.sha256(PHOTO).hexdigest())),
            header,
            "does not hash",
        ),
        "hash not hex": (multipart(ok_statement, part(ESSAY, X_Experience_API_Hash="z" * 64)), header, "SHA-2"),
        "no transfer encoding": (
            multipart(ok_statement, part(ESSAY, Content_Transfer_Encoding=None)),
            header,
            "Content-Transfer-Encoding",
        ),
        "base64 transfer encoding": (
            multipart(ok_statement, part(ESSAY, Content_Transfer_Encoding="base64")),
            header,
            "Content-Transfer-Encoding",
        ),
        "a part no attachment declares": (
            multipart(ok_statement, part(ESSAY), part(PHOTO)),
            header,
            "match no attachment",
        ),
        "a declared attachment without its part": (multipart(two, part(ESSAY)), header, "no part carries"),
        "statements split over two parts": (
            multipart(ok_statement, part(b"[]", "application/json", Content_Transfer_Encoding=None), part(ESSAY)),
            header,
            "Content-Transfer-Encoding",
        ),
        "statements before the first boundary": (
            good.replace(b"--rollcall-test-boundary-7f3a\r\n", b"", 1),
            header,
            "first part",
        ),
    }


BROKEN = _broken_bodies()


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_multipart_requests_are_refused_and_store_nothing(app: Any, xapi: XAPI, case: str) -> None:
    body, content_type, words = BROKEN[case]
    response = xapi.post("statements", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, case
    assert words in response.get_json()["error"]["message"]
    assert counts(app) == (0, 0, 0)


def test_a_quoted_boundary_with_rfc_2046_special_characters(xapi: XAPI) -> None:
    boundary = "abcABC0123'()+_,-./:=?"
    body = multipart(statement(attachments=[attachment(ESSAY)]), part(ESSAY), boundary=boundary)
    headers = {"Content-Type": f'multipart/mixed; boundary="{boundary}"'}
    assert xapi.post("statements", data=body, headers=headers).status_code == 200


def test_a_batch_refused_later_keeps_none_of_its_attachments(app: Any, xapi: XAPI) -> None:
    """The data is stored in the statements' transaction: an invalid second statement stores nothing."""
    invalid = statement(verb={"id": "not an IRI"})
    body = multipart([statement(attachments=[attachment(ESSAY)]), invalid], part(ESSAY))
    assert post_multipart(xapi, body).status_code == 400
    assert counts(app) == (0, 0, 0)


def test_a_statement_already_stored_adds_no_data(app: Any, xapi: XAPI) -> None:
    by_url = statement(
        id="0b5b39a5-4c0e-4f55-9d80-55f1a3a0c0de", attachments=[attachment(ESSAY, fileUrl="https://x.example/e")]
    )
    assert xapi.post("statements", json=by_url).status_code == 200
    assert post_multipart(xapi, multipart(by_url, part(ESSAY))).status_code == 200
    assert counts(app) == (1, 0, 0)


def test_a_real_http_server_streams_attachments_both_ways(live_server: str, lrs_credential: tuple[str, str]) -> None:
    auth = requests.auth.HTTPBasicAuth(*lrs_credential)
    headers = {
        "X-Experience-API-Version": "2.0.0",
        "Content-Type": "multipart/mixed; boundary=rollcall-test-boundary-7f3a",
    }
    body = multipart([statement(attachments=[attachment(PHOTO, "image/png")])], part(PHOTO, "image/png"))
    posted = requests.post(f"{live_server}/xapi/statements", data=body, headers=headers, auth=auth, timeout=30)
    assert posted.status_code == 200, posted.text
    got = requests.get(
        f"{live_server}/xapi/statements",
        params={"statementId": posted.json()[0], "attachments": "true"},
        headers={"X-Experience-API-Version": "2.0.0"},
        auth=auth,
        timeout=30,
    )
    received = read_multipart(got.headers["Content-Type"], got.content)
    assert [data for _, data in received.attachments] == [PHOTO]
