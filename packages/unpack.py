"""Safe reading of uploaded zips: every member checked before anything is written (issue 4, STYLE.md §3).

Partners' zips are untrusted. A member is refused for a path that could escape the
version's folder (``../``, absolute, drive letter, backslash, control characters), for
being a link or a device file, for encryption, for a compression method other than
stored/deflated, and the whole package for being a bomb: too many members, too many
bytes, an absurd compression ratio, overlapping members. Sizes in the headers are
checked up front and the real bytes are counted again while streaming, since headers
lie. Members are streamed in chunks; only what the manifest parser asks for is read
whole, and that is capped.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Self

from packages.report import Report

if TYPE_CHECKING:
    from core.config import Settings
    from packages.storage.base import PackageStorage

CHUNK = 64 * 1024
# A member the parser reads whole (a manifest) is never bigger than this.
MAX_READ_BYTES = 32 * 1024**2
# Small members compress well for honest reasons (padding, repeated markup); a bomb
# needs volume, so the ratio limit applies from this size up.
RATIO_MIN_BYTES = 1024**2
ALLOWED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
JUNK_DIRS = ("__MACOSX/",)
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_PATH_CHARS = 1024
MAX_SEGMENT_BYTES = 255


class UnsafeMember(Exception):
    """A member broke a limit while being read (its header lied, or it is corrupt)."""

    def __init__(self, code: str, message: str, member: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.member = member


@dataclass(frozen=True)
class Limits:
    """The bomb limits: total uncompressed bytes, member count, per-member compression ratio."""

    max_bytes: int = 2 * 1024**3
    max_files: int = 100_000
    max_ratio: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured by ROLLCALL_MAX_PACKAGE_BYTES/_FILES/_COMPRESSION_RATIO."""
        return cls(settings.max_package_bytes, settings.max_package_files, settings.max_compression_ratio)


def is_junk(name: str) -> bool:
    """True for the litter of archivers (``__MACOSX/``, ``.DS_Store``), which is skipped."""
    return name.startswith(JUNK_DIRS) or name.rsplit("/", 1)[-1] in JUNK_FILES


def path_problem(name: str) -> str | None:
    """Why a member path is unsafe to write under a folder, or None when it is safe."""
    if not name:
        return "has an empty name"
    if "\\" in name:
        return "contains a backslash (a Windows path trick)"
    if _CONTROL.search(name):
        return "contains control characters"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name):
        return "starts with a drive letter"
    if len(name) > MAX_PATH_CHARS:
        return f"is longer than {MAX_PATH_CHARS} characters"
    segments = name.removesuffix("/").split("/")
    if ".." in segments:
        return "climbs out of the package with '..'"
    if any(seg in ("", ".") for seg in segments):
        return "has an empty or '.' path segment"
    if any(len(seg.encode()) > MAX_SEGMENT_BYTES for seg in segments):
        return f"has a path segment longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def _member_problem(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """(code, message) when one member must be refused on its header alone."""
    problem = path_problem(info.filename)
    if problem:
        return "zip-unsafe-path", f"member path {problem}"
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if stat.S_ISLNK(mode):
        return "zip-link", "member is a symbolic link; links are not allowed in packages"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "zip-special-file", "member is a device, pipe or socket, not a regular file"
    if info.flag_bits & 0x41:
        return "zip-encrypted", "member is encrypted; upload the package without a password"
    if info.is_dir():
        return None
    if info.compress_type not in ALLOWED_METHODS:
        return (
            "zip-compression",
            f"member uses compression method {info.compress_type}; only stored and deflated are accepted",
        )
    return None


def _declared_entries(fp: IO[bytes]) -> int | None:
    """The member count the end-of-central-directory record declares (ZIP64 aware), read before parsing it."""
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    tail_len = min(size, 22 + 65535 + 20)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return None
    count: int = struct.unpack("<H", tail[pos + 10 : pos + 12])[0]
    locator = pos - 20
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        offset = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
        if offset + 56 <= size:
            fp.seek(offset)
            record = fp.read(56)
            if record[:4] == b"PK\x06\x06":
                count = max(count, struct.unpack("<Q", record[32:40])[0])
    return count


class _CountingReader(io.RawIOBase):
    """Streams one member, counting the real bytes against its header and the package limits."""

    def __init__(self, package: ZipPackage, info: zipfile.ZipInfo) -> None:
        self.package = package
        self.info = info
        self.inner = package.zip.open(info)
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        size = CHUNK if size is None or size < 0 else min(size, CHUNK)
        try:
            data = self.inner.read(size)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise UnsafeMember("zip-corrupt", f"member cannot be read: {exc}", self.info.filename) from exc
        self.count += len(data)
        self.package.note_bytes(len(data), self.info)
        name = self.info.filename
        if self.count > self.info.file_size:
            raise UnsafeMember("zip-size-mismatch", "member holds more bytes than its header declares", name)
        if self.count > RATIO_MIN_BYTES and self.count > self.package.limits.max_ratio * max(self.info.compress_size, 1):
            raise UnsafeMember(
                "zip-ratio",
                f"member expands more than {self.package.limits.max_ratio} times (a zip bomb?)",
                name,
            )
        return data

    def close(self) -> None:
        self.inner.close()
        super().close()


class ZipPackage:
    """An opened, checked zip: the parser's PackageSource (names/read) and the extractor."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits, owned: list[IO[bytes]]) -> None:
        self.zip = zf
        self.limits = limits
        self._owned = owned
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.skipped: list[str] = []
        self.bytes_read = 0

    def check(self, report: Report) -> bool:
        """Check every member's header and the package's totals; record refusals in ``report``."""
        infos = self.zip.infolist()
        errors_before = len(report.errors)
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            if name in seen:
                report.error("zip-duplicate", "the zip holds two members with this name", name)
                continue
            seen.add(name)
            problem = _member_problem(info)
            if problem:
                report.error(problem[0], problem[1], name)
                continue
            if info.is_dir():
                continue
            if is_junk(name):
                self.skipped.append(name)
                continue
            total += info.file_size
            if info.file_size > RATIO_MIN_BYTES and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
                report.error(
                    "zip-ratio",
                    f"member declares {info.file_size} bytes from {info.compress_size} compressed,"
                    f" over the limit of {self.limits.max_ratio}:1 (a zip bomb?)",
                    name,
                )
                continue
            self.members[name] = info
        if len(self.members) > self.limits.max_files:
            report.error(
                "zip-too-many-files",
                f"the package holds {len(self.members)} files; the limit is {self.limits.max_files}",
            )
        if total > self.limits.max_bytes:
            report.error(
                "zip-too-large",
                f"the package unpacks to {total} bytes; the limit is {self.limits.max_bytes}",
            )
        self._check_overlaps(infos, report)
        if not self.members and len(report.errors) == errors_before:
            report.error("zip-empty", "the zip holds no files")
        return len(report.errors) == errors_before

    def _check_overlaps(self, infos: list[zipfile.ZipInfo], report: Report) -> None:
        """Members whose data overlap are the trick of non-recursive zip bombs: refuse them."""
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for before, after in itertools.pairwise(ordered):
            if before.header_offset + before.compress_size > after.header_offset:
                report.error("zip-overlap", "member overlaps another member's data (a zip bomb?)", after.filename)
                return

    def note_bytes(self, count: int, info: zipfile.ZipInfo) -> None:
        """Count real bytes across the package; stop at the total limit whatever the headers said."""
        self.bytes_read += count
        if self.bytes_read > self.limits.max_bytes:
            raise UnsafeMember(
                "zip-too-large",
                f"the package unpacks to more than {self.limits.max_bytes} bytes",
                info.filename,
            )

    # PackageSource (packages.manifest): what the parser sees.
    def names(self) -> list[str]:
        """Accepted file members (posix paths, folders and junk left out)."""
        return list(self.members)

    def read(self, name: str) -> bytes:
        """One member's bytes, for the manifest parser; capped at MAX_READ_BYTES."""
        info = self.members.get(name)
        if info is None:
            raise KeyError(name)
        if info.file_size > MAX_READ_BYTES:
            raise UnsafeMember("zip-member-too-large", f"member is over {MAX_READ_BYTES} bytes to read whole", name)
        counted = self.bytes_read  # reads for parsing are not part of the extraction's count
        with self.open(name) as stream:
            chunks = []
            while chunk := stream.read(CHUNK):
                chunks.append(chunk)
        self.bytes_read = counted
        return b"".join(chunks)

    def open(self, name: str) -> BinaryIO:
        """A counted stream of one accepted member."""
        return io.BufferedReader(_CountingReader(self, self.members[name]), CHUNK)

    def iter_members(self) -> Iterator[str]:
        """Accepted members in the zip's order."""
        yield from self.members

    def extract(self, storage: PackageStorage, prefix: str) -> tuple[int, int]:
        """Stream every accepted member to ``storage`` under ``prefix``; returns (files, bytes).

        Raises UnsafeMember when a member breaks a limit while streaming; the caller
        removes what was written.
        """
        self.bytes_read = 0
        files = 0
        for name in self.members:
            with self.open(name) as stream:
                storage.save(prefix + name, stream)
            files += 1
        return files, self.bytes_read

    def close(self) -> None:
        """Close the zip (and the spooled copy of a non-seekable upload)."""
        self.zip.close()
        for handle in self._owned:
            handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _archive_cap(limits: Limits) -> int:
    """The biggest zip worth reading: stored members plus headers can't need much over max_bytes."""
    return limits.max_bytes + limits.max_bytes // 10 + 1024**2


def _seekable(source: str | os.PathLike[str] | IO[bytes], cap: int) -> tuple[IO[bytes], list[IO[bytes]]]:
    """A seekable binary file for ``source``; a non-seekable upload is spooled (up to ``cap`` + 1 bytes)."""
    if isinstance(source, (str, os.PathLike)):
        handle = open(Path(source), "rb")  # noqa: SIM115 (closed by ZipPackage.close)
        return handle, [handle]
    if source.seekable():
        source.seek(0)
        return source, []
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by ZipPackage.close)
    copied = 0
    while copied <= cap and (chunk := source.read(CHUNK)):
        spool.write(chunk)
        copied += len(chunk)
    spool.seek(0)
    return spool, [spool]


def open_package(source: str | os.PathLike[str] | IO[bytes], limits: Limits, report: Report) -> ZipPackage | None:
    """Open a zip and check it (zip-slip, links, devices, encryption, methods, bombs); None when refused."""
    cap = _archive_cap(limits)
    fp, owned = _seekable(source, cap)
    try:
        if fp.seek(0, os.SEEK_END) > cap:
            report.error("zip-too-large", f"the zip is bigger than the package limit of {limits.max_bytes} bytes")
            raise _Refused
        declared = _declared_entries(fp)
        if declared is None:
            report.error("not-a-zip", "the upload is not a zip file (no end-of-central-directory record)")
            raise _Refused
        # Bound the memory of reading the central directory itself.
        if declared > limits.max_files * 2 + 1000:
            report.error(
                "zip-too-many-files",
                f"the zip declares {declared} members; the limit is {limits.max_files} files",
            )
            raise _Refused
        fp.seek(0)
        try:
            zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            report.error("not-a-zip", f"the zip cannot be read: {exc}")
            raise _Refused from exc
    except _Refused:
        for handle in owned:
            handle.close()
        return None
    package = ZipPackage(zf, limits, owned)
    if not package.check(report):
        package.close()
        return None
    return package


class _Refused(Exception):
    pass
