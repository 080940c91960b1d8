"""The few LOM metadata fields the catalog uses: description and typical learning time.

LOM sits inline in <metadata> or in a file named by <adlcp:location> (CAM 1.2 §2.3.2,
CAM 2004 §3.4.1.3, §4); IMS MD 1.2.1 (SCORM 1.2) and IEEE LOM (SCORM 2004) differ only
in spelling, which local-name matching absorbs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from packages.manifest.paths import FileIndex, classify, join_base
from packages.manifest.xml import child, lineno, local, parse_xml, text
from packages.report import Report

_CLOCK = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$")
_ISO = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def find_lom(
    metadata: etree._Element | None,
    root: str,
    name: str,
    report: Report,
    files: FileIndex,
    read: Callable[[str], bytes],
) -> etree._Element | None:
    """The LOM element of a <metadata>: inline, or read (safely) from its adlcp:location file."""
    if metadata is None:
        return None
    for el in metadata.iter():
        if isinstance(el.tag, str) and local(el).lower() in ("lom", "record"):
            return el
    location = child(metadata, "location", "adlcp")
    if location is None:
        return None
    href = classify(join_base(text(location)))
    if href.path is None or href.path not in files.exact:
        report.warning("missing-file", f"the metadata file {text(location)!r} is not in the package",
                       name, lineno(location))
        return None
    scratch = Report()
    lom = parse_xml(read(root + href.path), root + href.path, scratch)
    for entry in scratch.entries:
        report.warning("metadata", f"metadata ignored: {entry.message}", entry.file, entry.line)
    return lom


def description(lom: etree._Element | None) -> str:
    """lom/general/description, the first language string."""
    general = _first(lom, "general")
    return _string(_first(general, "description"))


def typical_learning_time(lom: etree._Element | None) -> str | None:
    """lom/educational/typicalLearningTime as an ISO 8601 duration (SCORM 1.2's HH:MM:SS converted)."""
    educational = _first(lom, "educational")
    node = _first(educational, "typicallearningtime")
    if node is None:
        return None
    sub = _first(node, "duration")
    if sub is None:
        sub = _first(node, "datetime")
    value = text(sub) if sub is not None else text(node)
    return to_duration(value)


def to_duration(value: str) -> str | None:
    """An ISO 8601 duration from 'PT1H30M' or SCORM 1.2's 'HH:MM:SS'; None when neither."""
    value = value.strip()
    if _ISO.match(value):
        return value
    clock = _CLOCK.match(value)
    if not clock:
        return None
    hours, minutes, seconds = int(clock[1]), int(clock[2]), float(clock[3] or 0)
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else "",
             f"{seconds:g}S" if seconds else ""]
    return "PT" + ("".join(parts) or "0S")


def _first(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if isinstance(c.tag, str) and local(c).lower() == name), None)


def _string(el: etree._Element | None) -> str:
    if el is None:
        return ""
    for node in el.iter():
        if isinstance(node.tag, str) and local(node).lower() in ("langstring", "string") and text(node):
            return text(node)
    return text(el)
