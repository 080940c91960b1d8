"""`rollcall serve` shares clients that connect together out over its workers (core/serving.py).

Two workers of four threads and eight keep-alive clients that connect at the same
moment, as the players of a class or an analytics tool's pool do: each worker must hold
four of them. gunicorn's own gthread worker splits them by chance (6/2 and 5/3 in most
trials measured), leaving a core half idle.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, wait_until

sys.path.insert(0, str(ROOT / "bench"))
from lrs_bench import connections_per_worker, workers  # bench/ is not a package of the project
from lrsbench.driver import Http

CLIENTS = 8
TRIALS = 5


def workers_waiting(master_pid: int, count: int) -> bool:
    """Whether ``count`` workers wait in their event loop now."""
    children = workers(master_pid)
    return len(children) == count and all(
        Path(f"/proc/{pid}/wchan").read_text() == "do_epoll_wait" for pid in children
    )


def wait_for_workers(master_pid: int, count: int) -> None:
    """Until ``count`` workers have booted: seen waiting for connections in 4 looks 50 ms apart
    (a worker may wait on its poller a moment while it still boots)."""
    seen = [0]

    def settled() -> bool:
        seen[0] = seen[0] + 1 if workers_waiting(master_pid, count) else 0
        return seen[0] >= 4

    wait_until(settled, f"the {count} workers did not start", pause=0.05)


def connect_together(url: str) -> list[Http]:
    """CLIENTS keep-alive clients that connect at the same moment, each answered once."""
    clients = [Http(url, {"X-Experience-API-Version": "1.0.3"}) for _ in range(CLIENTS)]
    together = threading.Barrier(CLIENTS)
    statuses: list[int] = []

    def connect(client: Http) -> None:
        together.wait()
        statuses.append(client.request("GET", "/xapi/about")[0])

    threads = [threading.Thread(target=connect, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * CLIENTS
    return clients


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_clients_that_connect_together_are_shared_out_over_the_workers(rollcall_server: Any) -> None:
    server = rollcall_server.start()
    master = server.process.pid
    wait_for_workers(master, 2)
    spreads = []
    for _ in range(TRIALS):
        clients = connect_together(server.url)
        spreads.append(connections_per_worker(master, server.port))
        for client in clients:
            client.close()
        wait_until(lambda: sum(connections_per_worker(master, server.port)) == 0, "the server kept closed connections")

    assert spreads == [[4, 4]] * TRIALS
