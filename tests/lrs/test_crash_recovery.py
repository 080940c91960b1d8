"""Nothing acknowledged is lost: SIGKILL the real server during a concurrent ingest, restart, find every statement.

DESIGN.md, Storage: a 200/204 from POST/PUT statements (xAPI 1.0.3 Part Three §2.1.1-§2.1.2)
is sent only after the commit, and a killed writer's open transaction is rolled back
(SQLite's WAL, PostgreSQL's) without harming what was committed. So whatever the client
was told is stored survives the whole process group being killed mid-write, on both
databases. (A process kill leaves the OS page cache intact; surviving power loss rests
on the fsync settings that tests/lrs/test_durability.py asserts.)
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.conftest import RollcallServer, basic_auth

WRITERS = 8
#: Kill once this many statements have been acknowledged (not after a time: the test is not timed).
KILL_AFTER = 240
#: Each writer stops by itself after this many requests, whatever happens.
MAX_REQUESTS_PER_WRITER = 400
ACTIVITY = "http://rollcall.example/courses/crash/lessons/"


def statement(statement_id: str, writer: int, n: int) -> dict[str, Any]:
    """A SCORM-like 'experienced' statement of one learner in one registration."""
    return {
        "id": statement_id,
        "actor": {"objectType": "Agent", "mbox": f"mailto:learner{writer}@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/experienced",
            "display": {"en-US": "experienced"},
        },
        "object": {
            "id": f"{ACTIVITY}{n % 7}",
            "definition": {"name": {"en-US": f"Lesson {n % 7}"}},
        },
        "context": {
            "registration": str(uuid.UUID(int=writer + 1)),
            "contextActivities": {"parent": [{"id": "http://rollcall.example/courses/crash"}]},
        },
        "result": {"completion": n % 2 == 0, "duration": f"PT{n % 60}S"},
    }


@dataclass
class Ingest:
    """What the writers were told, shared between their threads."""

    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    #: Writers whose request was cut off by the kill (so the kill really came mid-ingest).
    interrupted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)
    killed: threading.Event = field(default_factory=threading.Event)

    def ack(self, ids: list[str]) -> None:
        with self.lock:
            self.acknowledged.extend(ids)
            if len(self.acknowledged) >= KILL_AFTER:
                self.enough.set()


def writer(url: str, auth: str, number: int, ingest: Ingest) -> None:
    """POST singles, POST batches of 5 and PUT by id, in turn, until the server dies or the budget ends."""
    http = requests.Session()
    http.headers.update({"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
    for n in range(MAX_REQUESTS_PER_WRITER):
        kind = n % 3
        ids = [str(uuid.uuid4()) for _ in range(5 if kind == 1 else 1)]
        try:
            if kind == 2:
                response = http.put(
                    f"{url}/xapi/statements",
                    params={"statementId": ids[0]},
                    json=statement(ids[0], number, n),
                )
            else:
                body: Any = [statement(i, number, n) for i in ids] if kind == 1 else statement(ids[0], number, n)
                response = http.post(f"{url}/xapi/statements", json=body)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            if ingest.killed.is_set():
                with ingest.lock:
                    ingest.interrupted += 1
                return
            raise
        if response.status_code in (200, 204):
            if kind != 2:
                assert response.json() == ids
            ingest.ack(ids)
        else:
            with ingest.lock:
                ingest.refused.append((response.status_code, response.text[:200]))
            ingest.enough.set()
            return
    ingest.enough.set()


def test_acknowledged_statements_survive_a_sigkill_mid_ingest(
    rollcall_server: RollcallServer, lrs_credential: tuple[str, str]
) -> None:
    auth = basic_auth(*lrs_credential)
    rollcall_server.start()
    ingest = Ingest()
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            writer(rollcall_server.url, auth, number, ingest)
        except BaseException as exc:  # noqa: BLE001 (reported below: a thread cannot raise into the test)
            failures.append(exc)
            ingest.enough.set()

    threads = [threading.Thread(target=run, args=(i,), name=f"writer-{i}") for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    assert ingest.enough.wait(timeout=60), "the writers never got enough statements acknowledged"
    ingest.killed.set()
    rollcall_server.kill()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    if ingest.refused:
        log = rollcall_server.process.stderr.read().decode(errors="replace") if rollcall_server.process else ""
        raise AssertionError(f"refused during the ingest: {ingest.refused[:5]}\nserver log:\n{log[-4000:]}")
    acknowledged = list(ingest.acknowledged)
    assert len(acknowledged) >= KILL_AFTER
    assert ingest.interrupted > 0, "no request was in flight when the server was killed"

    rollcall_server.start()
    http = requests.Session()
    http.headers.update({"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
    missing = [
        statement_id
        for statement_id in acknowledged
        if http.get(
            f"{rollcall_server.url}/xapi/statements",
            params={"statementId": statement_id},
        ).status_code
        != 200
    ]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged statements are gone"

    # The restarted LRS takes writes again: the statement counter is consistent with what survived.
    after = str(uuid.uuid4())
    response = http.post(f"{rollcall_server.url}/xapi/statements", json=statement(after, 0, 0))
    assert response.status_code == 200, response.text
    page = http.get(f"{rollcall_server.url}/xapi/statements", params={"limit": 1}).json()
    assert [s["id"] for s in page["statements"]] == [after]
