"""Mount the LRS in a Flask app (``init_app``) or run it alone (``create_lrs_app``)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from datetime import UTC

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lrs import db
from lrs.auth import Principal, authority_for, basic_credentials
from lrs.client import LRSClient
from lrs.config import LRSConfig
from lrs.sql import credentials
from lrs.sql.group import CommitGroup
from lrs.sql.statements import take_writers_lock

#: How long one worker trusts a successful credential check without reading it again: a
#: revocation made through another process is refused everywhere within this bound.
AUTH_CACHE_SECONDS = 1.0
#: At most this many remembered checks per process (the table is emptied when full).
AUTH_CACHE_SIZE = 10_000


class LRS:
    """The LRS of one app: its engine, settings, and the in-process client."""

    def __init__(self, config: LRSConfig, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or db.create_engine(config.database_url)
        self.sessions: sessionmaker[Session] = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: The engine for reads that need no transaction: on PostgreSQL in autocommit, without
        #: BEGIN and ROLLBACK (two round trips of a GET's few; the pool restores a returned
        #: connection's isolation level). Under READ COMMITTED each statement has its own
        #: snapshot inside a transaction too. A server-side cursor (a streamed query) needs a
        #: transaction, so streams use ``sessions``. SQLite keeps the engine's own BEGIN
        #: handling, which autocommit there would undo.
        self.reader: Engine = self.engine
        if self.engine.dialect.name == "postgresql":
            self.reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessions: sessionmaker[Session] = sessionmaker(bind=self.reader, expire_on_commit=False)
        #: The same engine, taking the writers' lock at BEGIN (SQLite's BEGIN IMMEDIATE).
        self.writer: Engine = db.writer(self.engine)
        self.write_sessions: sessionmaker[Session] = sessionmaker(bind=self.writer, expire_on_commit=False)
        self.client = LRSClient(self)
        #: Statement writes of this process's threads share transactions (lrs.sql.group).
        self.commit_group = CommitGroup(self.write_sessions, lock=take_writers_lock, execute=self.client.write_group)
        #: SHA-256 of a whole Authorization header -> (Principal, trusted until (monotonic),
        #: the credential's own expiry (epoch seconds, inf when none)).
        self._auth_cache: dict[bytes, tuple[Principal, float, float]] = {}
        #: Bumped by ``forget_credential``: a check that raced a revocation is not remembered.
        self._revocations = 0
        #: The clock of the cache's bound (a test moves it instead of sleeping).
        self.clock: Callable[[], float] = time.monotonic

    def upgrade(self) -> None:
        """Apply the LRS's migrations."""
        db.upgrade(self.engine)

    def authenticate(self, key: str, secret: str) -> Principal | None:
        """The Principal for a key and secret, read from the database; None when wrong, revoked or expired (Part Three §4)."""
        checked = self._check(key, secret)
        return None if checked is None else checked[0]

    def _check(self, key: str, secret: str) -> tuple[Principal, float] | None:
        """The credential's Principal and its expiry in epoch seconds (inf when none), or None."""
        with self.sessions() as session:
            credential = credentials.check_credential(session, self.config.secret_key, key, secret)
            if credential is None:
                return None
            principal = Principal(
                key=credential.key,
                name=credential.name,
                scopes=frozenset(credential.scopes),
                authority=authority_for(credential.key, credential.name, self.config.base_url),
                agent=credential.agent,
                registration=credential.registration,
                activity_prefix=credential.activity_prefix,
            )
            expires = credential.expires_at
        if expires is None:
            return principal, math.inf
        return principal, (expires if expires.tzinfo else expires.replace(tzinfo=UTC)).timestamp()

    def authenticate_header(self, authorization: str | None) -> Principal | None:
        """``authenticate`` for a request's HTTP Basic Authorization header, remembered briefly (Part Three §4).

        Raises Unauthorized when the header is absent or not Basic credentials; None means
        the key and secret are wrong, revoked or expired.

        A successful check is remembered per process for ``AUTH_CACHE_SECONDS``, keyed by the
        SHA-256 of the whole header, so only that exact key and secret meet it (the database
        read and HMAC were a quarter of a State GET's CPU). A revocation made in another
        process is therefore honoured here within that bound; ``forget_credential`` drops it
        at once in this one, and a wrong secret is never remembered.
        """
        digest = hashlib.sha256((authorization or "").encode()).digest()
        cached = self._auth_cache.get(digest)
        if cached is not None and cached[1] > self.clock() and cached[2] > time.time():
            return cached[0]
        key, secret = basic_credentials(authorization)
        revocations = self._revocations
        now = self.clock()
        checked = self._check(key, secret)
        if checked is None:
            self._auth_cache.pop(digest, None)
            return None
        principal, expiry = checked
        if revocations == self._revocations:  # no revocation here while we read
            if len(self._auth_cache) >= AUTH_CACHE_SIZE:
                self._auth_cache.clear()
            self._auth_cache[digest] = (principal, now + AUTH_CACHE_SECONDS, expiry)
        return principal

    def forget_credential(self, key: str) -> None:
        """Drop every remembered check of a credential (after a revocation in this process)."""
        self._revocations += 1
        for digest, (principal, _until, _expiry) in list(self._auth_cache.items()):
            if principal.key == key:
                self._auth_cache.pop(digest, None)


def init_app(app: Flask, config: LRSConfig, engine: Engine | None = None) -> LRS:
    """Mount the xAPI API at /xapi and keep the LRS in ``app.extensions["lrs"]``.

    It keeps no projection and no rule yet: the app factory adds those it wants
    (``LRSClient.add_projection``, ``LRSClient.add_rule``).
    """
    from lrs.api import bp, register_routes
    from lrs.cli import lrs_group

    lrs = LRS(config, engine)
    app.extensions["lrs"] = lrs
    app.extensions["lrs_client"] = lrs.client
    register_routes()
    app.register_blueprint(bp, url_prefix="/xapi")
    app.cli.add_command(lrs_group)
    return lrs


def create_lrs_app(config: LRSConfig | None = None) -> Flask:
    """A Flask app that is only the LRS (for deploying it alone), keeping the LRS's own projections.

    ``rollcall db upgrade`` (or ``app.extensions["lrs"].upgrade()``) sets up its database.
    """
    from lrs.projections import DEFAULT_PROJECTIONS

    app = Flask(__name__)
    lrs = init_app(app, config or LRSConfig.from_env())
    for name in DEFAULT_PROJECTIONS:
        lrs.client.add_projection(name)
    return app
