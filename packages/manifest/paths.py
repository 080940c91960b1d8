"""Hrefs inside packages: xml:base joining, normalisation, external URLs, missing files."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from packages.report import Report

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_JUNK_DIRS = ("__MACOSX/",)
_JUNK_FILES = (".DS_Store", "Thumbs.db", "desktop.ini")


def is_junk(name: str) -> bool:
    """Files that archivers add and packages never mean (``__MACOSX/``, ``.DS_Store``)."""
    if any(name.startswith(d) or f"/{d}" in name for d in _JUNK_DIRS):
        return True
    return posixpath.basename(name) in _JUNK_FILES or posixpath.basename(name).startswith("._")


def join_base(*parts: str) -> str:
    """Join xml:base values and an href the way CAM 2004 §3.4.1.20 describes (each base is a folder)."""
    result = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if _SCHEME.match(part) or part.startswith("/"):
            result = part
        elif result and not result.endswith("/"):
            result = result + "/" + part
        else:
            result = result + part
    return result


@dataclass(frozen=True)
class Href:
    """An href classified: a file inside the package, an http(s) URL, or something refused."""

    value: str
    path: str | None = None
    external: bool = False
    invalid: str | None = None


def classify(href: str) -> Href:
    """Split an href into its package path (query and fragment dropped) or an external URL."""
    href = href.strip()
    if _SCHEME.match(href):
        scheme = href.split(":", 1)[0].lower()
        if scheme in ("http", "https") and urlsplit(href).netloc:
            return Href(href, external=True)
        return Href(href, invalid=f"the scheme {scheme}: is not allowed (only package files and http(s) URLs)")
    if href.startswith("//"):
        return Href(href, invalid="protocol-relative URLs are not allowed")
    parts = urlsplit(href)
    path = unquote(parts.path)
    if "\\" in path:
        path = path.replace("\\", "/")
    if path.startswith("/"):
        return Href(href, invalid="absolute paths are not allowed in a package")
    normal = posixpath.normpath(path) if path else ""
    if normal == "." or normal == "":
        return Href(href, invalid="the href names no file")
    if normal == ".." or normal.startswith("../"):
        return Href(href, invalid="the href points outside the package")
    return Href(href, path=normal)


class FileIndex:
    """The package's file names relative to its root, for 'is this file there?' checks."""

    def __init__(self, names: list[str], root: str) -> None:
        self.root = root
        self.exact = {n[len(root) :] for n in names if n.startswith(root) and not is_junk(n)}
        self.folded = {n.lower(): n for n in self.exact}

    def check(self, path: str, report: Report, file: str, line: int | None, what: str) -> None:
        """Warn when a referenced file is absent (a case-only mismatch says so: it breaks on Linux)."""
        if path in self.exact:
            return
        twin = self.folded.get(path.lower())
        if twin:
            report.warning(
                "missing-file",
                f"{what} {path!r} is not in the package; {twin!r} differs only in letter case",
                file,
                line,
            )
        else:
            report.warning("missing-file", f"{what} {path!r} is not in the package", file, line)


def check_launch(
    href: str, report: Report, file: str, line: int | None, files: FileIndex | None, what: str
) -> Href | None:
    """Check a launch href: a present package file, or an http(s) URL kept with a warning; None if refused."""
    found = classify(href)
    if found.invalid:
        report.error("invalid-href", f"{what} {href!r} cannot be launched: {found.invalid}", file, line)
        return None
    if found.external:
        report.warning(
            "external-launch", f"{what} {href!r} launches from another site; it is kept as it is", file, line
        )
    elif files is not None and found.path:
        files.check(found.path, report, file, line, what)
    return found
