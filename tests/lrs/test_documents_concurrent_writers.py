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


def _send(
    url: str,
    credential: tuple[str, str],
    method: str,
    params: dict[str, str],
    body: Any,
    headers: dict[str, str],
) -> int:
    with _session(credential) as http:
        response = http.request(
            method,
            url,
            params=params,
            data=json.dumps(body),
            headers={"Content-Type": "application/json", **headers},
            timeout=60,
        )
        return response.status_code


def test_only_one_of_many_create_only_puts_wins(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    doc = state()
    url = f"{live_server}/xapi/{doc.path}"
    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(
            pool.map(
                lambda n: _send(
                    url,
                    lrs_credential,
                    "PUT",
                    doc.params(),
                    {"writer": n},
                    {"If-None-Match": "*"},
                ),
                range(WRITERS),
            )
        )
    assert sorted(statuses) == [204] + [412] * (WRITERS - 1)
    with _session(lrs_credential) as http:
        stored = http.get(url, params=doc.params(), timeout=60).json()
    assert stored["writer"] in range(WRITERS)


def test_concurrent_merges_lose_no_property(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    doc = state()
    url = f"{live_server}/xapi/{doc.path}"
    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(
            pool.map(
                lambda n: _send(
                    url, lrs_credential, "POST", doc.params(), {f"key{n}": n}, {}
                ),
                range(WRITERS),
            )
        )
    assert statuses == [204] * WRITERS
    with _session(lrs_credential) as http:
        stored = http.get(url, params=doc.params(), timeout=60).json()
    assert stored == {f"key{n}": n for n in range(WRITERS)}
