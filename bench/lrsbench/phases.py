"""The measured phases: ingest (single, batches of 50), State round trips, queries, and the raw storage ceiling."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text

from .driver import Http, NoAnswer, Recorder, run_threads, split, summary
from .workload import VERBS, Workload

STATEMENTS_PATH = "/xapi/statements"
STATE_PATH = "/xapi/activities/state"
JSON_HEADERS = {"Content-Type": "application/json"}
BATCH = 50


def _http(base_url: str, auth: str, version: str) -> Http:
    return Http(base_url, {"Authorization": auth, "X-Experience-API-Version": version})


def ingest(base_url: str, auth: str, batches: list[list[dict[str, Any]]], concurrency: int) -> dict[str, Any]:
    """POST each batch (a one-statement batch is sent as a lone statement); statements/s and latency per POST.

    The bodies are serialized before the clock starts and the answers checked after it
    stops: a client's own JSON work is not the server's, and on two cores it was taken
    from the server being measured (1.5-2 ms of this driver's CPU per batch of 50).
    """
    bodies = [json.dumps(batch[0] if len(batch) == 1 else batch).encode() for batch in batches]
    shares = split(list(zip(batches, bodies, strict=True)), concurrency)
    answers: list[tuple[list[dict[str, Any]], bytes]] = []

    def work(index: int, recorder: Recorder) -> None:
        client = _http(base_url, auth, "1.0.3")
        for batch, body in shares[index]:
            started = time.perf_counter()
            try:
                status, _headers, data = client.request("POST", STATEMENTS_PATH, body, JSON_HEADERS)
            except NoAnswer as exc:
                recorder.failed(str(exc))
                continue
            if recorder.expect(status, (200,), started, "POST statements", data):
                answers.append((batch, data))
        client.close()

    recorder, wall = run_threads(concurrency, work)
    for batch, data in answers:
        if json.loads(data) != [s["id"] for s in batch]:
            recorder.failed("POST statements answered other ids than were sent")
    result = summary(recorder, wall, sum(len(b) for b in batches))
    result["statements"] = sum(len(b) for b in batches)
    return result


def state_round_trips(
    base_url: str, auth: str, per_thread: int, concurrency: int, seed: int, every_s: float = 0.0
) -> dict[str, Any]:
    """Each thread keeps one learner's resume point: PUT with If-Match, then GET it back (xAPI 2.0.0 rules).

    ``every_s``: start a thread's round trips that many seconds apart (0: back to back), as
    players do, which commit when a learner moves on rather than continuously.
    """

    def work(index: int, recorder: Recorder) -> None:
        client = _http(base_url, auth, "2.0.0")
        params = urlencode(
            {
                "activityId": f"https://bench.rollcall.example/courses/state/{seed}/{index}",
                "agent": json.dumps(Workload.learner(10_000 + index)),
                "registration": str(uuid.uuid4()),
                "stateId": "https://w3id.org/xapi/scorm/state/suspend_data",
            }
        )
        path = f"{STATE_PATH}?{params}"
        status, headers, data = client.request(
            "PUT", path, b'{"location":"start"}', {**JSON_HEADERS, "If-None-Match": "*"}
        )
        if status != 204:
            recorder.failed(f"creating the State document: {status} {data[:200]!r}", status)
            return
        etag = headers.get("ETag") or _get_etag(client, path)
        due = time.perf_counter() + every_s * index / max(concurrency, 1)  # threads spread over the interval
        for n in range(per_thread):
            content = json.dumps({"location": f"page-{n}", "suspend_data": "x" * 400, "score": n % 100}).encode()
            if every_s:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += every_s
            started = time.perf_counter()
            status, headers, data = client.request("PUT", path, content, {**JSON_HEADERS, "If-Match": etag})
            if status != 204:
                recorder.failed(f"PUT state with If-Match: {status} {data[:200]!r}", status)
                return
            status, headers, data = client.request("GET", path)
            if not recorder.expect(status, (200,), started, "GET state", data):
                return
            if data != content:
                recorder.failed("GET state returned other content than was PUT")
            etag = headers.get("ETag") or ""
        client.close()

    recorder, wall = run_threads(concurrency, work)
    return summary(recorder, wall, len(recorder.latencies))


def _get_etag(client: Http, path: str) -> str:
    _status, headers, _data = client.request("GET", path)
    return headers.get("ETag") or ""


# -- queries -----------------------------------------------------------------------


def query_pools(
    workload: Workload, window: tuple[datetime, datetime], rng: random.Random
) -> dict[str, Callable[[], dict[str, str]]]:
    """For each filter, a function giving the next query's parameters (1.0.3 Part Three §2.1.3)."""
    w = workload
    start, end = window
    span = max((end - start).total_seconds(), 0.001)

    def between() -> dict[str, str]:
        first = start.timestamp() + rng.random() * span * 0.9
        return {
            "since": _iso(first),
            "until": _iso(first + span / 20),
        }

    def enrollment() -> Any:
        return rng.choice(w.enrollments)

    return {
        "agent": lambda: {"agent": json.dumps(w.learner(rng.randrange(w.learners)))},
        "verb": lambda: {"verb": rng.choice(VERBS)},
        "activity": lambda: {"activity": w.sco_id(rng.randrange(w.courses), rng.randrange(w.scos))},
        "registration": lambda: {"registration": enrollment().registration},
        "related_activities": lambda: {"activity": w.course_id(rng.randrange(w.courses)), "related_activities": "true"},
        "related_agents": lambda: {
            "agent": json.dumps(w.instructor(rng.randrange(w.instructors))),
            "related_agents": "true",
        },
        "since_until": between,
        "limit": lambda: {"limit": str(rng.choice((1, 10, 25, 50)))},
        "ascending": lambda: {"ascending": "true", "verb": rng.choice(VERBS)},
        "agent_verb_activity": lambda: {
            "agent": json.dumps(w.learner((e := enrollment()).learner)),
            "verb": rng.choice(VERBS),
            "activity": w.course_id(e.course),
            "related_activities": "true",
        },
    }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def more_urls(base_url: str, auth: str, pool: Callable[[], dict[str, str]], count: int) -> list[str]:
    """``more`` URLs of first pages (limit 50) of verb queries, fetched beforehand and not timed."""
    client = _http(base_url, auth, "1.0.3")
    urls: list[str] = []
    for _ in range(count * 3):
        if len(urls) == count:
            break
        try:
            status, _headers, data = client.request("GET", f"{STATEMENTS_PATH}?{urlencode({**pool(), 'limit': '50'})}")
        except NoAnswer:
            continue  # these first pages are not measured; the filters above count such failures
        more = json.loads(data).get("more") if status == 200 else None
        if more:
            urls.append(more)
    client.close()
    return urls


def query_filter(base_url: str, auth: str, paths: list[str], concurrency: int) -> dict[str, Any]:
    """GET each path (a statement query) from ``concurrency`` threads; p50/p95 and statements per page."""
    shares = split(paths, concurrency)
    answers: list[tuple[str, bytes]] = []

    def work(index: int, recorder: Recorder) -> None:
        client = _http(base_url, auth, "1.0.3")
        for path in shares[index]:
            started = time.perf_counter()
            try:
                status, _headers, data = client.request("GET", path)
            except NoAnswer as exc:
                recorder.failed(str(exc))
                continue
            if recorder.expect(status, (200,), started, f"GET {path[:120]}", data):
                answers.append((path, data))
        client.close()

    recorder, wall = run_threads(concurrency, work)
    # Every answer is parsed and checked once the clock has stopped: parsing a page of 100
    # statements cost this driver ~2.3 ms of CPU per query, as much as the server spent,
    # and on two cores it was taken from the server being measured.
    returned: list[int] = []
    for path, data in answers:
        page = json.loads(data)
        if not isinstance(page.get("statements"), list) or not isinstance(page.get("more"), str):
            recorder.failed(f"GET {path[:120]}: not a StatementResult")
            continue
        returned.append(len(page["statements"]))
    result = summary(recorder, wall, len(recorder.latencies))
    result["mean_statements"] = round(sum(returned) / len(returned), 1) if returned else 0
    return result


# -- the storage's own ceiling ---------------------------------------------------------

RAW_TABLE = "bench_raw_statement"


RAW_COUNTER = "bench_raw_counter"


def create_raw_table(engine: Any) -> None:
    """A plain table holding the same lifted columns and JSON text as a stored statement, one key.

    Also a one-row counter table, for the variant that orders writers as the LRS does.
    """
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {RAW_TABLE}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {RAW_COUNTER}"))
        conn.execute(text(f"CREATE TABLE {RAW_COUNTER} (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)"))
        conn.execute(text(f"INSERT INTO {RAW_COUNTER} (id, n) VALUES (1, 0)"))
        conn.execute(
            text(
                f"CREATE TABLE {RAW_TABLE} (statement_id VARCHAR(36) PRIMARY KEY, verb_iri TEXT NOT NULL,"
                " registration VARCHAR(36), actor_ifi TEXT, object_activity_id TEXT, stored TIMESTAMP NOT NULL,"
                " payload TEXT NOT NULL)"
            )
        )


def raw_rows(batches: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The rows for the raw table, batch by batch, made before the clock starts."""
    now = datetime.now(UTC)
    return [
        [
            {
                "statement_id": s["id"],
                "verb_iri": s["verb"]["id"],
                "registration": s["context"]["registration"],
                "actor_ifi": json.dumps(s["actor"].get("mbox") or s["actor"].get("account")),
                "object_activity_id": s["object"]["id"],
                "stored": now,
                "payload": json.dumps(s, separators=(",", ":")),
            }
            for s in batch
        ]
        for batch in batches
    ]


def raw_insert(
    writer_engine: Any, batches: list[list[dict[str, Any]]], concurrency: int, counter_lock: bool = False
) -> dict[str, Any]:
    """INSERT each batch in its own transaction, through the LRS's engine settings (WAL+FULL / synchronous_commit).

    ``counter_lock``: each transaction first UPDATEs one counter row, so that writers queue
    on its lock until they commit, as the LRS's statement writers do (a diagnosis: how much
    of the raw rate is concurrent commits, e.g. PostgreSQL's group commit).
    """
    rows = raw_rows(batches)
    shares = split(rows, concurrency)
    insert = text(
        f"INSERT INTO {RAW_TABLE} (statement_id, verb_iri, registration, actor_ifi, object_activity_id, stored, payload)"
        " VALUES (:statement_id, :verb_iri, :registration, :actor_ifi, :object_activity_id, :stored, :payload)"
    )

    def work(index: int, recorder: Recorder) -> None:
        for batch in shares[index]:
            started = time.perf_counter()
            with writer_engine.begin() as conn:
                if counter_lock:
                    conn.execute(text(f"UPDATE {RAW_COUNTER} SET n = n + :k WHERE id = 1"), {"k": len(batch)})
                conn.execute(insert, batch)
            recorder.ok(time.perf_counter() - started)

    recorder, wall = run_threads(concurrency, work)
    result = summary(recorder, wall, sum(len(b) for b in rows))
    result["statements"] = sum(len(b) for b in rows)
    return result
