"""Concurrent HTTP load: one keep-alive connection per thread on a plain socket, latencies, errors, 5xx.

The driver shares the machine's two cores with the server it measures, so it does as
little as an HTTP/1.1 client can: each request is one ``sendall`` of bytes built by
one format, and the answer is parsed only as far as its status, headers and body.
Python's ``http.client`` spent 0.17-0.19 ms of CPU per request on that (its headers
go through the email package), four times this client's 0.04 ms, and its threads'
turns at the GIL showed up in the latencies measured.
"""

from __future__ import annotations

import socket
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
#: Answers that carry no body whatever their headers say (RFC 9110 §6.4.1).
NO_BODY = frozenset({204, 304})
READ_SIZE = 65536


class NoAnswer(Exception):
    """The server did not answer a request in time, or the connection broke twice."""


class Closed(Exception):
    """The server closed the connection before the first byte of an answer: the request may be sent again."""


class Headers(dict[str, str]):
    """A response's header fields by lower-case name; ``get`` takes any case."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class Http:
    """One persistent HTTP/1.1 connection to the server, reopened when the server closed it between requests."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.fixed = f"Host: {self.host}:{self.port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Headers, bytes]:
        """(status, headers, body). A request on a connection the server had closed is sent once more.

        Raises NoAnswer after REQUEST_TIMEOUT without an answer, or when the retry breaks too.
        """
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()) if headers else ""
        length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
        message = f"{method} {path} HTTP/1.1\r\n{self.fixed}{extra}{length}\r\n".encode("latin-1")
        if body:
            message += body
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self._connect()
                assert self.sock is not None
                self.sock.sendall(message)
                status, fields, data = self._answer(method)
            except TimeoutError as exc:
                self.close()
                raise NoAnswer(f"{method} {path[:100]}: no answer in {REQUEST_TIMEOUT:.0f} s") from exc
            except (Closed, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if attempt == 2:
                    raise NoAnswer(f"{method} {path[:100]}: {exc!r}") from exc
                continue
            if fields.get("connection", "").lower() == "close":
                self.close()
            return status, fields, data
        raise AssertionError("unreachable")

    def _connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=REQUEST_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _recv(self) -> bytes:
        assert self.sock is not None
        data = self.sock.recv(READ_SIZE)
        if not data:
            raise ConnectionResetError("the server closed the connection in the middle of an answer")
        return data

    def _fill(self, have: bytes, size: int) -> bytes:
        """``have`` and what follows it on the connection, at least ``size`` bytes (one join, not one copy a read)."""
        pieces, missing = [have], size - len(have)
        while missing > 0:
            pieces.append(data := self._recv())
            missing -= len(data)
        return b"".join(pieces)

    def _answer(self, method: str) -> tuple[int, Headers, bytes]:
        """Read one answer (RFC 9112 §6.3: Content-Length, chunked, or until the connection closes)."""
        buffer = self.buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            assert self.sock is not None
            data = self.sock.recv(READ_SIZE)
            if not data:
                if buffer:
                    raise ConnectionResetError("the server closed the connection in the middle of an answer")
                raise Closed("the server closed the connection")
            buffer += data
        lines = buffer[:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = Headers()
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        rest = buffer[end + 4 :]
        if method == "HEAD" or status in NO_BODY or 100 <= status < 200:
            self.buffer = rest
            return status, fields, b""
        if "chunked" in fields.get("transfer-encoding", "").lower():
            data, self.buffer = self._chunked(rest)
            return status, fields, data
        if "content-length" in fields:
            size = int(fields["content-length"])
            rest = self._fill(rest, size)
            self.buffer = rest[size:]
            return status, fields, rest[:size]
        fields["connection"] = "close"  # the body ends where the connection does
        pieces = [rest]
        assert self.sock is not None
        while data := self.sock.recv(READ_SIZE):
            pieces.append(data)
        return status, fields, b"".join(pieces)

    def _chunked(self, rest: bytes) -> tuple[bytes, bytes]:
        """(body, what follows it) from a chunked body (RFC 9112 §7.1), trailers skipped."""
        pieces: list[bytes] = []
        while True:
            while (eol := rest.find(b"\r\n")) < 0:
                rest += self._recv()
            size = int(rest[:eol].split(b";", 1)[0], 16)
            rest = rest[eol + 2 :]
            if size == 0:
                while (end := rest.find(b"\r\n")) != 0:  # trailer fields, then an empty line
                    if end < 0:
                        rest += self._recv()
                    else:
                        rest = rest[end + 2 :]
                return b"".join(pieces), rest[2:]
            rest = self._fill(rest, size + 2)
            pieces.append(rest[:size])
            rest = rest[size + 2 :]

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b""


@dataclass
class Recorder:
    """What one phase saw: latency of each operation, errors and server errors."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_errors: int = 0
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: CPU seconds this process (the driver) spent while the clock ran.
    cpu_seconds: float = 0.0

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
        "driver_cpu_ms_per_op": round(recorder.cpu_seconds * 1000 / len(lat), 3) if lat else float("nan"),
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
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    recorder.cpu_seconds = time.process_time() - cpu_started
    return recorder, wall


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """``items`` dealt round-robin into ``parts`` lists."""
    return [list(items[i::parts]) for i in range(parts)]
