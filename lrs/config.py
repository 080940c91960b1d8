"""The LRS's own settings (the same ``ROLLCALL_*`` names as the app; kept apart so the LRS deploys alone)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lrs.vocab import XAPI_VERSIONS


def parse_versions(text: str | None) -> tuple[str, ...]:
    """The xAPI versions named in a comma-separated list, oldest first (none named: all); ValueError for others."""
    if text is None or not text.strip():
        return XAPI_VERSIONS
    named = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(named - set(XAPI_VERSIONS))
    if unknown or not named:
        raise ValueError(
            f"ROLLCALL_XAPI_VERSIONS must name one or more of {', '.join(XAPI_VERSIONS)}, got {text!r}"
        )
    return tuple(v for v in XAPI_VERSIONS if v in named)


@dataclass(frozen=True)
class LRSConfig:
    """What the LRS needs to run."""

    database_url: str
    secret_key: str
    base_url: str = "http://127.0.0.1:8000"
    #: Largest batch of statements one request may carry.
    max_batch: int = 1000
    #: Default and largest page size for statement queries (``limit``).
    page_size: int = 100
    max_page_size: int = 1000
    #: Largest request body (statements with attachments, documents) in bytes; larger -> 413.
    max_body_bytes: int = 64 * 1024 * 1024
    #: The xAPI versions this LRS answers, oldest first (``ROLLCALL_XAPI_VERSIONS``). A request
    #: naming another is refused; one naming none is answered in the newest.
    versions: tuple[str, ...] = XAPI_VERSIONS

    def __post_init__(self) -> None:
        if not self.versions or tuple(v for v in XAPI_VERSIONS if v in self.versions) != self.versions:
            raise ValueError(f"LRS versions must be some of {XAPI_VERSIONS}, oldest first, not {self.versions!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LRSConfig:
        """Read ``ROLLCALL_DATABASE_URL``, ``ROLLCALL_SECRET_KEY``, ``ROLLCALL_BASE_URL``, ``ROLLCALL_XAPI_VERSIONS``."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("ROLLCALL_INSTANCE_PATH") or Path.cwd() / "instance")
        return cls(
            database_url=env.get("ROLLCALL_DATABASE_URL")
            or f"sqlite:///{instance / 'rollcall.sqlite3'}",
            secret_key=env.get("ROLLCALL_SECRET_KEY") or "dev-only-insecure-key",
            base_url=env.get("ROLLCALL_BASE_URL") or "http://127.0.0.1:8000",
            versions=parse_versions(env.get("ROLLCALL_XAPI_VERSIONS")),
        )
