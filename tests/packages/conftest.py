"""Helpers for package tests: build zips from a dict of files, read zips as a PackageSource."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from packages.storage import PackageStorage

DATA = Path(__file__).parent / "data"


@pytest.fixture
def session(app: Any) -> Iterator[Session]:
    """A write session of the app's own tables (SQLite: it holds the write lock from its first query)."""
    with app.extensions["db_write"]() as db:
        yield db


@pytest.fixture
def storage(app: Any) -> PackageStorage:
    """The app's package storage."""
    return app.extensions["package_storage"]  # type: ignore[no-any-return]


def build_zip(files: dict[str, bytes | str]) -> bytes:
    """A deflated zip holding ``files`` (name -> content; str is UTF-8 encoded)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def data_file(name: str) -> bytes:
    """One of our own small manifests in tests/packages/data."""
    return (DATA / name).read_bytes()


class ZipSource:
    """A PackageSource over a zip (bytes or path), as the import service gives the parser."""

    def __init__(self, zipped: bytes | Path) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(zipped) if isinstance(zipped, bytes) else zipped)

    def names(self) -> list[str]:
        return [info.filename for info in self.zip.infolist() if not info.is_dir()]

    def read(self, name: str) -> bytes:
        return self.zip.read(name)


def source_of(files: dict[str, bytes | str]) -> ZipSource:
    """A PackageSource over a zip built from ``files``."""
    return ZipSource(build_zip(files))
