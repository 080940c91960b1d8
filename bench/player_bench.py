"""Benchmark the SCORM player under `rollcall serve`: launch page time to first byte, commit round trips.

    .venv/bin/python bench/player_bench.py --db sqlite
    .venv/bin/python bench/player_bench.py --db postgresql --learners 200 --seconds 60

Seeds a fresh database in-process (the golf SCORM 1.2 fixture, one learner account for
the launch page, and N learners' attempt tokens made by ``player.launch`` as the page
would get them), starts `rollcall serve`, then: the launch page (GET /courses/<slug>/play,
logged in) --launches times in a row, and N learners each committing every --interval
seconds for --seconds (open loop: each commit is due at its time, and its latency counts
from then, so a server that falls behind shows it). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lrsbench.driver import Http, Recorder, percentile  # noqa: E402

PACKAGE = ROOT.parent / "shared" / "fixtures" / "scorm12" / "RuntimeBasicCalls_SCORM12.zip"
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
PG_ADMIN = os.environ.get("ROLLCALL_TEST_POSTGRES_URL", "postgresql+psycopg://rollcall:rollcall@127.0.0.1:5432/postgres")
EMAIL, PASSWORD = "bench@example.org", "correct horse battery staple"


def database(kind: str, instance: Path) -> str:
    """A fresh database URL of the kind asked for."""
    if kind == "sqlite":
        return f"sqlite:///{instance / 'rollcall.sqlite3'}"
    from sqlalchemy import create_engine, text

    name = f"rc_player_bench_{os.getpid()}"
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str) -> None:
    """Drop the bench's PostgreSQL database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def seed(settings: Any, learners: int) -> tuple[str, list[dict[str, Any]]]:
    """Import and publish the course, make the launch-page learner, launch N learners; (slug, commit targets)."""
    from core.db import transaction
    from packages import service
    from packages.models import Course
    from player import launch
    from portal.accounts import services as accounts
    from portal.app import create_app, upgrade_database
    from portal.enrollment import services as enrollment

    app = create_app(settings)
    upgrade_database(app)
    client = app.extensions["lrs_client"]
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        result = service.import_package(session, app.extensions["package_storage"], PACKAGE, course_slug="golf",
                                        settings=settings)
        assert result.ok and result.version is not None, result.report.to_text()
        service.publish(session, result.version)
        user = accounts.sign_up(session, email=EMAIL, password=PASSWORD, name="Bench").user
        assert user is not None
        import datetime as dt

        user.confirmed_at = dt.datetime.now(dt.UTC)
        user_uuid = str(user.uuid)
    targets = []
    with app.test_request_context():
        with app.extensions["db_read"]() as session:
            course = session.query(Course).filter_by(slug="golf").one()
            agent = {"objectType": "Agent", "account": {"homePage": settings.base_url, "name": user_uuid}}
            enrollment.enroll(client, agent, user_uuid, course.activity_iri, course.title)
        for _ in range(learners):
            learner = str(uuid.uuid4())
            agent = {"objectType": "Agent", "account": {"homePage": settings.base_url, "name": learner}}
            registration = str(enrollment.registration_for(learner, course.activity_iri))
            with transaction(app.extensions["db_write"]) as session:
                pinned = launch.pin(session, session.get(Course, course.id), registration)
            config = launch.launch(client, course, registration, pinned, launch.Learner(agent, learner, "L"))
            targets.append({"commit": config["api"]["commit"].replace("{item}", config["start"]),
                            "session": config["launchSession"]})
    app.extensions["db_engine"].dispose()
    app.extensions["lrs"].engine.dispose()
    return "golf", targets


def serve(settings: Any, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`rollcall serve` on the seeded database; returns once it accepts connections."""
    env = dict(os.environ, ROLLCALL_INSTANCE_PATH=str(settings.instance_path),
               ROLLCALL_DATABASE_URL=settings.database_url, ROLLCALL_SECRET_KEY=SECRET,
               ROLLCALL_BASE_URL=settings.base_url, ROLLCALL_STORAGE_URL=settings.storage_url)
    process = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve", "--port", str(port),
                                "--workers", str(workers)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("rollcall serve did not start")


def log_in(base: str) -> str:
    """A session cookie for the bench learner, through the real log-in form."""
    http = Http(base, {})
    status, headers, body = http.request("GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert status == 200 and token, status
    cookie = headers.get("set-cookie", "").split(";", 1)[0]
    form = f"csrf_token={token.group(1).decode()}&email={EMAIL}&password={PASSWORD.replace(' ', '+')}".encode()
    status, headers, _ = http.request("POST", "/login", form, {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    return str(headers.get("set-cookie", "").split(";", 1)[0])


def launch_page(base: str, cookie: str, times: int) -> dict[str, Any]:
    """Time to first byte of the player page, ``times`` launches in a row (each a new launch session)."""
    http = Http(base, {"Cookie": cookie})
    firsts = []
    for _ in range(times):
        started = time.perf_counter()
        status, _, body = http.request("GET", "/courses/golf/play")
        firsts.append(time.perf_counter() - started)  # the page is small: its first byte is all but its last
        assert status == 200 and b"player-config" in body, status
    return {"launches": times, "p50_ms": round(percentile(firsts, 0.5) * 1000, 1),
            "p95_ms": round(percentile(firsts, 0.95) * 1000, 1)}


def commits(base: str, targets: list[dict[str, Any]], seconds: float, interval: float, threads: int) -> dict[str, Any]:
    """Every learner commits every ``interval`` s for ``seconds`` s, open loop; round trip from each commit's due time."""
    recorder = Recorder()
    start = time.perf_counter() + 1.0
    schedule = sorted(
        (start + i * interval / len(targets) + k * interval, i, k + 1)
        for i in range(len(targets)) for k in range(int(seconds / interval))
    )
    lanes = [schedule[t::threads] for t in range(threads)]

    def lane(due_list: list[tuple[float, int, int]]) -> None:
        http = Http(base, {"Content-Type": "application/json"})
        for due, i, seq in due_list:
            time.sleep(max(0.0, due - time.perf_counter()))
            body = json.dumps({"session": targets[i]["session"], "seq": seq, "cmi": {"core": {
                "lesson_status": "incomplete", "lesson_location": f"page-{seq}", "exit": "suspend",
                "session_time": f"00:00:{min(seq * 5, 59):02d}"}, "suspend_data": "x" * 2000}}).encode()
            status, _, answer = http.request("POST", targets[i]["commit"], body)
            recorder.expect(status, (200,), due, "commit", answer)

    workers = [threading.Thread(target=lane, args=(chunk,)) for chunk in lanes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lat = recorder.latencies
    return {"learners": len(targets), "interval_s": interval, "commits": len(lat),
            "per_s": round(len(lat) / seconds, 1), "p50_ms": round(percentile(lat, 0.5) * 1000, 1),
            "p95_ms": round(percentile(lat, 0.95) * 1000, 1), "errors": recorder.errors,
            "error_samples": recorder.samples}


def main() -> None:
    """Seed, serve, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--launches", type=int, default=50)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from core.config import Settings

    with tempfile.TemporaryDirectory(prefix="player-bench-") as folder:
        instance = Path(folder)
        port = 18000 + os.getpid() % 1000
        base = f"http://127.0.0.1:{port}"
        settings = Settings(instance_path=instance, database_url=database(args.db, instance), secret_key=SECRET,
                            base_url=base, env="bench")
        slug, targets = seed(settings, args.learners)
        server = serve(settings, port, args.workers)
        try:
            result = {"db": args.db, "workers": args.workers, "course": slug,
                      "launch_page": launch_page(base, log_in(base), args.launches),
                      "commit": commits(base, targets, args.seconds, args.interval, args.threads)}
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
            if args.db == "postgresql":
                drop(settings.database_url)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
