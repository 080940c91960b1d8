"""Importing packages: real vendor zips in, broken and hostile ones refused with nothing stored."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packages import service
from packages.cli import packages_group
from packages.models import Course, CourseVersion
from packages.storage import PackageStorage
from tests.conftest import ROOT, fixtures_dir

GOOD = sorted(
    f"{kind}/{path.name}"
    for kind in ("scorm12", "scorm2004", "tincan", "cmi5")
    for path in (fixtures_dir() / kind).glob("*.zip")
) or ["scorm12/missing.zip"]
BROKEN = sorted(path.name for path in (fixtures_dir() / "broken").glob("*.zip")) or ["missing.zip"]
#: The error each broken fixture's README line names (codes from packages.manifest).
BROKEN_CODES = {
    "moodle_badscorm.zip": "empty-manifest",
    "moodle_invalid.zip": "no-manifest",
    "CATAPULT-LTS_205-3-duplicated-au.zip": "duplicate-id",
    "CATAPULT-LTS_206-1-invalid-au-url.zip": "invalid-au-url",
    "CATAPULT-LTS_207-1-invalid-courseStructure.zip": "schema",
}

SCORM12 = b"""<?xml version="1.0"?>
<manifest identifier="ours" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Our course</title>
    <item identifier="i1" identifierref="r1"><title>Lesson</title></item></organization></organizations>
  <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def stored_keys(storage: PackageStorage) -> list[str]:
    return list(storage.iter("packages/"))


def counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Course)) or 0,
        session.scalar(select(func.count()).select_from(CourseVersion)) or 0,
    )


def do_import(app: Any, session: Session, storage: PackageStorage, source: Any, slug: str = "course",
              partner: str | None = None) -> service.ImportResult:
    result = service.import_package(
        session, storage, source, course_slug=slug, partner=partner, settings=app.config["ROLLCALL"]
    )
    session.commit()
    return result


@pytest.mark.parametrize("fixture", GOOD)
def test_every_vendor_package_imports(app: Any, session: Session, storage: PackageStorage,
                                      shared_fixtures: Path, fixture: str) -> None:
    path = shared_fixtures / fixture
    result = do_import(app, session, storage, path, slug="vendor-course")
    assert result.ok, result.report.to_text()
    assert result.version is not None and result.course is not None
    kind = fixture.split("/")[0]
    assert result.version.kind == kind
    assert result.version.number == 1
    assert result.course.title and result.course.status == "draft"
    assert result.course.activity_iri == "http://localhost/courses/vendor-course"
    with zipfile.ZipFile(path) as zf:
        members = sorted(n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/"))
    keys = stored_keys(storage)
    assert [k.removeprefix(result.version.storage_prefix) for k in keys] == members
    assert result.version.file_count == len(members)
    model = result.version.model
    manifest = model["root"] + {"cmi5": "cmi5.xml", "tincan": "tincan.xml"}.get(kind, "imsmanifest.xml")
    assert storage.exists(result.version.storage_prefix + manifest)
    assert result.version.report["ok"] is True


@pytest.mark.parametrize("fixture", BROKEN)
def test_every_broken_package_is_refused_and_nothing_is_stored(app: Any, session: Session, storage: PackageStorage,
                                                               shared_fixtures: Path, fixture: str) -> None:
    result = do_import(app, session, storage, shared_fixtures / "broken" / fixture)
    assert not result.ok
    assert BROKEN_CODES[fixture] in [e.code for e in result.report.errors], result.report.to_text()
    assert result.version is None
    assert stored_keys(storage) == []
    assert counts(session) == (0, 0)


@pytest.mark.parametrize(
    "hostile",
    [
        {"imsmanifest.xml": SCORM12, "index.html": b"x", "../../escape.html": b"evil"},
        {"imsmanifest.xml": SCORM12, "index.html": b"x", "/tmp/escape.html": b"evil"},
        {"imsmanifest.xml": SCORM12, "index.html": bytes(30 * 1024**2)},
    ],
    ids=["traversal", "absolute", "bomb"],
)
def test_hostile_zips_are_refused_and_nothing_is_written_anywhere(app: Any, session: Session, storage: PackageStorage,
                                                                  tmp_path: Path, hostile: dict[str, bytes]) -> None:
    def files_on_disk() -> list[Path]:  # the SQLite database's own files aside
        return sorted(p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("rollcall.sqlite3"))

    before = files_on_disk()
    result = do_import(app, session, storage, io.BytesIO(zip_of(hostile)))
    assert not result.ok and result.report.errors
    assert stored_keys(storage) == []
    assert counts(session) == (0, 0)
    assert files_on_disk() == before
    assert not Path("/tmp/escape.html").exists()


def test_a_package_that_lies_about_its_sizes_is_refused_midway_and_its_files_removed(
    app: Any, session: Session, storage: PackageStorage
) -> None:
    from tests.packages.test_unpack import patch_central

    files = {"imsmanifest.xml": SCORM12, "a.html": b"a" * 1000, "index.html": b"<p>" + b"b" * 5000}
    data = patch_central(zip_of(files), "index.html", file_size=10)
    result = do_import(app, session, storage, io.BytesIO(data))
    assert not result.ok
    assert {e.file for e in result.report.errors} == {"index.html"}
    assert stored_keys(storage) == []
    assert counts(session) == (0, 0)


def test_a_second_import_makes_version_two_and_keeps_catalog_edits(app: Any, session: Session,
                                                                   storage: PackageStorage) -> None:
    first = do_import(app, session, storage, io.BytesIO(zip_of({"imsmanifest.xml": SCORM12, "index.html": b"1"})))
    assert first.ok, first.report.to_text()
    assert first.course is not None
    first.course.title = "Edited title"
    first.course.recommended_runtime = "PT45M"
    session.commit()
    second = do_import(app, session, storage, io.BytesIO(zip_of({"imsmanifest.xml": SCORM12, "index.html": b"2"})))
    assert second.ok and second.version is not None and second.course is not None
    assert second.course.id == first.course.id
    assert second.version.number == 2
    assert second.course.title == "Edited title" and second.course.recommended_runtime == "PT45M"
    assert second.version.storage_prefix != first.version.storage_prefix  # type: ignore[union-attr]
    with storage.open(second.version.storage_prefix + "index.html") as handle:
        assert handle.read() == b"2"


def test_a_partner_cannot_add_versions_to_another_partners_course(app: Any, session: Session,
                                                                  storage: PackageStorage) -> None:
    package = zip_of({"imsmanifest.xml": SCORM12, "index.html": b"x"})
    assert do_import(app, session, storage, io.BytesIO(package), partner="acme").ok
    result = do_import(app, session, storage, io.BytesIO(package), partner="rival")
    assert result.report.codes() == ["course-not-yours"]
    assert counts(session) == (1, 1)


@pytest.mark.parametrize("slug", ["", "Has Caps", "../etc", "x" * 65, "-dash", "under_score"])
def test_bad_course_slugs_are_refused(app: Any, session: Session, storage: PackageStorage, slug: str) -> None:
    result = do_import(app, session, storage, io.BytesIO(zip_of({"imsmanifest.xml": SCORM12})), slug=slug)
    assert result.report.codes() == ["invalid-slug"]
    assert stored_keys(storage) == [] and counts(session) == (0, 0)


def test_a_bare_cmi5_xml_imports(app: Any, session: Session, storage: PackageStorage, shared_fixtures: Path) -> None:
    with zipfile.ZipFile(shared_fixtures / "cmi5" / "CATAPULT_single_au_basic_responsive.zip") as zf:
        xml = zf.read(next(n for n in zf.namelist() if n.endswith("cmi5.xml"))).decode()
    # A bare course structure must point at content hosted elsewhere: make the AU url absolute.
    xml = xml.replace("<url>", "<url>https://content.example.org/au/")
    result = service.import_cmi5_xml(
        session, storage, xml.encode(), course_slug="bare", settings=app.config["ROLLCALL"]
    )
    session.commit()
    assert result.ok, result.report.to_text()
    assert result.version is not None and result.version.kind == "cmi5"
    assert stored_keys(storage) == [result.version.storage_prefix + "cmi5.xml"]


def test_the_cli_imports_lists_and_refuses(app: Any, runner: Any, shared_fixtures: Path, storage: PackageStorage) -> None:
    good = shared_fixtures / "scorm12" / "RuntimeBasicCalls_SCORM12.zip"
    done = runner.invoke(packages_group, ["import", str(good), "--course", "golf", "--partner", "acme", "--publish"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.output)
    assert out["ok"] is True and out["kind"] == "scorm12" and out["version"]["number"] == 1
    assert out["version"]["published"] is True

    refused = runner.invoke(packages_group, ["import", str(shared_fixtures / "broken" / "moodle_invalid.zip"),
                                             "--course", "broken"])
    assert refused.exit_code == 1
    report = json.loads(refused.output)
    assert report["ok"] is False and report["errors"]

    listed = json.loads(runner.invoke(packages_group, ["list"]).output)
    assert [(c["slug"], c["status"], c["partner"], len(c["versions"])) for c in listed] == [
        ("golf", "published", "acme", 1)
    ]


@pytest.mark.slow
def test_rollcall_packages_import_runs_as_the_installed_command(tmp_path: Path, shared_fixtures: Path) -> None:
    env = dict(os.environ, ROLLCALL_INSTANCE_PATH=str(tmp_path / "instance"), ROLLCALL_ENV="development")
    env.pop("ROLLCALL_DATABASE_URL", None)
    env.pop("ROLLCALL_STORAGE_URL", None)

    def rollcall(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "portal.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert rollcall("db", "upgrade").returncode == 0
    done = rollcall("packages", "import", str(shared_fixtures / "tincan" / "GolfExample_TCAPI.zip"),
                    "--course", "golf-tincan")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["kind"] == "tincan"
    refused = rollcall("packages", "import", str(shared_fixtures / "broken" / "moodle_invalid.zip"), "--course", "x")
    assert refused.returncode == 1 and json.loads(refused.stdout)["ok"] is False
    stored = [p for p in (tmp_path / "instance" / "packages").rglob("*") if p.is_file()]
    assert any(p.name == "tincan.xml" for p in stored)
