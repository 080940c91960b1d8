"""Safe unpacking: hostile zips built here are refused with a report, and nothing is written."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from packages.report import Report
from packages.storage import LocalStorage
from packages.unpack import Limits, UnsafeMember, open_package

MANIFEST = b'<?xml version="1.0"?><manifest identifier="m"/>'


def build(entries: list[tuple[str | zipfile.ZipInfo, bytes]], **zip_kwargs: object) -> bytes:
    """A zip from (name or ZipInfo, data) pairs, written exactly as given."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which some tests want
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **zip_kwargs) as zf:  # type: ignore[arg-type]
            for name, data in entries:
                zf.writestr(name, data)
    return buffer.getvalue()


def info(name: str, mode: int | None = None, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A ZipInfo with a unix mode (file type bits included) and a compression method."""
    zi = zipfile.ZipInfo(name)
    zi.compress_type = method
    if mode is not None:
        zi.create_system = 3
        zi.external_attr = mode << 16
    return zi


def patch_central(data: bytes, name: str, *, flags: int | None = None, file_size: int | None = None,
                  offset: int | None = None) -> bytes:
    """Rewrite fields of one member's central directory header (headers that lie)."""
    raw = bytearray(data)
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46 : pos + 46 + name_len] == name.encode():
            if flags is not None:
                struct.pack_into("<H", raw, pos + 8, struct.unpack_from("<H", raw, pos + 8)[0] | flags)
            if file_size is not None:
                struct.pack_into("<I", raw, pos + 24, file_size)
            if offset is not None:
                struct.pack_into("<I", raw, pos + 42, offset)
            return bytes(raw)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the zip")


def check(data: bytes, limits: Limits | None = None) -> tuple[Report, object]:
    report = Report()
    package = open_package(io.BytesIO(data), limits or Limits(), report)
    return report, package


def assert_refused(data: bytes, code: str, member: str | None = None, limits: Limits | None = None) -> Report:
    report, package = check(data, limits)
    assert package is None, report.to_text()
    assert code in report.codes(), report.to_text()
    entry = next(e for e in report.errors if e.code == code)
    if member is not None:
        assert entry.file == member
    assert entry.message
    return report


@pytest.mark.parametrize(
    "name",
    [
        "../evil.html",
        "course/../../evil.html",
        "/etc/cron.d/evil",
        "C:/Windows/evil.dll",
        "c:evil.dll",
        "..\\..\\evil.html",
        "course\\..\\..\\evil.html",
        "course/./index.html",
        "course//index.html",
        "course/\x07bell.html",
        "a/" + "x" * 300 + ".html",
    ],
)
def test_unsafe_member_paths_are_refused_by_name(name: str) -> None:
    data = build([("imsmanifest.xml", MANIFEST), (name, b"<script>evil()</script>")])
    assert_refused(data, "zip-unsafe-path", member=name)


def test_symlinks_are_refused(tmp_path: Path) -> None:
    data = build([("imsmanifest.xml", MANIFEST), (info("passwd", stat.S_IFLNK | 0o777), b"/etc/passwd")])
    assert_refused(data, "zip-link", member="passwd")


@pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK])
def test_device_files_and_pipes_are_refused(kind: int) -> None:
    data = build([("imsmanifest.xml", MANIFEST), (info("dev/thing", kind | 0o666), b"")])
    assert_refused(data, "zip-special-file", member="dev/thing")


def test_encrypted_members_are_refused() -> None:
    data = patch_central(build([("imsmanifest.xml", MANIFEST), ("secret.html", b"hidden")]), "secret.html", flags=0x1)
    assert_refused(data, "zip-encrypted", member="secret.html")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compression_methods_other_than_stored_and_deflated_are_refused(method: int) -> None:
    data = build([("imsmanifest.xml", MANIFEST), (info("index.html", method=method), b"<p>hello</p>" * 100)])
    report = assert_refused(data, "zip-compression", member="index.html")
    assert "stored and deflated" in report.errors[0].message


def test_a_compression_bomb_member_is_refused_on_its_ratio() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("bomb.bin", bytes(40 * 1024**2))])
    assert len(data) < 200_000
    assert_refused(data, "zip-ratio", member="bomb.bin")


def test_a_multi_gigabyte_declared_size_is_refused_before_anything_is_read() -> None:
    # 8 members that claim 4 GB - 1 each: 32 GB in all, from a zip of a few kilobytes.
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = [("imsmanifest.xml", MANIFEST)]
    entries += [(f"media/part{i}.bin", bytes(range(256)) * 4) for i in range(8)]
    data = build(entries, compresslevel=0)
    for i in range(8):
        data = patch_central(data, f"media/part{i}.bin", file_size=0xFFFFFFFE)
    report, package = check(data, Limits(max_ratio=10**9))
    assert package is None
    assert "zip-too-large" in report.codes(), report.to_text()


def test_the_total_size_limit_comes_from_settings() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("a.bin", b"a" * 600_000), ("b.bin", b"b" * 600_000)])
    assert_refused(data, "zip-too-large", limits=Limits(max_bytes=1_000_000))
    assert check(data, Limits(max_bytes=2_000_000))[1] is not None


def test_an_archive_bigger_than_the_limit_is_refused_before_it_is_read() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("a.bin", bytes(range(256)) * 20_000)], compresslevel=0)
    assert_refused(data, "zip-too-large", limits=Limits(max_bytes=1_000))


def test_the_file_count_limit_comes_from_settings() -> None:
    data = build([("imsmanifest.xml", MANIFEST)] + [(f"f{i}.txt", b"x") for i in range(20)])
    report = assert_refused(data, "zip-too-many-files", limits=Limits(max_files=10))
    assert "21" in report.errors[0].message


@pytest.mark.slow
def test_over_100000_files_are_refused_by_default(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("imsmanifest.xml", MANIFEST)
        for i in range(100_000):
            zf.writestr(f"f/{i}", b"")
    report = Report()
    assert open_package(path, Limits(), report) is None
    assert report.codes() == ["zip-too-many-files"], report.to_text()


def test_a_member_that_holds_more_than_its_header_declares_is_refused_while_streaming(tmp_path: Path) -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("index.html", b"<p>" + b"a" * 5000 + b"</p>")])
    data = patch_central(data, "index.html", file_size=100)
    report, package = check(data)
    assert package is not None, report.to_text()  # the header looks harmless
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(UnsafeMember) as raised:
        package.extract(storage, "v/")  # type: ignore[attr-defined]
    assert raised.value.member == "index.html"
    assert raised.value.code in ("zip-corrupt", "zip-size-mismatch")


def test_overlapping_members_are_refused() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("a.html", b"a" * 1000), ("b.html", b"b" * 1000)])
    data = patch_central(data, "b.html", offset=0)
    assert_refused(data, "zip-overlap")


def test_duplicate_member_names_are_refused() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("index.html", b"one"), ("index.html", b"two")])
    assert_refused(data, "zip-duplicate", member="index.html")


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04" + bytes(100)])
def test_something_that_is_not_a_zip_is_refused(data: bytes) -> None:
    assert_refused(data, "not-a-zip")


def test_an_empty_zip_is_refused() -> None:
    assert_refused(build([]), "zip-empty")


def test_zip64_members_are_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", MANIFEST)
        with zf.open("media/clip.bin", "w", force_zip64=True) as out:
            out.write(b"frame" * 10_000)
    report, package = check(buffer.getvalue())
    assert package is not None, report.to_text()
    storage = LocalStorage(tmp_path / "store")
    files, size = package.extract(storage, "v/")  # type: ignore[attr-defined]
    assert files == 2 and size == len(MANIFEST) + 50_000
    with storage.open("v/media/clip.bin") as stored:
        assert stored.read() == b"frame" * 10_000


def test_archiver_junk_is_skipped(tmp_path: Path) -> None:
    data = build([
        ("imsmanifest.xml", MANIFEST),
        ("index.html", b"<p>hi</p>"),
        ("__MACOSX/._index.html", b"\x00\x05\x16\x07"),
        (".DS_Store", b"\x00\x00\x00\x01Bud1"),
        ("images/.DS_Store", b"\x00"),
        ("images/", b""),
    ])
    report, package = check(data)
    assert package is not None and report.ok
    assert sorted(package.names()) == ["imsmanifest.xml", "index.html"]  # type: ignore[attr-defined]
    storage = LocalStorage(tmp_path / "store")
    package.extract(storage, "v/")  # type: ignore[attr-defined]
    assert list(storage.iter("v/")) == ["v/imsmanifest.xml", "v/index.html"]


class Pipe(io.RawIOBase):
    """An upload stream that cannot seek (a request body read as it arrives)."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_non_seekable_upload_stream_is_spooled_and_read() -> None:
    report = Report()
    package = open_package(Pipe(build([("imsmanifest.xml", MANIFEST)])), Limits(), report)  # type: ignore[arg-type]
    assert package is not None, report.to_text()
    assert package.read("imsmanifest.xml") == MANIFEST
    package.close()


def test_a_non_seekable_upload_is_spooled_only_up_to_the_limit() -> None:
    data = build([("imsmanifest.xml", MANIFEST), ("a.bin", bytes(range(256)) * 20_000)], compresslevel=0)
    pipe = Pipe(data)
    report = Report()
    assert open_package(pipe, Limits(max_bytes=1_000), report) is None  # type: ignore[arg-type]
    assert report.codes() == ["zip-too-large"]
    assert pipe.inner.tell() < len(data)  # the rest of the upload was never copied


def test_the_parser_cannot_read_a_huge_member_whole() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("imsmanifest.xml", b"<" + b"a" * (33 * 1024**2) + b"/>")
    _report, package = check(buffer.getvalue())
    assert package is not None
    with pytest.raises(UnsafeMember) as raised:
        package.read("imsmanifest.xml")  # type: ignore[attr-defined]
    assert raised.value.code == "zip-member-too-large"
