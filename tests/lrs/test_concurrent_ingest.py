"""``rollcall serve`` under 8 concurrent POSTers: no 5xx, nothing lost, paging sees every statement once.

Runs the real gunicorn server on SQLite and on PostgreSQL (DESIGN.md, Storage: a batch is
stored whole or not at all; the commit-ordered sequence behind ``more``).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import requests

from tests.conftest import basic_auth

POSTERS = 8
BATCHES_PER_POSTER = 6
BATCH_SIZE = 10


def batch(poster: int, number: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": f"mailto:poster{poster}@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"http://example.org/load/{poster}/{number}/{n}"},
        }
        for n in range(BATCH_SIZE)
    ]


@pytest.mark.slow
def test_concurrent_posts_lose_nothing(
    rollcall_server: Any, lrs_credential: tuple[str, str]
) -> None:
    rollcall_server.start()
    headers = {
        "Authorization": basic_auth(*lrs_credential),
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }
    url = f"{rollcall_server.url}/xapi/statements"
    acknowledged: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def post_all(poster: int) -> None:
        with requests.Session() as http:
            for number in range(BATCHES_PER_POSTER):
                statements = batch(poster, number)
                # Every other batch repeats its first batch's ids: a retry must be a no-op.
                response = http.post(url, json=statements, headers=headers, timeout=60)
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        acknowledged.extend(response.json())
                if number % 2 == 0:
                    again = http.post(url, json=statements, headers=headers, timeout=60)
                    with lock:
                        statuses.append(again.status_code)

    threads = [threading.Thread(target=post_all, args=(p,)) for p in range(POSTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert all(status == 200 for status in statuses), sorted(set(statuses))
    assert len(acknowledged) == POSTERS * BATCHES_PER_POSTER * BATCH_SIZE

    seen: list[str] = []
    with requests.Session() as http:
        page = http.get(
            url, params={"limit": 100, "ascending": "true"}, headers=headers, timeout=60
        ).json()
        seen += [s["id"] for s in page["statements"]]
        while page["more"]:
            page = http.get(
                rollcall_server.url + page["more"], headers=headers, timeout=60
            ).json()
            seen += [s["id"] for s in page["statements"]]
        stored = [
            http.get(
                url, params={"statementId": sid}, headers=headers, timeout=60
            ).json()["stored"]
            for sid in seen[:: BATCH_SIZE * 4]
        ]
    assert len(seen) == len(set(seen)) == len(acknowledged)
    assert set(seen) == set(acknowledged)
    assert stored == sorted(stored)  # commit order never runs behind the stored clock
