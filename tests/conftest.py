"""Shared fixtures: settings, app, client, databases on SQLite and PostgreSQL, xAPI helpers, live servers.

Every test that takes ``database_url`` (directly or through ``app``) runs twice: on
SQLite and on PostgreSQL. PostgreSQL comes from ``ROLLCALL_TEST_POSTGRES_URL`` (an
admin URL; ``scripts/test`` starts the server and sets it). Without it the PostgreSQL
half is skipped loudly, and under CI (``CI=true``) it fails.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from core.config import Settings
from portal.app import create_app, upgrade_database

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ("sqlite", "postgresql")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-anything-0123456789"
_counter = itertools.count()


def require(condition: bool, what: str) -> None:
    """Skip when a real part is missing outside CI; fail under CI (a green CI run means all ran)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI", pytrace=False)
    pytest.skip(f"{what} is missing: this part of the suite did NOT run")


def wait_until(condition: Any, what: str = "timed out", seconds: float = 30.0, pause: float = 0.005) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(pause)


def fixtures_dir() -> Path:
    """The shared vendor packages (../shared/fixtures), or ROLLCALL_FIXTURES."""
    return Path(os.environ.get("ROLLCALL_FIXTURES") or ROOT.parent / "shared" / "fixtures")


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real vendor-built packages; required under CI."""
    path = fixtures_dir()
    require(path.is_dir(), f"the shared fixtures folder ({path})")
    return path


def _settings_for(instance: Path, database_url: str, **extra: Any) -> Settings:
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://localhost",
        env="test",
        **extra,
    )


class _Templates:
    """Migrated template databases, made once per session and copied for each test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pg_admin = os.environ.get("ROLLCALL_TEST_POSTGRES_URL")
        self.made: dict[str, str] = {}

    def _migrate(self, url: str) -> None:
        app = create_app(_settings_for(self.workdir / "template-instance", url))
        upgrade_database(app)
        _dispose(app)

    def sqlite(self) -> Path:
        if "sqlite" not in self.made:
            path = self.workdir / "template.sqlite3"
            self._migrate(f"sqlite:///{path}")
            self.made["sqlite"] = str(path)
        return Path(self.made["sqlite"])

    def postgres(self) -> str:
        if "postgresql" not in self.made:
            name = f"rc_tpl_{os.getpid()}"
            with self.admin() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self._migrate(self.url_for(name))
            self.made["postgresql"] = name
        return self.made["postgresql"]

    def admin(self) -> Any:
        assert self.pg_admin
        engine = create_engine(self.pg_admin, isolation_level="AUTOCOMMIT")
        return _disposing(engine)

    def url_for(self, name: str) -> str:
        assert self.pg_admin
        return self.pg_admin.rsplit("/", 1)[0] + f"/{name}"


class _disposing:
    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def __enter__(self) -> Any:
        self.conn = self.engine.connect()
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        self.conn.close()
        self.engine.dispose()


def _dispose(app: Any) -> None:
    app.extensions["db_engine"].dispose()
    app.extensions["lrs"].engine.dispose()


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    if "postgresql" in templates.made:
        with templates.admin() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{templates.made["postgresql"]}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine under test: "sqlite" or "postgresql"."""
    if request.param == "postgresql":
        require(bool(os.environ.get("ROLLCALL_TEST_POSTGRES_URL")), "PostgreSQL (ROLLCALL_TEST_POSTGRES_URL)")
    return request.param


@pytest.fixture
def database_url(backend: str, db_templates: _Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test on the backend under test."""
    if backend == "sqlite":
        path = tmp_path / "rollcall.sqlite3"
        shutil.copyfile(db_templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    template = db_templates.postgres()
    name = f"rc_test_{os.getpid()}_{next(_counter)}"
    with db_templates.admin() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield db_templates.url_for(name)
    with db_templates.admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own instance folder and database."""
    return _settings_for(tmp_path / "instance", database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    """The whole app on a fresh database."""
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    _dispose(application)


@pytest.fixture
def client(app: Any) -> Any:
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    """Flask's CLI runner."""
    return app.test_cli_runner()


def basic_auth(key: str, secret: str) -> str:
    """An HTTP Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.fixture
def lrs_client(app: Any) -> Any:
    """The in-process LRS client."""
    return app.extensions["lrs"].client


class XAPI:
    """Calls the LRS's HTTP API through the test client with a credential and a version header."""

    def __init__(self, client: Any, authorization: str, version: str = "1.0.3") -> None:
        self.client = client
        self.authorization = authorization
        self.version = version

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": self.authorization, "X-Experience-API-Version": self.version}
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def request(self, method: str, path: str, *, headers: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if "json" in kwargs:
            kwargs["data"] = json.dumps(kwargs.pop("json"))
            kwargs.setdefault("content_type", "application/json")
        return self.client.open(
            "/xapi/" + path.lstrip("/"), method=method, headers=self.headers(headers), **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Any:
        return self.request("HEAD", path, **kwargs)


@pytest.fixture
def lrs_credential(lrs_client: Any) -> tuple[str, str]:
    """A credential with scope "all": (key, secret)."""
    return lrs_client.create_credential(name="test suite", scopes=["all"])


@pytest.fixture(params=["1.0.3", "2.0.0"])
def xapi_version(request: pytest.FixtureRequest) -> str:
    """Both xAPI versions the LRS speaks."""
    return request.param


@pytest.fixture
def xapi(client: Any, lrs_credential: tuple[str, str]) -> XAPI:
    """The xAPI API with an "all" credential, speaking 1.0.3 (set ``.version`` to change)."""
    return XAPI(client, basic_auth(*lrs_credential))


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served by a threaded werkzeug server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class RollcallServer:
    """``rollcall serve`` (gunicorn) in a subprocess, on one database, for concurrency and crash tests."""

    def __init__(self, settings: Settings, port: int, workers: int = 2) -> None:
        self.settings = settings
        self.port = port
        self.workers = workers
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ROLLCALL_INSTANCE_PATH=str(self.settings.instance_path),
            ROLLCALL_DATABASE_URL=self.settings.database_url,
            ROLLCALL_SECRET_KEY=self.settings.secret_key,
            ROLLCALL_BASE_URL=self.settings.base_url,
            ROLLCALL_STORAGE_URL=self.settings.storage_url,
        )
        return env

    def start(self) -> RollcallServer:
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()  # a restart (crash tests): the old server's pipe is done with
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rollcall serve exited: {self.process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("rollcall serve did not start in 60 s")

    def kill(self) -> None:
        """SIGKILL the whole process group (master and workers), as a crash would."""
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            # The workers die a moment after the master; until they have, the port still
            # accepts, and a restart's start() would take a dying worker's socket for the new server.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                except OSError:
                    return
                time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM the server (SIGKILL after 30 s) and close its stderr pipe."""
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr and not self.process.stderr.closed:
            self.process.stderr.close()


@pytest.fixture
def rollcall_server(settings: Settings, app: Any) -> Iterator[RollcallServer]:
    """A real ``rollcall serve`` (gunicorn, 2 workers) on this test's database; not started yet."""
    server = RollcallServer(settings, free_port())
    yield server
    server.stop()


def new_uuid() -> str:
    """A random UUID as a string."""
    return str(uuid.uuid4())
