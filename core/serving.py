"""gunicorn's threaded worker, with each new connection handed to a worker that has a thread free."""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

#: How long a worker whose threads all have a connection waits before it takes another one.
HANDOFF_S = 0.005


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """A gthread worker that lets a less busy worker accept first.

    gunicorn's workers race to accept each new connection and keep it as long as the
    client keeps it alive. Clients that connect together (the players of a class, an
    analytics tool's pool of 8) then split by chance, 4/4 or 6/2 over two workers of 4
    threads; a worker runs Python on one core at a time, so at 6/2 one core does most of
    the work while the other idles. The same 8 clients' State round trips ran at 845/s
    (p95 13 ms) at 4/4 and at 420-580/s (p95 23-30 ms) at 5/3 and 6/2.

    Here a worker that already holds as many connections as it has threads waits a few
    milliseconds before accepting: a worker with a thread free takes the connection
    meanwhile (gthread ignores the EAGAIN of one that is gone). When every worker is as
    busy, the connection is accepted after that short wait; none is ever refused.
    """

    def accept(self, *args: Any) -> None:  # (listener), or (server, listener) before gunicorn 23
        if self.nr_conns >= self.cfg.threads:
            time.sleep(HANDOFF_S)
        super().accept(*args)
