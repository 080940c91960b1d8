"""The LRS bench's HTTP driver (bench/lrsbench/driver.py) against real servers.

The driver is a small HTTP/1.1 client of its own (it shares the two cores with the
server it measures), so what it parses is checked here: against ``rollcall serve``
itself, with the answers the bench gets (JSON with Content-Length, a streamed query
page in chunks, 204 and 404), and against a socket server that writes answers byte
for byte (chunk extensions and trailers, a body ended by closing the connection).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT, basic_auth

sys.path.insert(0, str(ROOT / "bench"))
from lrsbench.driver import Http

STATEMENTS = "/xapi/statements"


def statements(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": "mailto:driver@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {
                "id": f"http://example.org/driver/{n}",
                "definition": {"description": {"en": "x" * 200}},
            },
        }
        for n in range(count)
    ]


@pytest.mark.slow
def test_one_connection_carries_every_kind_of_answer_the_bench_gets(
    rollcall_server: Any, lrs_credential: tuple[str, str]
) -> None:
    rollcall_server.start()
    client = Http(
        rollcall_server.url,
        {
            "Authorization": basic_auth(*lrs_credential),
            "X-Experience-API-Version": "2.0.0",
        },
    )
    sent = statements(300)

    status, headers, data = client.request(
        "POST",
        STATEMENTS,
        json.dumps(sent).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200
    assert int(headers.get("Content-Length")) == len(data)
    assert json.loads(data) == [s["id"] for s in sent]
    connection = client.sock

    status, headers, data = client.request("GET", f"{STATEMENTS}?limit=300&format=ids")
    assert status == 200
    assert headers.get("transfer-encoding") == "chunked"  # a streamed page, in several chunks
    assert len(data) > 64 * 1024
    page = json.loads(data)
    assert [s["id"] for s in page["statements"]] == [s["id"] for s in reversed(sent)]

    state = "/xapi/activities/state?" + urlencode(
        {
            "activityId": "http://example.org/driver",
            "agent": json.dumps({"mbox": "mailto:driver@example.org"}),
            "stateId": "s",
        }
    )
    status, headers, data = client.request(
        "PUT",
        state,
        b'{"page": 7}',
        {"Content-Type": "application/json", "If-None-Match": "*"},
    )
    assert (status, data) == (204, b"")
    status, headers, data = client.request("GET", state)
    assert (status, data) == (200, b'{"page": 7}')
    assert headers.get("ETag") == headers.get("etag") and headers.get("ETag").startswith('"')

    status, _headers, data = client.request("GET", f"{STATEMENTS}?statementId={uuid.uuid4()}")
    assert status == 404 and json.loads(data)

    assert client.sock is connection  # every answer was read to its end: the connection stayed usable
    client.close()


@pytest.mark.slow
def test_a_connection_the_server_closed_is_opened_again(rollcall_server: Any, lrs_credential: tuple[str, str]) -> None:
    rollcall_server.start()
    client = Http(
        rollcall_server.url,
        {
            "Authorization": basic_auth(*lrs_credential),
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert client.request("GET", "/xapi/about")[0] == 200
    stale = client.sock

    rollcall_server.stop()
    rollcall_server.start()
    status, _headers, data = client.request("GET", "/xapi/about")

    assert status == 200 and "version" in json.loads(data)
    assert client.sock is not stale
    client.close()


def test_chunks_with_extensions_and_trailers_then_a_body_that_ends_with_the_connection() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    answers = [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n"
        ),
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
    ]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            for answer in answers:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(4096)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = Http(f"http://127.0.0.1:{listener.getsockname()[1]}", {})

    assert client.request("GET", "/1")[::2] == (200, b"hello world")
    assert client.request("GET", "/2")[::2] == (204, b"")
    status, _headers, data = client.request("GET", "/3")

    assert (status, data) == (200, b"until the end")
    assert client.sock is None  # closed with the body it ended
    thread.join(5)
    listener.close()
