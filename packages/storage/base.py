"""The storage interface for package files (STYLE.md §3; warehouse IFileStorage, indico Storage)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

from core.errors import NotFound, RollcallError

_KEY_SEGMENT = re.compile(r"^[^\x00-\x1f\x7f\\]+$")


class StorageKeyError(RollcallError):
    """A key that could point outside the storage root."""


class MissingFile(NotFound):
    """No file is stored under this key."""


@dataclass(frozen=True)
class StoredFile:
    """What ``save`` wrote: the key, its size in bytes and its SHA-256 (hex)."""

    key: str
    size: int
    sha256: str


@runtime_checkable
class PackageStorage(Protocol):
    """Where a version's files live; keys are posix paths like ``packages/<slug>/<id>/index.html``."""

    backend: str

    def open(self, key: str) -> BinaryIO:
        """A binary, seekable stream of the file; raises MissingFile."""
        ...

    def save(self, key: str, fileobj: BinaryIO) -> StoredFile:
        """Write the stream under ``key`` in chunks (replacing any file there)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """True when a file (not a folder) is stored under ``key``."""
        ...

    def size(self, key: str) -> int:
        """The file's size in bytes; raises MissingFile."""
        ...

    def iter(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (a folder-like prefix ending in "/"), sorted."""
        ...


def check_key(key: str) -> str:
    """The key when it is a relative posix path with no '..', '.', empty or control segment."""
    segments = key.split("/")
    if not key or key.startswith("/") or any(
        seg in ("", ".", "..") or not _KEY_SEGMENT.match(seg) for seg in segments
    ):
        raise StorageKeyError(f"unsafe storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A folder-like prefix: a safe key followed by "/"."""
    if not prefix.endswith("/"):
        raise StorageKeyError(f"a prefix must end with '/': {prefix!r}")
    check_key(prefix[:-1])
    return prefix


def delete_prefix(storage: PackageStorage, prefix: str) -> int:
    """Delete every file under ``prefix``; returns how many went."""
    keys = list(storage.iter(prefix))
    for key in keys:
        storage.delete(key)
    return len(keys)
