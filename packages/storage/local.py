"""Package files in a local folder, the default backend (indico FileSystemStorage)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from werkzeug.security import safe_join

from packages.storage.base import MissingFile, StorageKeyError, StoredFile, check_key, check_prefix

CHUNK = 64 * 1024


class LocalStorage:
    """Files under ``root``; every key is resolved with werkzeug's safe_join and re-checked after symlinks."""

    backend = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._real_root = os.path.realpath(self.root)

    def _path(self, key: str) -> Path:
        joined = safe_join(str(self.root), check_key(key))
        if joined is None:
            raise StorageKeyError(f"unsafe storage key: {key!r}")
        real = os.path.realpath(joined)
        if os.path.commonpath([real, self._real_root]) != self._real_root:
            raise StorageKeyError(f"storage key leaves the storage root: {key!r}")
        return Path(joined)

    def open(self, key: str) -> BinaryIO:
        """The stored file, opened for reading."""
        path = self._path(key)
        if not path.is_file():
            raise MissingFile(f"no stored file {key!r}")
        return open(path, "rb")

    def save(self, key: str, fileobj: BinaryIO) -> StoredFile:
        """Stream to a temp file beside the target, fsync, then rename over it (never a half file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := fileobj.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredFile(key, size, digest.hexdigest())

    def delete(self, key: str) -> None:
        """Remove the file and the folders it leaves empty (up to the root)."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        parent = path.parent
        root = self.root.resolve()
        while parent.resolve() != root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def exists(self, key: str) -> bool:
        """True when a regular file is stored under ``key``."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """The stored file's size in bytes."""
        path = self._path(key)
        if not path.is_file():
            raise MissingFile(f"no stored file {key!r}")
        return path.stat().st_size

    def iter(self, prefix: str) -> Iterator[str]:
        """Every stored key under the folder-like ``prefix``, sorted (temp files left out)."""
        base = self._path(check_prefix(prefix)[:-1])
        if not base.is_dir():
            return
        found: list[str] = []
        for dirpath, _dirs, files in os.walk(base):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            found.extend(f"{rel}/{name}" for name in files if not name.startswith(".upload-"))
        yield from sorted(found)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"
