"""Package files in a dict, for tests (indico testing/fixtures/storage.py)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import BinaryIO

from packages.storage.base import MissingFile, StoredFile, check_key, check_prefix

CHUNK = 64 * 1024


class MemoryStorage:
    """Files held in memory; the same contract as LocalStorage."""

    backend = "memory"

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def open(self, key: str) -> BinaryIO:
        """A BytesIO of the stored bytes."""
        try:
            return io.BytesIO(self.files[check_key(key)])
        except KeyError:
            raise MissingFile(f"no stored file {key!r}") from None

    def save(self, key: str, fileobj: BinaryIO) -> StoredFile:
        """Read the stream in chunks and keep the bytes."""
        check_key(key)
        buffer = bytearray()
        while chunk := fileobj.read(CHUNK):
            buffer += chunk
        data = bytes(buffer)
        self.files[key] = data
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest())

    def delete(self, key: str) -> None:
        """Forget the file."""
        self.files.pop(check_key(key), None)

    def exists(self, key: str) -> bool:
        """True when the key is stored."""
        return check_key(key) in self.files

    def size(self, key: str) -> int:
        """The stored file's size in bytes."""
        try:
            return len(self.files[check_key(key)])
        except KeyError:
            raise MissingFile(f"no stored file {key!r}") from None

    def iter(self, prefix: str) -> Iterator[str]:
        """Every key under the folder-like ``prefix``, sorted."""
        check_prefix(prefix)
        yield from sorted(k for k in self.files if k.startswith(prefix))
