"""Hostile manifests: entity expansion, external entities, huge and deeply nested documents are refused."""

from __future__ import annotations

import pytest

from packages.manifest import parse_cmi5_xml, parse_package
from packages.manifest.xml import MAX_XML_BYTES
from packages.report import Report
from tests.packages.conftest import source_of

ITEM = '<item identifier="i" identifierref="r"><title>{title}</title></item>'
MANIFEST = """<?xml version="1.0"?>
{doctype}
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>{title}</title>{items}</organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="a.html"/></resources>
</manifest>"""

LAUGHS = "".join(
    [f'<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)])
HOSTILE = {
    "billion-laughs": (f"<!DOCTYPE manifest [{LAUGHS}]>", "&lol9;"),
    "external-file": ('<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
    "external-http": ('<!DOCTYPE manifest [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', "&x;"),
    "parameter-entity": ('<!DOCTYPE manifest [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', "Safe"),
    "internal-entity": ('<!DOCTYPE manifest [<!ENTITY name "Sailing">]>', "&name;"),
}


def manifest(doctype: str = "", title: str = "Safe", items: str | None = None) -> str:
    return MANIFEST.format(doctype=doctype, title=title, items=ITEM.format(title=title) if items is None else items)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_entities_are_refused_in_every_manifest_kind(case: str) -> None:
    doctype, title = HOSTILE[case]
    report = Report()
    assert parse_package(source_of({"imsmanifest.xml": manifest(doctype, title), "a.html": ""}), report) is None
    assert [e.code for e in report.errors] == ["xml-entities"]
    assert report.errors[0].file == "imsmanifest.xml"
    assert "root:" not in report.dumps()  # nothing of /etc/passwd leaks into the report
    cmi5 = f'<?xml version="1.0"?>{doctype}<courseStructure xmlns="urn:x">{title}</courseStructure>'
    report = Report()
    assert parse_cmi5_xml(cmi5.encode(), report) is None
    assert [e.code for e in report.errors] == ["xml-entities"]
    tincan = f'<?xml version="1.0"?>{doctype}<tincan><activities>{title}</activities></tincan>'
    report = Report()
    assert parse_package(source_of({"tincan.xml": tincan}), report) is None
    assert [e.code for e in report.errors] == ["xml-entities"]


def test_utf16_manifest_with_entities_is_refused() -> None:
    doctype, title = HOSTILE["billion-laughs"]
    data = manifest(doctype, title).replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    report = Report()
    assert parse_package(source_of({"imsmanifest.xml": data.encode("utf-16"), "a.html": ""}), report) is None
    assert [e.code for e in report.errors] == ["xml-entities"]


def test_a_doctype_without_entities_is_only_a_warning() -> None:
    report = Report()
    doctype = '<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/manifest.dtd">'
    model = parse_package(source_of({"imsmanifest.xml": manifest(doctype), "a.html": ""}), report)
    assert model is not None and report.codes() == ["xml-doctype"]


def test_a_manifest_over_the_size_bound_is_refused_before_parsing() -> None:
    filler = "<!--" + "x" * MAX_XML_BYTES + "-->"
    report = Report()
    model = parse_package(source_of({"imsmanifest.xml": manifest(items=ITEM.format(title="t") + filler)}), report)
    assert model is None
    assert [e.code for e in report.errors] == ["xml-too-large"]


def test_deep_nesting_is_bounded() -> None:
    deep = '<item identifier="d{n}"><title>t</title>'
    for depth, code in ((100, "schema"), (400, "xml-syntax")):
        items = "".join(deep.format(n=n) for n in range(depth)) + ITEM.format(title="leaf") + "</item>" * depth
        report = Report()
        assert parse_package(source_of({"imsmanifest.xml": manifest(items=items), "a.html": ""}), report) is None
        assert code in [e.code for e in report.errors], report.to_text()
