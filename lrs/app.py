"""Mount the LRS in a Flask app (``init_app``) or run it alone (``create_lrs_app``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lrs import db
from lrs.auth import Principal, authority_for
from lrs.client import LRSClient
from lrs.config import LRSConfig
from lrs.projections import RegistrationsProjection
from lrs.sql import credentials
from lrs.sql.group import CommitGroup
from lrs.sql.statements import take_writers_lock


#: How long one worker trusts a successful credential check without reading it again.
AUTH_CACHE_SECONDS = 2.0


class LRS:
    """The LRS of one app: its engine, settings, and the in-process client."""

    def __init__(self, config: LRSConfig, engine: Engine | None = None) -> None:
        self.config = config
        self.engine = engine or db.create_engine(config.database_url)
        self.sessions: sessionmaker[Session] = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: The same engine, taking the writers' lock at BEGIN (SQLite's BEGIN IMMEDIATE).
        self.writer: Engine = db.writer(self.engine)
        self.write_sessions: sessionmaker[Session] = sessionmaker(bind=self.writer, expire_on_commit=False)
        self.client = LRSClient(self)
        #: Statement writes of this process's threads share transactions (lrs.sql.group).
        self.commit_group = CommitGroup(self.write_sessions, lock=take_writers_lock, execute=self.client.write_group)
        self._auth_cache: dict[str, tuple[str, Principal, float, datetime | None]] = {}
        self.client.add_projection(RegistrationsProjection())

    def upgrade(self) -> None:
        """Apply the LRS's migrations."""
        db.upgrade(self.engine)

    def authenticate(self, key: str, secret: str) -> Principal | None:
        """The Principal for a key and secret, or None when they are wrong, revoked or expired.

        A successful check is remembered for ``AUTH_CACHE_SECONDS`` per process (keyed by
        key and the secret's keyed hash): the database read was a fifth of a single
        POST's server time. So a revocation reaches other workers within that time;
        ``forget_credential`` drops it at once in this process.
        """
        digest = credentials.hash_secret(self.config.secret_key, secret)
        now = time.monotonic()
        cached = self._auth_cache.get(key)
        if cached is not None and cached[0] == digest and cached[2] > now:
            principal, expires_at = cached[1], cached[3]
            if expires_at is None or expires_at > datetime.now(UTC):
                return principal
        with self.sessions() as session:
            credential = credentials.check_credential(session, self.config.secret_key, key, secret)
            if credential is None:
                self._auth_cache.pop(key, None)
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
            expires_at = credential.expires_at
            if expires_at is not None and expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[key] = (digest, principal, now + AUTH_CACHE_SECONDS, expires_at)
        return principal

    def forget_credential(self, key: str) -> None:
        """Drop a remembered credential check (after a revocation in this process)."""
        self._auth_cache.pop(key, None)


def init_app(app: Flask, config: LRSConfig, engine: Engine | None = None) -> LRS:
    """Mount the xAPI API at /xapi and keep the LRS in ``app.extensions["lrs"]``."""
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
    """A Flask app that is only the LRS (for deploying it alone)."""
    app = Flask(__name__)
    init_app(app, config or LRSConfig.from_env())
    return app
