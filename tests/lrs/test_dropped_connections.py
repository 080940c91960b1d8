"""Requests go on when PostgreSQL has dropped the LRS's pooled connections (a restart, a crash, an admin).

The LRS does not ping a pooled connection at every checkout; it polls the socket and
pings only a connection the server has spoken on (lrs/db.py, ``_ping_when_spoken_to``).
Here every pooled connection is terminated by the server while idle, as a restart
would, and each kind of request must still be answered, with nothing lost.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text

AGENT = {"mbox": "mailto:dropped@example.org"}


def terminate_other_connections(database_url: str) -> None:
    """End every other session on the test database, as pg_terminate_backend does for an admin, and wait for it."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            others = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            assert conn.execute(text(others)).all(), "the app holds no pooled connection to drop"
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS o"))
            deadline = time.monotonic() + 10
            while conn.execute(text(others)).all():
                assert time.monotonic() < deadline, "the terminated sessions did not end"
                time.sleep(0.05)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_every_kind_of_request_is_answered_after_the_server_dropped_the_pool(
    app: Any, xapi: Any, database_url: str
) -> None:
    xapi.version = "2.0.0"
    state = "activities/state?" + urlencode(
        {"activityId": "http://example.org/dropped", "agent": json.dumps(AGENT), "stateId": "resume"}
    )
    before = {"id": str(uuid.uuid4()), "actor": AGENT, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
              "object": {"id": "http://example.org/dropped"}}  # fmt: skip
    assert xapi.post("statements", json=before).status_code == 200
    assert xapi.put(state, data=b'{"page": 1}', headers={"Content-Type": "application/json"}).status_code == 204
    assert xapi.get("statements?limit=5").status_code == 200

    terminate_other_connections(database_url)

    after = {**before, "id": str(uuid.uuid4())}
    assert xapi.post("statements", json=after).status_code == 200
    read = xapi.get(f"statements?statementId={after['id']}")
    assert read.status_code == 200 and read.get_json()["id"] == after["id"]
    page = xapi.get("statements?limit=5")
    assert [s["id"] for s in page.get_json()["statements"]] == [after["id"], before["id"]]
    resume = xapi.get(state)
    assert resume.get_data() == b'{"page": 1}'
    moved = xapi.put(
        state, data=b'{"page": 2}', headers={"Content-Type": "application/json", "If-Match": resume.headers["ETag"]}
    )
    assert moved.status_code == 204
    assert xapi.get(state).get_data() == b'{"page": 2}'
