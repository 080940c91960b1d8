"""SCORM manifests as real tools write them: namespaces, xml:base, sub-manifests, odd layouts, refusals."""

from __future__ import annotations

import pytest

from packages.manifest import parse_package
from packages.manifest.scorm import with_parameters
from packages.model import CourseModel
from packages.report import Report
from tests.packages.conftest import data_file, source_of

SCORM12_FILES: dict[str, bytes | str] = {
    "imsmanifest.xml": data_file("scorm12_prefixed.xml"),
    "content/knots/bowline.html": "<p>bowline</p>",
    "content/knots/cleat.html": "<p>cleat</p>",
    "content/shared/api.js": "//",
}


def minimal(schemaversion: str | None = "1.2", namespaces: str = "", body: str = "") -> str:
    """A tiny one-SCO manifest we vary per test."""
    version = f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>" \
        if schemaversion is not None else ""
    ns = namespaces or ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
                        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"')
    return f"""<?xml version="1.0"?>
<manifest identifier="m" {ns}>
  {version}
  <organizations default="o"><organization identifier="o"><title>Tiny</title>
    <item identifier="i" identifierref="r"><title>One</title></item>
    {body}
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="a.html"/></resources>
</manifest>"""


def parse(files: dict[str, bytes | str]) -> tuple[CourseModel | None, Report]:
    report = Report()
    return parse_package(source_of(files), report), report


def test_prefixed_namespaces_and_every_scorm12_item_element() -> None:
    model, report = parse(SCORM12_FILES)
    assert model is not None, report.to_text()
    assert (model.kind, model.edition, model.title) == ("scorm12", "1.2", "Knots for Sailors")
    assert model.description == "Six knots every crew member ties blind."
    assert model.typical_learning_time == "PT1H30M"
    bowline = model.organization().items[0]  # type: ignore[union-attr]
    assert bowline.prerequisites == "cleat_hitch" and bowline.prerequisites_type == "aicc_script"
    assert (bowline.max_time_allowed, bowline.time_limit_action) == ("00:20:00", "exit,message")
    assert bowline.data_from_lms == "level=2;  hints=on"
    assert bowline.mastery_score == 80.0
    # xml:base of <resources> and of <resource> both apply; parameters get their '?'.
    assert bowline.href == "content/knots/bowline.html?knot=bowline"
    bowline_res = model.resource("res_bowline")
    assert bowline_res is not None
    assert bowline_res.files == ["content/knots/bowline.html", "content/knots/bowline.png"]
    assert bowline_res.dependencies == ["res_shared"]
    assert [launch.scorm_type for launch in model.launches] == ["sco", "sco", "asset"]


def test_missing_file_and_external_launch_are_warnings_with_lines() -> None:
    model, report = parse(SCORM12_FILES)
    assert model is not None and report.ok
    missing = [e for e in report.warnings if e.code == "missing-file"]
    assert [(e.file, e.line) for e in missing] == [("imsmanifest.xml", 43)]
    assert "content/knots/bowline.png" in missing[0].message
    (external,) = [e for e in report.warnings if e.code == "external-launch"]
    assert external.line == 35
    video = model.launches[-1]
    assert video.external and video.href == "https://video.example.org/knots.mp4"


def test_case_only_mismatch_is_named() -> None:
    files = dict(SCORM12_FILES)
    files["content/knots/Bowline.PNG"] = b"png"
    _, report = parse(files)
    (missing,) = [e for e in report.warnings if e.code == "missing-file"]
    assert "letter case" in missing.message


def test_manifest_in_single_top_folder_with_macosx_junk_is_accepted_with_warning() -> None:
    files: dict[str, bytes | str] = {f"Knots v2/{name}": data for name, data in SCORM12_FILES.items()}
    files["__MACOSX/Knots v2/._imsmanifest.xml"] = b"\x00\x05junk"
    files["Knots v2/.DS_Store"] = b"junk"
    model, report = parse(files)
    assert model is not None, report.to_text()
    assert model.root == "Knots v2/" and model.manifest == "Knots v2/imsmanifest.xml"
    (nested,) = [e for e in report.warnings if e.code == "nested-root"]
    assert nested.file == "Knots v2/imsmanifest.xml"
    # Files are checked relative to the root: only the genuinely absent png is missing.
    assert [e.code for e in report.warnings].count("missing-file") == 1


def test_manifest_in_a_subfolder_beside_other_files_is_refused() -> None:
    model, report = parse({"course/imsmanifest.xml": minimal(), "readme.txt": "hi"})
    assert model is None
    (error,) = report.errors
    assert error.code == "no-manifest" and "course/imsmanifest.xml" in error.message


def test_xml_base_and_sub_manifest() -> None:
    files: dict[str, bytes | str] = {
        "imsmanifest.xml": data_file("scorm2004_submanifest.xml"),
        "course/intro.html": "", "course/weather/pages/shipping.html": ""}
    model, report = parse(files)
    assert model is not None, report.to_text()
    assert report.codes() == ["sub-manifest"]
    forecasts = model.organization().items[1]  # type: ignore[union-attr]
    assert forecasts.resource is None
    assert [(c.identifier, c.href) for c in forecasts.children] == [
        ("shipping", "course/weather/pages/shipping.html")]
    assert [launch.key for launch in model.scos()] == ["intro", "shipping"]


@pytest.mark.parametrize(("version", "edition"), [
    ("1.2", "1.2"), ("CAM 1.3", "2004 2nd"), ("2004 3rd Edition", "2004 3rd"), ("2004 4th Edition", "2004 4th"),
])
def test_edition_from_schemaversion(version: str, edition: str) -> None:
    model, report = parse({"imsmanifest.xml": minimal(version), "a.html": ""})
    assert model is not None and model.edition == edition and report.entries == []


def test_edition_from_namespaces_when_schemaversion_is_missing() -> None:
    model, report = parse({"imsmanifest.xml": minimal(None), "a.html": ""})
    assert model is not None and model.kind == "scorm12"
    assert report.codes() == ["schemaversion"]
    ns2004 = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
              'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"')
    model, report = parse({"imsmanifest.xml": minimal(None, ns2004), "a.html": ""})
    assert model is not None and (model.kind, model.edition) == ("scorm2004", "2004 3rd")


@pytest.mark.parametrize(("files", "code"), [
    ({"course.crs": "[Course]", "course.au": "", "course.des": "", "course.cst": ""}, "unsupported-format-aicc"),
    ({"imsmanifest.xml": minimal("1.1")}, "unsupported-format-scorm11"),
    ({"imsmanifest.xml": minimal(None, 'xmlns="http://www.imsproject.org/xsd/ims_cp_rootv1p1" '
                                       'xmlns:adlcp="http://www.adlnet.org/xsd/adl_cp_rootv1p1"')},
     "unsupported-format-scorm11"),
    ({"imsmanifest.xml": minimal(None, 'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="urn:x"')},
     "unsupported-format"),
    ({"imsmanifest.xml": minimal("1.1.0", 'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
                                          'xmlns:adlcp="urn:x"')}, "unsupported-format"),
    ({"index.html": "<html/>"}, "no-manifest"),
    ({}, "no-manifest"),
], ids=["aicc", "scorm11-version", "scorm11-namespace", "plain-ims-cp", "common-cartridge", "html-only", "empty"])
def test_formats_we_do_not_play_are_refused_by_name(files: dict[str, bytes | str], code: str) -> None:
    model, report = parse(files)
    assert model is None
    assert [e.code for e in report.errors] == [code]


@pytest.mark.parametrize(("body", "code", "line"), [
    ('<item identifier="i" identifierref="r"><title>Again</title></item>', "duplicate-id", 6),
    ('<item identifier="j" identifierref="nope"><title>Lost</title></item>', "broken-reference", 6),
    ('<item identifier="k" identifierref="r"><title>Unclosed</item>', "xml-syntax", 6),
], ids=["duplicate", "reference", "syntax"])
def test_manifest_errors_name_file_and_line(body: str, code: str, line: int) -> None:
    model, report = parse({"imsmanifest.xml": minimal(body=body), "a.html": ""})
    assert model is None
    error = next(e for e in report.errors if e.code == code)
    assert (error.file, error.line) == ("imsmanifest.xml", line)


def test_a_manifest_without_items_launches_nothing() -> None:
    manifest = minimal().replace('<item identifier="i" identifierref="r"><title>One</title></item>', "")
    assert "<item" not in manifest
    model, report = parse({"imsmanifest.xml": manifest, "a.html": ""})
    assert model is None and [e.code for e in report.errors] == ["no-launch"]


@pytest.mark.parametrize("href", ["../outside.html", "javascript:alert(1)", "/etc/passwd", "file:///etc/passwd"])
def test_launch_hrefs_outside_the_package_are_refused(href: str) -> None:
    manifest = minimal().replace('href="a.html"', f'href="{href}"')
    model, report = parse({"imsmanifest.xml": manifest})
    assert model is None
    assert [e.code for e in report.errors] == ["invalid-href"]


def test_several_manifests_warn_and_cmi5_wins() -> None:
    cmi5 = data_file("cmi5_blocks.xml")
    model, report = parse({"imsmanifest.xml": minimal(), "a.html": "", "cmi5.xml": cmi5,
                           "welcome/index.html": "", "skills/cpr.html": ""})
    assert model is not None and model.kind == "cmi5"
    assert "several-manifests" in report.codes()


@pytest.mark.parametrize(("href", "parameters", "launch"), [
    ("a.html", "?x=1", "a.html?x=1"),
    ("a.html", "x=1", "a.html?x=1"),
    ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
    ("a.html", "#part2", "a.html#part2"),
    ("a.html#top", "#part2", "a.html#top"),
    ("a.html", None, "a.html"),
])
def test_item_parameters_join_the_launch_href(href: str, parameters: str | None, launch: str) -> None:
    assert with_parameters(href, parameters) == launch
