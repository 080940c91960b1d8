"""What kind of package is this? Find its manifest (and root folder) or refuse it by name."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Literal

from packages.manifest.paths import is_junk
from packages.report import Report

ManifestKind = Literal["scorm", "cmi5", "tincan"]

# Precedence when a package carries several: cmi5 §14 packages may also hold other
# files; a SCORM manifest beats a stray tincan.xml.
MANIFESTS: tuple[tuple[str, ManifestKind], ...] = (
    ("cmi5.xml", "cmi5"),
    ("imsmanifest.xml", "scorm"),
    ("tincan.xml", "tincan"),
)
AICC_EXTENSIONS = (".au", ".crs", ".des", ".cst")


@dataclass(frozen=True)
class Found:
    """The manifest to parse: its kind, its member name and the root folder holding it."""

    kind: ManifestKind
    name: str
    root: str


def find_manifest(names: list[str], report: Report) -> Found | None:
    """Locate the manifest at the top or inside one top-level folder (warning), else refuse by name."""
    files = [n for n in names if not n.endswith("/") and not is_junk(n)]
    found = _at_root(files, "", report)
    if found:
        return found
    tops = {n.split("/", 1)[0] for n in files}
    if len(tops) == 1 and all("/" in n for n in files):
        folder = next(iter(tops)) + "/"
        found = _at_root(files, folder, report)
        if found:
            report.warning(
                "nested-root",
                f"the manifest is inside the folder {folder!r}, not at the top of the zip; "
                f"the package is read from that folder",
                found.name,
            )
            return found
        root = folder
    else:
        root = ""
    aicc = sorted(n for n in _direct(files, root) if n.lower().endswith(AICC_EXTENSIONS))
    if aicc:
        report.error(
            "unsupported-format-aicc",
            "this is an AICC package (" + ", ".join(aicc[:4]) + "); Rollcall plays SCORM 1.2, SCORM 2004, "
            "Tin Can and cmi5, not AICC",
            aicc[0],
        )
        return None
    deeper = sorted(n for n in files if posixpath.basename(n).lower() in {m for m, _ in MANIFESTS})
    hint = f"; found {deeper[0]!r}, but a manifest must sit at the top of the zip" if deeper else ""
    if not files:
        report.error("no-manifest", "the package is empty", None)
    else:
        report.error(
            "no-manifest",
            "no imsmanifest.xml (SCORM), cmi5.xml (cmi5) or tincan.xml (Tin Can) at the top of the package" + hint,
            deeper[0] if deeper else None,
        )
    return None


def _direct(files: list[str], root: str) -> list[str]:
    return [n for n in files if n.startswith(root) and "/" not in n[len(root) :]]


def _at_root(files: list[str], root: str, report: Report) -> Found | None:
    by_lower = {n[len(root) :].lower(): n for n in _direct(files, root)}
    present = [(by_lower[m], kind) for m, kind in MANIFESTS if m in by_lower]
    if not present:
        return None
    name, kind = present[0]
    if len(present) > 1:
        others = ", ".join(n for n, _ in present[1:])
        report.warning("several-manifests", f"the package has {name} and {others}; {name} is used", name)
    return Found(kind, name, root)
