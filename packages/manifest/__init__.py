"""Manifest parsing: recognise a package and read it into one ``CourseModel``.

The import service gives us a ``PackageSource`` (the zip's members, already checked
for safety) and a ``Report``; we fill the report and return the model, or None when
the package is refused. Nothing here touches storage or the database.
"""

from __future__ import annotations

import uuid
from typing import Protocol
from urllib.parse import quote, urlsplit

from packages.manifest import cmi5, scorm, tincan
from packages.manifest.detect import find_manifest
from packages.manifest.paths import FileIndex
from packages.model import AU, CourseModel
from packages.report import Report

__all__ = ["PackageSource", "assign_activity_ids", "parse_cmi5_xml", "parse_package"]


class PackageSource(Protocol):
    """What the parser reads a package through."""

    def names(self) -> list[str]:
        """Posix member paths (files only), as in the zip."""
        ...

    def read(self, name: str) -> bytes:
        """One member's bytes."""
        ...


def parse_package(source: PackageSource, report: Report) -> CourseModel | None:
    """Recognise the package, parse its manifest into a CourseModel; None when an error refuses it."""
    names = source.names()
    found = find_manifest(names, report)
    if found is None:
        return None
    files = FileIndex(names, found.root)
    data = source.read(found.name)
    model: CourseModel | None
    if found.kind == "cmi5":
        model = cmi5.parse(data, found.name, report, files)
    elif found.kind == "tincan":
        model = tincan.parse(data, found.name, report, files)
    else:
        model = scorm.parse(data, found.name, report, files, source.read)
    return _finish(model, found.root, found.name, report)


def parse_cmi5_xml(data: bytes, report: Report) -> CourseModel | None:
    """Parse a bare cmi5.xml imported without a zip (cmi5 §14.1): every AU url must be absolute."""
    model = cmi5.parse(data, "cmi5.xml", report, None)
    return _finish(model, "", "cmi5.xml", report)


def _finish(model: CourseModel | None, root: str, manifest: str, report: Report) -> CourseModel | None:
    if model is not None:
        model.root = root
        model.manifest = manifest
        report.kind = model.kind
        report.title = model.title
    if not report.ok:
        return None
    return model


def assign_activity_ids(model: CourseModel, course_iri: str) -> None:
    """Give the course, its items/AUs and launches the IRIs the player and LRS use, stable across versions.

    SCORM items take ``{course}/item/{identifier}`` (the manifest identifiers survive
    re-publishing); cmi5 AUs and blocks take ``{course}/au/{uuid5(publisher id)}`` (the
    LMS-generated activityId of cmi5 §8.1.5, with the publisher id kept on the AU); Tin
    Can activities keep the package's own ids, which the content reports against.
    """
    parts = urlsplit(course_iri)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"the course IRI must be absolute, got {course_iri!r}")
    base = course_iri.rstrip("/")
    model.activity_id = base
    keyed: dict[str, str] = {}
    for org in model.organizations:
        org.activity_id = f"{base}/organization/{quote(org.identifier, safe='')}"
        for item in org.walk():
            item.activity_id = f"{base}/item/{quote(item.identifier, safe='')}"
            keyed[item.identifier] = item.activity_id
    if model.cmi5 is not None:
        for node in model.cmi5.nodes():
            kind = "au" if isinstance(node, AU) else "block"
            node.activity_id = f"{base}/{kind}/{uuid.uuid5(uuid.NAMESPACE_URL, node.id)}"
            keyed[node.id] = node.activity_id
    for activity in model.tincan_activities:
        keyed[activity.id] = activity.id
    for launch in model.launches:
        launch.activity_id = keyed.get(launch.key)
