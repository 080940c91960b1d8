"""Concurrent HTTP load with http.client: one keep-alive connection per thread, latencies, errors, 5xx."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Keep this many examples of what went wrong, per phase.
ERROR_SAMPLES = 5
#: A request unanswered this long is an error (the connection is dropped and a new one opened).
REQUEST_TIMEOUT = 30.0


class NoAnswer(Exception):
    """The server did not answer a request in time, or the connection broke twice."""


class Http:
    """One persistent connection to the server, reopened when the server closed it between requests."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.headers = headers
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """(status, headers, body). A request on a connection the server had closed is sent once more.

        Raises NoAnswer after REQUEST_TIMEOUT without an answer, or when the retry breaks too.
        """
        all_headers = {**self.headers, **(headers or {})}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
            except TimeoutError as exc:
                self.close()
                raise NoAnswer(f"{method} {path[:100]}: no answer in {REQUEST_TIMEOUT:.0f} s") from exc
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if attempt == 2:
                    raise NoAnswer(f"{method} {path[:100]}: {exc!r}") from exc
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Recorder:
    """What one phase saw: latency of each operation, errors and server errors."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_errors: int = 0
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def failed(self, what: str, status: int | None = None) -> None:
        with self.lock:
            self.errors += 1
            if status is not None and status >= 500:
                self.server_errors += 1
            if len(self.samples) < ERROR_SAMPLES:
                self.samples.append(what[:300])

    def expect(self, status: int, wanted: Sequence[int], started: float, what: str, body: bytes) -> bool:
        """Record the operation as done or failed by its status; True when it was as wanted."""
        if status in wanted:
            self.ok(time.perf_counter() - started)
            return True
        self.failed(f"{what}: {status} {body[:200]!r}", status)
        return False


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def summary(recorder: Recorder, wall: float, units: int) -> dict[str, Any]:
    """Rate of ``units`` over the wall time, latency p50/p95 in ms, and error counts."""
    lat = recorder.latencies
    return {
        "per_s": round(units / wall, 1) if wall > 0 else 0.0,
        "operations": len(lat),
        "p50_ms": round(percentile(lat, 0.50) * 1000, 2),
        "p95_ms": round(percentile(lat, 0.95) * 1000, 2),
        "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else float("nan"),
        "seconds": round(wall, 3),
        "errors": recorder.errors,
        "server_errors": recorder.server_errors,
        "error_samples": recorder.samples,
    }


def run_threads(concurrency: int, work: Callable[[int, Recorder], None]) -> tuple[Recorder, float]:
    """Run ``work(thread_index, recorder)`` in ``concurrency`` threads released together; (recorder, wall seconds)."""
    recorder = Recorder()
    barrier = threading.Barrier(concurrency + 1)

    def body(index: int) -> None:
        barrier.wait()
        try:
            work(index, recorder)
        except Exception as exc:  # noqa: BLE001 (counted as an error of the phase, not a crash of the bench)
            recorder.failed(f"thread {index}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return recorder, time.perf_counter() - started


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """``items`` dealt round-robin into ``parts`` lists."""
    return [list(items[i::parts]) for i in range(parts)]
