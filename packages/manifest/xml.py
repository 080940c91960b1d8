"""Safe XML reading for manifests, and namespace-tolerant element helpers.

lxml runs with entity resolution, DTD loading and network access off and without
``huge_tree``; a document that declares entities is refused outright (XXE and
"billion laughs"), and a manifest over ``MAX_XML_BYTES`` is refused before parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from packages.report import Report

MAX_XML_BYTES = 8 * 1024 * 1024
_EMPTY = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>)?\s*(<!--.*?-->\s*)*$", re.S)

# Namespace families, recognised by a fragment of the (trimmed, lower-cased) URI, so
# that the prefix a tool chose, trailing spaces and imsproject/imsglobal variants do
# not matter (CAM 1.2 §2.3, CAM 2004 §3.3).
_FAMILIES = (
    ("adlcp", "adlcp"),
    ("adl_cp", "adlcp"),
    ("adlseq", "adlseq"),
    ("adlnav", "adlnav"),
    ("imsss", "imsss"),
    ("imscp", "cp"),
    ("ims_cp", "cp"),
    ("imsmd", "lom"),
    ("lom", "lom"),
)


def make_parser() -> etree.XMLParser:
    """The one parser configuration every package file goes through (STYLE.md §3)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, name: str, report: Report) -> etree._Element | None:
    """Parse one package XML file, or record why not (code and line) and return None."""
    if len(data) > MAX_XML_BYTES:
        report.error(
            "xml-too-large",
            f"{name} is {len(data):,} bytes; manifests over {MAX_XML_BYTES:,} bytes are refused",
            name,
        )
        return None
    if _EMPTY.match(data):
        report.error("empty-manifest", f"{name} holds no XML element at all (only a declaration or nothing)", name)
        return None
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = exc.msg or str(exc)
        if "entit" in message.lower():
            report.error("xml-entities", f"{name} uses XML entities, which are refused: {message}", name, line)
        else:
            report.error("xml-syntax", f"{name} is not well-formed XML: {message}", name, line)
        return None
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []  # type: ignore[union-attr]
    if dtd is not None and (entities or _declares_entities(data)):
        report.error(
            "xml-entities",
            f"{name} declares entities in its DOCTYPE; entity declarations are refused for safety",
            name,
            1,
        )
        return None
    if docinfo.doctype:  # type: ignore[union-attr]
        report.warning("xml-doctype", f"{name} has a DOCTYPE; it is ignored", name, 1)
    return root


def _declares_entities(data: bytes) -> bool:
    head = data[:65536].replace(b"\x00", b"")
    return b"<!ENTITY" in head.upper()


def family(uri: str | None) -> str | None:
    """The namespace family of a URI: "cp", "adlcp", "adlseq", "adlnav", "imsss", "lom" or None."""
    if not uri:
        return None
    lowered = uri.strip().lower()
    for fragment, fam in _FAMILIES:
        if fragment in lowered:
            return fam
    return "other"


def local(el: etree._Element) -> str:
    """The element's local name."""
    return etree.QName(el).localname


def fam_of(el: etree._Element) -> str | None:
    """The namespace family of an element (None when it has no namespace)."""
    return family(etree.QName(el).namespace)


def elements(el: etree._Element) -> Iterator[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    for child in el:
        if isinstance(child.tag, str):
            yield child


def _matches(el: etree._Element, name: str, fam: str | None) -> bool:
    if local(el).lower() != name.lower():
        return False
    got = fam_of(el)
    if fam == "cp":
        return got in ("cp", None, "other")
    return got == fam


def children(el: etree._Element, name: str, fam: str | None = "cp") -> list[etree._Element]:
    """Child elements with this local name in this namespace family (case-insensitive name)."""
    return [c for c in elements(el) if _matches(c, name, fam)]


def child(el: etree._Element, name: str, fam: str | None = "cp") -> etree._Element | None:
    """The first matching child element, or None."""
    return next(iter(children(el, name, fam)), None)


def attr(el: etree._Element, name: str, fam: str | None = None) -> str | None:
    """An attribute by local name (case-insensitive); fam None means unqualified (or any, as fallback)."""
    fallback: str | None = None
    for key, value in el.attrib.items():
        qname = etree.QName(key)
        if qname.localname.lower() != name.lower():
            continue
        got = family(qname.namespace)
        if got == fam or (fam == "cp" and got is None):
            return str(value).strip()
        fallback = str(value).strip()
    return fallback


def text(el: etree._Element | None) -> str:
    """The element's whole text content, whitespace-collapsed."""
    if el is None:
        return ""
    return " ".join(raw_text(el).split())


def raw_text(el: etree._Element) -> str:
    """The element's whole text content exactly as written."""
    return "".join(str(part) for part in el.itertext())


def xml_base(el: etree._Element) -> str:
    """The element's own xml:base attribute, or "" (CAM 2004 §3.4.1.20)."""
    return (el.get("{http://www.w3.org/XML/1998/namespace}base") or "").strip()


def lineno(el: etree._Element) -> int | None:
    """The element's source line for the report."""
    found = el.sourceline
    return found if isinstance(found, int) else None


def named(el: etree._Element, name: str) -> list[etree._Element]:
    """Child elements with this exact local name, whatever their namespace."""
    return [c for c in elements(el) if local(c) == name]
