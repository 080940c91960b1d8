"""Serving a version's files to the player's frames: types, ranges, ETags, and nothing else."""

from __future__ import annotations

import http.client
import io
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from core.errors import RollcallError
from packages import service
from packages.models import CourseVersion
from packages.storage import PackageStorage
from packages.views import published_only
from tests.packages.test_import import SCORM12, zip_of
from tests.packages.test_versions import fetch

CLIP = os.urandom(100_000)
FILES = {
    "imsmanifest.xml": SCORM12,
    "index.html": b"<!doctype html><p>Lesson</p>",
    "media/clip.mp4": CLIP,
    "media/clip.webm": b"webm",
    "media/captions.vtt": b"WEBVTT\n",
    "img/icon.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "fonts/body.woff2": b"wOF2",
    "data/questions.json": b"[]",
    "css/site.css": b"p{}",
    "js/app.js": b"void 0;",
    "blob.unknownext": b"?",
    "sub/dir/page.html": b"<p>deep</p>",
}


def upload(app: Any, session: Session, storage: PackageStorage, files: dict[str, bytes], *,
           publish: bool = True, slug: str = "media") -> CourseVersion:
    result = service.import_package(session, storage, io.BytesIO(zip_of(files)), course_slug=slug,
                                    settings=app.config["ROLLCALL"])
    assert result.ok and result.version is not None, result.report.to_text()
    if publish:
        service.publish(session, result.version)
    session.commit()
    return result.version


@pytest.fixture(autouse=True)
def packages_own_rule(app: Any) -> None:
    """Serving is tested under the packages module's default rule; the portal's is in tests/portal/test_content_access.py."""
    app.extensions["packages.can_view"] = published_only


@pytest.fixture
def version(app: Any, session: Session, storage: PackageStorage) -> CourseVersion:
    return upload(app, session, storage, FILES)


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("index.html", "text/html"),
        ("media/clip.mp4", "video/mp4"),
        ("media/clip.webm", "video/webm"),
        ("media/captions.vtt", "text/vtt"),
        ("img/icon.svg", "image/svg+xml"),
        ("fonts/body.woff2", "font/woff2"),
        ("data/questions.json", "application/json"),
        ("css/site.css", "text/css"),
        ("js/app.js", "text/javascript"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_files_are_served_with_their_mime_type(client: Any, version: CourseVersion, path: str, mimetype: str) -> None:
    response = fetch(client, f"/content/{version.id}/{path}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data == FILES[path]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_range_requests_get_206_with_the_slice(client: Any, version: CourseVersion) -> None:
    url = f"/content/{version.id}/media/clip.mp4"
    whole = fetch(client, url)
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = fetch(client, url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(CLIP)}"
    assert part.data == CLIP[1000:2000]
    tail = fetch(client, url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == CLIP[-10:]
    assert fetch(client, url, headers={"Range": f"bytes={len(CLIP) + 5}-"}).status_code == 416


def test_etags_give_304_and_differ_between_versions(app: Any, session: Session, storage: PackageStorage,
                                                    client: Any, version: CourseVersion) -> None:
    url = f"/content/{version.id}/index.html"
    first = fetch(client, url)
    etag = first.headers["ETag"]
    again = fetch(client, url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert fetch(client, url, headers={"If-None-Match": '"other"'}).status_code == 200
    newer = upload(app, session, storage, FILES)
    assert fetch(client, f"/content/{newer.id}/index.html").headers["ETag"] != etag


def test_head_gives_the_length_without_the_body(client: Any, version: CourseVersion) -> None:
    response = client.head(f"/content/{version.id}/media/clip.mp4")
    response.close()
    assert response.status_code == 200
    assert response.content_length == len(CLIP)
    assert response.data == b""


@pytest.mark.parametrize(
    "path",
    ["sub", "sub/", "sub/dir/", "missing.html", "%2e%2e/%2e%2e/etc/passwd", "sub/%2e%2e/%2e%2e/index.html",
     "sub%5c..%5cindex.html"],
)
def test_folders_missing_files_and_escapes_are_404(client: Any, version: CourseVersion, path: str) -> None:
    assert fetch(client, f"/content/{version.id}/{path}").status_code == 404


def test_an_absolute_path_stays_inside_the_version(client: Any, version: CourseVersion) -> None:
    # werkzeug merges the double slash with a redirect; the target is still this version's folder.
    response = fetch(client, f"/content/{version.id}/%2fetc/passwd", follow_redirects=True)
    assert response.status_code == 404
    assert response.request.path == f"/content/{version.id}/etc/passwd"


def test_a_version_cannot_reach_another_versions_files(app: Any, session: Session, storage: PackageStorage,
                                                       client: Any, version: CourseVersion) -> None:
    other = upload(app, session, storage, {"imsmanifest.xml": SCORM12, "secret.html": b"other"}, slug="other")
    sibling = other.storage_prefix.split("/")[-2]
    for path in (f"%2e%2e/{sibling}/secret.html", f"%2e%2e/%2e%2e/other/{sibling}/secret.html"):
        assert fetch(client, f"/content/{version.id}/{path}").status_code == 404
    assert fetch(client, f"/content/{version.id}/secret.html").status_code == 404


def test_unknown_and_unpublished_versions_are_404_unless_the_app_allows_previews(
    app: Any, session: Session, storage: PackageStorage, client: Any
) -> None:
    assert fetch(client, "/content/999999/index.html").status_code == 404
    draft = upload(app, session, storage, FILES, publish=False)
    assert fetch(client, f"/content/{draft.id}/index.html").status_code == 404
    app.extensions["packages.can_view"] = lambda version: True  # e.g. the partner's preview
    assert fetch(client, f"/content/{draft.id}/index.html").status_code == 200


def test_ranges_work_through_a_real_http_server(live_server: str, version: CourseVersion) -> None:
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", f"/content/{version.id}/media/clip.mp4", headers={"Range": "bytes=10-19"})
        response = connection.getresponse()
        assert response.status == 206
        assert response.read() == CLIP[10:20]
    finally:
        connection.close()


def test_materials_are_stored_under_a_safe_name_and_removed_with_their_file(
    session: Session, storage: PackageStorage, version: CourseVersion
) -> None:
    # Downloads go through the catalog (/courses/<slug>/materials/<id>, tests/portal/test_content_access.py).
    pdf = b"%PDF-1.4\n% handout\n"
    material = service.add_material(session, storage, version.course, io.BytesIO(pdf), filename="Hand out.pdf",
                                    title="Handout")
    session.commit()
    assert material.filename == "Hand_out.pdf" and material.content_type == "application/pdf"
    with storage.open(material.storage_key) as stored:
        assert stored.read() == pdf
    with pytest.raises(RollcallError):
        service.add_material(session, storage, version.course, io.BytesIO(b"MZ"), filename="setup.exe")
    service.remove_material(session, storage, material)
    session.rollback()  # e.g. the commit failed: the row comes back, so must the file
    assert storage.exists(material.storage_key)
    assert session.get(type(material), material.id) is not None
    service.remove_material(session, storage, material)
    assert storage.exists(material.storage_key)  # not before the COMMIT
    session.commit()
    assert not storage.exists(material.storage_key)


def test_content_gets_a_policy_that_lets_vendor_scripts_run_only_inside_our_frames(
    client: Any, version: CourseVersion
) -> None:
    response = fetch(client, f"/content/{version.id}/index.html")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in policy  # vendor packages use inline scripts
    assert "frame-ancestors 'self'" in policy
    assert "connect-src 'self'" in policy
