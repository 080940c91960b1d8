"""One contract, every PackageStorage backend (warehouse's verifyClass idea, as a test module)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from packages.storage import (
    LocalStorage,
    MemoryStorage,
    MissingFile,
    PackageStorage,
    StorageKeyError,
    delete_prefix,
    storage_from_url,
)


@pytest.fixture(params=["local", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PackageStorage]:
    """Each backend in turn; LocalStorage under tmp_path/root so escapes would be visible beside it."""
    if request.param == "local":
        yield LocalStorage(tmp_path / "root")
    else:
        yield MemoryStorage()


def test_backends_satisfy_the_protocol(storage: PackageStorage) -> None:
    assert isinstance(storage, PackageStorage)
    assert storage.backend in ("local", "memory")


def test_save_then_open_returns_the_same_bytes_with_size_and_sha256(storage: PackageStorage) -> None:
    data = os.urandom(200_000)
    stored = storage.save("packages/c/v1/media/clip.mp4", io.BytesIO(data))
    assert stored.key == "packages/c/v1/media/clip.mp4"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.exists(stored.key)
    assert storage.size(stored.key) == len(data)
    with storage.open(stored.key) as handle:
        assert handle.read() == data
        handle.seek(100)
        assert handle.read(5) == data[100:105]


def test_save_replaces_an_existing_file(storage: PackageStorage) -> None:
    storage.save("k/file.txt", io.BytesIO(b"old"))
    storage.save("k/file.txt", io.BytesIO(b"new!"))
    with storage.open("k/file.txt") as handle:
        assert handle.read() == b"new!"


def test_missing_files(storage: PackageStorage) -> None:
    assert not storage.exists("nope/x.html")
    with pytest.raises(MissingFile):
        storage.open("nope/x.html")
    with pytest.raises(MissingFile):
        storage.size("nope/x.html")
    storage.delete("nope/x.html")  # deleting a missing file is fine


def test_a_folder_is_not_a_file(storage: PackageStorage) -> None:
    storage.save("v/sub/index.html", io.BytesIO(b"x"))
    assert not storage.exists("v/sub")
    with pytest.raises(MissingFile):
        storage.open("v/sub")


def test_iter_lists_a_prefix_only_sorted(storage: PackageStorage) -> None:
    for key in ("v1/b.html", "v1/a/z.js", "v1/a/a.css", "v10/x.html", "v2/y.html"):
        storage.save(key, io.BytesIO(key.encode()))
    assert list(storage.iter("v1/")) == ["v1/a/a.css", "v1/a/z.js", "v1/b.html"]
    assert list(storage.iter("v3/")) == []


def test_delete_prefix_removes_exactly_that_version(storage: PackageStorage) -> None:
    for key in ("v1/a.html", "v1/d/b.html", "v2/a.html"):
        storage.save(key, io.BytesIO(b"x"))
    assert delete_prefix(storage, "v1/") == 2
    assert list(storage.iter("v1/")) == []
    assert storage.exists("v2/a.html")


@pytest.mark.parametrize(
    "key",
    ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a//b", "a/./b", "a\\..\\b", "", "a/\x00b", ".."],
)
def test_unsafe_keys_are_refused(storage: PackageStorage, key: str, tmp_path: Path) -> None:
    with pytest.raises(StorageKeyError):
        storage.save(key, io.BytesIO(b"evil"))
    with pytest.raises(StorageKeyError):
        storage.open(key)
    with pytest.raises(StorageKeyError):
        storage.exists(key)
    assert not (tmp_path / "escape.txt").exists()


def test_local_storage_does_not_follow_a_planted_symlink_out_of_its_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "root" / "v1").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StorageKeyError):
        storage.save("v1/evil.html", io.BytesIO(b"x"))
    assert list(outside.iterdir()) == []


def test_local_storage_leaves_no_temp_file_when_a_save_fails(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            raise OSError("the upload was cut")

    with pytest.raises(OSError):
        storage.save("v1/a.bin", Broken())  # type: ignore[arg-type]
    assert [p for p in (tmp_path / "root").rglob("*") if p.is_file()] == []


def test_local_storage_removes_emptied_folders(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    storage.save("packages/c/v1/a/b/c.html", io.BytesIO(b"x"))
    storage.delete("packages/c/v1/a/b/c.html")
    assert list((tmp_path / "root").iterdir()) == []


def test_storage_from_url(tmp_path: Path) -> None:
    local = storage_from_url((tmp_path / "files").as_uri())
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "files"
    assert isinstance(storage_from_url("memory:"), MemoryStorage)
    for bad in ("s3://bucket", "file://otherhost/x", "ftp://x", "file:relative"):
        with pytest.raises(ConfigurationError):
            storage_from_url(bad)
