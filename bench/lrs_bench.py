"""Benchmark the LRS under `rollcall serve` (gunicorn) at concurrency 8, against the storage's own ceiling.

    .venv/bin/python bench/lrs_bench.py --db sqlite --statements 100000
    .venv/bin/python bench/lrs_bench.py --db postgresql --statements 100000,1000000
    .venv/bin/python bench/lrs_bench.py --quick

On a fresh database (a SQLite file in a temp folder, or a new PostgreSQL database made
with --postgres-url and dropped afterwards) it creates a credential with
`rollcall lrs credentials create`, starts `rollcall serve`, and for each of --runs runs
measures, with a seeded SCORM-profile-like workload: single POSTs, POSTs of 50, State
round trips (PUT with If-Match, then GET), and the same statements INSERTed raw into a
plain table through the LRS's engine (same driver, WAL + synchronous=FULL or
synchronous_commit on), one and 50 per transaction. Then it seeds the database up to
each --statements size in-process with the LRS's own store_statements and times every
query filter at each size in each of the runs (100 queries per filter per run; medians
of the runs, the p95 of each run beside them). The table goes to stderr, the JSON to
stdout, both to bench/results/; the exit status is 1 when a target is missed or any
request failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from lrsbench import phases
from lrsbench.report import check_targets, medians, table
from lrsbench.seed import seed, settle
from lrsbench.workload import Workload

DEFAULT_PG = "postgresql+psycopg://rollcall:rollcall@127.0.0.1:5432/postgres"
CONCURRENCY = 8
FULL = {"single": 2000, "batches": 200, "state": 250, "queries": 100}
QUICK = {"single": 200, "batches": 20, "state": 25, "queries": 40}
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Database:
    """A fresh database for one benchmark: a SQLite file, or a PostgreSQL database dropped at the end."""

    def __init__(self, kind: str, workdir: Path, admin_url: str) -> None:
        self.kind = kind
        self.admin_url = admin_url
        self.name = f"rollcall_bench_{os.getpid()}"
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'rollcall.sqlite3'}"
        else:
            self.url = admin_url.rsplit("/", 1)[0] + f"/{self.name}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')

    def _admin(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def workers(master_pid: int) -> list[int]:
    """The process ids of the children of ``master_pid`` (gunicorn's workers), from Linux /proc."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def connections_per_worker(master_pid: int, port: int) -> list[int]:
    """Established connections to ``port`` held by each child of ``master_pid`` (gunicorn's workers), most first."""
    ours = set()  # socket inodes of established connections to the port
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
            ours.add(f"socket:[{fields[9]}]")
    counts = []
    for pid in workers(master_pid):
        try:
            links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        counts.append(sum(link in ours for link in links))
    return sorted(counts, reverse=True)


class Server:
    """`rollcall serve` in its own process group."""

    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int) -> None:
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.command = [
            sys.executable, "-m", "portal.cli", "serve", "--port", str(port),
            "--workers", str(workers), "--threads", str(threads),
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (read back on failure; closed by main())

    def start(self) -> Server:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rollcall serve exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("rollcall serve did not start in 90 s")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the gunicorn master and its workers so far (Linux /proc)."""
        assert self.process is not None
        pids = [self.process.pid, *workers(self.process.pid)]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def connections_per_worker(self) -> list[int]:
        """How many established client connections each worker holds now, most first (Linux /proc).

        gunicorn's workers race to accept each new connection and keep it while the client
        keeps it alive, so 8 clients that connect together may split 4/4 or 6/2: a worker
        serves its share on one core at a time (the GIL), and a 6/2 split leaves one core
        half idle. `rollcall serve` hands a connection to a worker with a thread free
        (core/serving.py); each phase reports its split beside its figures.
        """
        assert self.process is not None
        return connections_per_worker(self.process.pid, self.port)

    def log_tail(self, size: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def rollcall(env: dict[str, str], *args: str) -> str:
    """Run the `rollcall` command (as `python -m portal.cli`) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"rollcall {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def database_cpu_seconds() -> float:
    """User + system CPU time so far of this machine's PostgreSQL processes (0 on a machine without any).

    The server under test shares the two cores with its database, so a PostgreSQL run's
    budget per operation is the gunicorn CPU plus this.
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        name, _, rest = text.partition(" (")[2].partition(") ")
        if name.startswith("postgres"):
            fields = rest.split()
            # utime, stime, and cutime, cstime: the postmaster holds its exited backends' time
            ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def with_cpu(server: Server, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one phase; add the CPU milliseconds the server, the database and this process spent per operation,
    and how the phase's connections were spread over the workers (the busiest moment seen).

    The clients connect as the phase starts and keep their connections, so the split is
    sampled often at first (from 5 ms on) and then once a second: one look at
    /proc/net/tcp costs ~3 ms of CPU here, which each 50 ms would take from the server.
    """
    spread: list[int] = []
    done = threading.Event()

    def sample() -> None:
        pause = 0.005  # a query filter's phase can be over in 0.2 s
        while not done.wait(pause):
            pause = min(pause * 2, 1.0)
            now = server.connections_per_worker()
            if sum(now) > sum(spread):
                spread[:] = now

    sampler = threading.Thread(target=sample, daemon=True)
    server_before, own_before, db_before = server.cpu_seconds(), time.process_time(), database_cpu_seconds()
    sampler.start()
    try:
        result = measure()
    finally:
        done.set()
        sampler.join()
    result["connections_per_worker"] = spread
    operations = max(result["operations"], 1)
    result["server_cpu_ms_per_op"] = round((server.cpu_seconds() - server_before) * 1000 / operations, 2)
    result["db_cpu_ms_per_op"] = round((database_cpu_seconds() - db_before) * 1000 / operations, 2)
    result["bench_cpu_ms_per_op"] = round((time.process_time() - own_before) * 1000 / operations, 2)
    return result


def one_run(
    server: Server, auth: str, engine: Any, workload: Workload, sizes: dict[str, int], run: int
) -> dict[str, Any]:
    """One run of the ingest, raw-ceiling and State phases, raw and LRS interleaved."""
    print(f"run {run}: ingest, raw ceiling, State", file=sys.stderr, flush=True)
    url = server.url
    singles = [[s] for s in workload.batch(sizes["single"])]
    batches = [workload.batch(phases.BATCH) for _ in range(sizes["batches"])]
    raw_singles = [[s] for s in workload.batch(sizes["single"])]
    raw_batches = [workload.batch(phases.BATCH) for _ in range(sizes["batches"])]
    raw_locked = [[s] for s in workload.batch(sizes["single"])]
    return {
        "raw_one_per_txn": with_cpu(server, lambda: phases.raw_insert(engine, raw_singles, CONCURRENCY)),
        "raw_one_per_txn_counter_lock": with_cpu(
            server, lambda: phases.raw_insert(engine, raw_locked, CONCURRENCY, counter_lock=True)
        ),
        "single": with_cpu(server, lambda: phases.ingest(url, auth, singles, CONCURRENCY)),
        "raw_50_per_txn": with_cpu(server, lambda: phases.raw_insert(engine, raw_batches, CONCURRENCY)),
        "batch_50": with_cpu(server, lambda: phases.ingest(url, auth, batches, CONCURRENCY)),
        "state": with_cpu(server, lambda: phases.state_round_trips(url, auth, sizes["state"], CONCURRENCY, run)),
        # Not a target: the same round trips at a player's pace (8 learners, one each 50 ms: 160/s).
        "state_paced": with_cpu(
            server,
            lambda: phases.state_round_trips(url, auth, sizes["state"] // 2, CONCURRENCY, run + 1000, every_s=0.05),
        ),
    }


def query_run(
    server: Server, auth: str, workload: Workload, window: tuple[datetime, datetime], count: int, seed_value: int
) -> dict[str, Any]:
    """Every filter once: ``count`` queries of it from 8 threads."""
    rng = random.Random(seed_value)
    pools = phases.query_pools(workload, window, rng)
    results: dict[str, Any] = {}
    batches = {
        name: [f"{phases.STATEMENTS_PATH}?{urlencode(pool())}" for _ in range(count)] for name, pool in pools.items()
    }
    batches["more"] = phases.more_urls(server.url, auth, pools["verb"], count)
    for name, paths in batches.items():
        results[name] = with_cpu(server, partial(phases.query_filter, server.url, auth, paths, CONCURRENCY))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("ROLLCALL_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--statements", default="100000", help="stored sizes to query at, e.g. 100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small run for smoke (2,000 statements, 1 run)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (for EXPLAIN); prints its URL"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server is stopped and the database dropped
    sizes = QUICK if args.quick else FULL
    stored_sizes = [2000] if args.quick else [int(x) for x in args.statements.split(",")]
    runs = 1 if args.quick else args.runs

    with tempfile.TemporaryDirectory(prefix="rollcall-bench-") as tmp:
        workdir = Path(tempfile.mkdtemp(prefix="rollcall-bench-kept-")) if args.keep else Path(tmp)
        database = Database(args.db, workdir, args.postgres_url)
        env = {
            **os.environ,
            "ROLLCALL_INSTANCE_PATH": str(workdir / "instance"),
            "ROLLCALL_DATABASE_URL": database.url,
            "ROLLCALL_SECRET_KEY": secrets.token_urlsafe(48),
            "ROLLCALL_BASE_URL": "http://127.0.0.1",
            "ROLLCALL_ENV": "bench",
        }
        server: Server | None = None
        try:
            rollcall(env, "db", "upgrade")
            credential = json.loads(rollcall(env, "lrs", "credentials", "create", "--name", "bench", "--scope", "all"))
            auth = "Basic " + base64.b64encode(f"{credential['key']}:{credential['secret']}".encode()).decode()
            server = Server(env, free_port(), args.workers, args.threads).start()
            result = measure(args, env, server, credential, auth, sizes, stored_sizes, runs)
        except BaseException:
            if server is not None:
                print(server.log_tail(), file=sys.stderr)
            raise
        finally:
            if server is not None:
                server.stop()
                server.log.close()
            if args.keep:
                print(f"kept the database: {database.url}", file=sys.stderr)
            else:
                database.drop()
    return report(result)


def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    server: Server,
    credential: dict[str, Any],
    auth: str,
    sizes: dict[str, int],
    stored_sizes: list[int],
    runs: int,
) -> dict[str, Any]:
    """All phases against the running server; the seeding and the raw inserts run in this process."""
    from core.config import Settings
    from lrs.auth import authority_for
    from lrs.db import writer
    from portal.app import create_app

    app = create_app(Settings.from_env(env))
    lrs = app.extensions["lrs"]
    engine = writer(lrs.engine)
    phases.create_raw_table(engine)
    workload = Workload(args.seed)
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    ingest_runs = [one_run(server, auth, engine, workload, sizes, run) for run in range(1, runs + 1)]
    authority = authority_for(credential["key"], "bench", env["ROLLCALL_BASE_URL"])
    query_sizes: dict[str, Any] = {}
    seeding: dict[str, Any] = {}
    for size in stored_sizes:
        print(f"seeding up to {size:,} statements", file=sys.stderr, flush=True)
        seeded = seed(lrs, workload, size, authority)
        window = (started_at, seeded.pop("window")[1])
        seeded["settle_seconds"] = settle(lrs)
        seeding[str(size)] = seeded
        lrs.engine.dispose()
        print(f"queries at {seeded['stored']:,} statements", file=sys.stderr, flush=True)
        # Seeded once per size; at each, the filters are timed in every run and reported as
        # the median of the runs, as the ingest phases are (issue 3). The first run also
        # meets the pages that the machine dropped from its cache since seeding.
        query_sizes[str(seeded["stored"])] = [
            query_run(server, auth, workload, window, sizes["queries"], args.seed + run) for run in range(runs)
        ]
    lrs.engine.dispose()
    app.extensions["db_engine"].dispose()
    return {
        "db": args.db,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            # Other work on the machine skews every figure: the 1-minute load average before and after.
            "loadavg_before": load_before[0],
            "loadavg_after": os.getloadavg()[0],
        },
        "concurrency": CONCURRENCY,
        "server": {"workers": args.workers, "threads": args.threads},
        "runs": runs,
        "sizes": sizes,
        "seeding": seeding,
        "ingest_runs": ingest_runs,
        "query_runs": query_sizes,
        "server_log_tail": server.log_tail(1500),
    }


def report(result: dict[str, Any]) -> int:
    """Medians, targets, the table (stderr) and the JSON (stdout); both saved under bench/results/."""
    result["median"] = medians(result)
    result["targets"] = check_targets(result)
    text = table(result)
    print(text, file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = json.dumps(result, indent=2, default=str)
    (RESULTS / f"lrs-{result['db']}-{stamp}.json").write_text(out + "\n")
    (RESULTS / f"lrs-{result['db']}-{stamp}.txt").write_text(text + "\n")
    print(out)
    failed = [name for name, target in result["targets"].items() if not target["met"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
