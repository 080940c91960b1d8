"""Storage backends for package files, chosen by ROLLCALL_STORAGE_URL (STYLE.md §3)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from core.errors import ConfigurationError
from packages.storage.base import MissingFile, PackageStorage, StorageKeyError, StoredFile, delete_prefix
from packages.storage.local import LocalStorage
from packages.storage.memory import MemoryStorage

__all__ = [
    "LocalStorage",
    "MemoryStorage",
    "MissingFile",
    "PackageStorage",
    "StorageKeyError",
    "StoredFile",
    "delete_prefix",
    "storage_from_url",
]


def storage_from_url(url: str) -> PackageStorage:
    """``file:///var/lib/rollcall/packages`` -> LocalStorage, ``memory:`` -> a new MemoryStorage."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigurationError(f"ROLLCALL_STORAGE_URL: a file URL names no host: {url}")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ConfigurationError(f"ROLLCALL_STORAGE_URL: the folder must be absolute: {url}")
        return LocalStorage(path)
    if parts.scheme == "memory":
        return MemoryStorage()
    raise ConfigurationError(f"ROLLCALL_STORAGE_URL: unknown storage {url!r} (use file:///folder or memory:)")
