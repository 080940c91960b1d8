"""Settings for the whole app, read once from the environment (``ROLLCALL_*``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.errors import ConfigurationError

PREFIX = "ROLLCALL_"
DEV_SECRET_KEY = "dev-only-insecure-key"


@dataclass(frozen=True)
class Settings:
    """Every setting, each with a default that works on one machine."""

    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str = ""
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    mail_from: str = "Rollcall <no-reply@localhost>"
    storage_url: str = ""
    env: str = "development"
    support_email: str = "support@example.org"
    support_phone: str = "1-555-010-0000"
    max_package_bytes: int = 2 * 1024**3
    max_package_files: int = 100_000
    max_compression_ratio: int = 200
    #: How many reverse proxies in front of the app to believe about X-Forwarded-For/-Proto (0: none).
    trusted_proxies: int = 0
    #: The xAPI versions the LRS answers, comma-separated (empty: all it knows, 1.0.3 and 2.0.0).
    xapi_versions: str = ""
    #: The origin vendor content is served from (player/PROTOCOL.md "Origins"; empty: the base URL
    #: with its host swapped between 127.0.0.1 and localhost, same port).
    content_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instance_path", Path(self.instance_path))
        if not self.database_url:
            url = f"sqlite:///{self.instance_path / 'rollcall.sqlite3'}"
            object.__setattr__(self, "database_url", url)
        if not self.storage_url:
            url = (self.instance_path / "packages").as_uri()
            object.__setattr__(self, "storage_url", url)
        if not self.content_url:
            object.__setattr__(self, "content_url", swapped_loopback(self.base_url))

    @property
    def is_production(self) -> bool:
        """True when running for real users (weak secrets are refused)."""
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``ROLLCALL_*`` variables; ``overrides`` win."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        values: dict[str, Any] = {}
        for name, key, kind in (
            ("INSTANCE_PATH", "instance_path", Path),
            ("DATABASE_URL", "database_url", str),
            ("SECRET_KEY", "secret_key", str),
            ("BASE_URL", "base_url", str),
            ("SMTP_URL", "smtp_url", str),
            ("MAIL_FROM", "mail_from", str),
            ("STORAGE_URL", "storage_url", str),
            ("ENV", "env", str),
            ("SUPPORT_EMAIL", "support_email", str),
            ("SUPPORT_PHONE", "support_phone", str),
            ("MAX_PACKAGE_BYTES", "max_package_bytes", int),
            ("MAX_PACKAGE_FILES", "max_package_files", int),
            ("MAX_COMPRESSION_RATIO", "max_compression_ratio", int),
            ("TRUSTED_PROXIES", "trusted_proxies", int),
            ("XAPI_VERSIONS", "xapi_versions", str),
            ("CONTENT_URL", "content_url", str),
        ):
            raw = get(name)
            if raw is None:
                continue
            try:
                values[key] = kind(raw)
            except ValueError as exc:
                raise ConfigurationError(f"{PREFIX}{name}: {exc}") from exc
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Fail at startup on settings that are unsafe for production."""
        if self.trusted_proxies < 0:
            raise ConfigurationError(f"{PREFIX}TRUSTED_PROXIES must be 0 or more (the number of proxies in front)")
        if self.is_production and (
            self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ConfigurationError(
                f"{PREFIX}SECRET_KEY must be set to a random string of 32+ characters"
                " in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests use this)."""
        return replace(self, **changes)


def swapped_loopback(url: str) -> str:
    """``url`` with its host swapped between 127.0.0.1 and localhost (the default content origin)."""
    parts = urlsplit(url.rstrip("/"))
    host = parts.hostname or ""
    other = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(host, f"content.{host}")
    netloc = other if parts.port is None else f"{other}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def random_secret() -> str:
    """A fresh random secret key."""
    return secrets.token_urlsafe(48)
