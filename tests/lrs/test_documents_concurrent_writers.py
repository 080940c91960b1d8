"""Writers racing on one document over real HTTP: preconditions and merges stay exact (Part Three §3.1)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.conftest import basic_auth
from tests.lrs.documents_support import state

WRITERS = 8


def _session(credential: tuple[str, str]) -> requests.Session:
    http = requests.Session()
    http.headers.update(
        {"Authorization": basic_auth(*credential), "X-Experience-API-Version": "1.0.3"}
    )
    return http


def race(
    live_server: str, credential: tuple[str, str], method: str, headers: dict[str, str]
) -> tuple[list[int], Any]:
    """WRITERS concurrent writes of {"keyN": N} to one new State document; (statuses, final content)."""
    doc = state()
    url = f"{live_server}/xapi/{doc.path}"

    def send(n: int) -> int:
        with _session(credential) as http:
            response = http.request(
                method,
                url,
                params=doc.params(),
                data=json.dumps({f"key{n}": n}),
                headers={"Content-Type": "application/json", **headers},
                timeout=60,
            )
            return response.status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(pool.map(send, range(WRITERS)))
    with _session(credential) as http:
        return statuses, http.get(url, params=doc.params(), timeout=60).json()


def test_only_one_of_many_create_only_puts_wins(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    statuses, stored = race(live_server, lrs_credential, "PUT", {"If-None-Match": "*"})
    assert sorted(statuses) == [204] + [412] * (WRITERS - 1)
    assert len(stored) == 1


def test_concurrent_merges_lose_no_property(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    statuses, stored = race(live_server, lrs_credential, "POST", {})
    assert statuses == [204] * WRITERS
    assert stored == {f"key{n}": n for n in range(WRITERS)}
