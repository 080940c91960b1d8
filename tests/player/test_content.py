"""Serving a version's files on the content origin (player/PROTOCOL.md "Origins"): tokens, types, ranges, ETags, nothing else."""

from __future__ import annotations

import http.client
import io
import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from packages import service
from packages.models import CourseVersion
from packages.storage import PackageStorage
from player import tokens
from tests.packages.test_import import SCORM12, zip_of
from tests.packages.conftest import session, storage  # noqa: F401 - the packages tests' fixtures
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


CONTENT = "http://127.0.0.1"  # the tests' portal is http://localhost: the content origin swaps the host


def url(app: Any, version_id: int, path: str, registration: str = tokens.PREVIEW) -> str:
    """A content URL (path only) with a content token for the version."""
    with app.test_request_context():
        return f"/content/{tokens.sign_content(version_id, registration)}/{path}"


def get(client: Any, path: str, **kwargs: Any) -> Any:
    """GET on the content origin."""
    return fetch(client, path, base_url=CONTENT, **kwargs)


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
def test_files_are_served_with_their_mime_type(app: Any, client: Any, version: CourseVersion, path: str,
                                               mimetype: str) -> None:
    response = get(client, url(app, version.id, path))
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data == FILES[path]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_range_requests_get_206_with_the_slice(app: Any, client: Any, version: CourseVersion) -> None:
    clip = url(app, version.id, "media/clip.mp4")
    whole = get(client, clip)
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = get(client, clip, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(CLIP)}"
    assert part.data == CLIP[1000:2000]
    tail = get(client, clip, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == CLIP[-10:]
    assert get(client, clip, headers={"Range": f"bytes={len(CLIP) + 5}-"}).status_code == 416


def test_etags_give_304_and_differ_between_versions(app: Any, session: Session, storage: PackageStorage,
                                                    client: Any, version: CourseVersion) -> None:
    page = url(app, version.id, "index.html")
    first = get(client, page)
    etag = first.headers["ETag"]
    again = get(client, page, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert get(client, page, headers={"If-None-Match": '"other"'}).status_code == 200
    newer = upload(app, session, storage, FILES)
    assert get(client, url(app, newer.id, "index.html")).headers["ETag"] != etag


def test_head_gives_the_length_without_the_body(app: Any, client: Any, version: CourseVersion) -> None:
    response = client.head(url(app, version.id, "media/clip.mp4"), base_url=CONTENT)
    response.close()
    assert response.status_code == 200
    assert response.content_length == len(CLIP)
    assert response.data == b""


@pytest.mark.parametrize(
    "path",
    ["sub", "sub/", "sub/dir/", "missing.html", "%2e%2e/%2e%2e/etc/passwd", "sub/%2e%2e/%2e%2e/index.html",
     "sub%5c..%5cindex.html"],
)
def test_folders_missing_files_and_escapes_are_404(app: Any, client: Any, version: CourseVersion, path: str) -> None:
    assert get(client, url(app, version.id, path)).status_code == 404


def test_an_absolute_path_stays_inside_the_version(app: Any, client: Any, version: CourseVersion) -> None:
    # werkzeug merges the double slash with a redirect; the target is still this version's folder.
    response = get(client, url(app, version.id, "%2fetc/passwd"), follow_redirects=True)
    assert response.status_code == 404
    assert response.request.path == url(app, version.id, "etc/passwd")


def test_a_version_cannot_reach_another_versions_files(app: Any, session: Session, storage: PackageStorage,
                                                       client: Any, version: CourseVersion) -> None:
    other = upload(app, session, storage, {"imsmanifest.xml": SCORM12, "secret.html": b"other"}, slug="other")
    sibling = other.storage_prefix.split("/")[-2]
    for path in (f"%2e%2e/{sibling}/secret.html", f"%2e%2e/%2e%2e/other/{sibling}/secret.html"):
        assert get(client, url(app, version.id, path)).status_code == 404
    assert get(client, url(app, version.id, "secret.html")).status_code == 404
    assert get(client, url(app, other.id, "secret.html")).data == b"other"


def test_only_a_content_token_of_ours_opens_a_version(app: Any, client: Any, version: CourseVersion) -> None:
    assert get(client, url(app, 999999, "index.html")).status_code == 404
    assert get(client, f"/content/{version.id}/index.html").status_code == 404  # a bare id is no token
    forged = url(app, version.id, "index.html").replace("/content/", "/content/x")
    assert get(client, forged).status_code == 404
    with app.test_request_context():
        attempt_like = tokens.URLSafeSerializer(app.secret_key, salt=tokens.ATTEMPT_SALT).dumps([version.id, "x"])
    assert get(client, f"/content/{attempt_like}/index.html").status_code == 404  # another salt
    assert get(client, url(app, version.id, "index.html")).status_code == 200


def test_the_portal_origin_serves_no_content_and_the_content_origin_nothing_else(
    app: Any, client: Any, version: CourseVersion
) -> None:
    assert fetch(client, url(app, version.id, "index.html")).status_code == 404  # portal origin
    assert fetch(client, "/content-static/frame.html").status_code == 404
    for path in ("/", "/login", "/xapi/about", "/courses", "/player/api/x/sco/y", "/static/style.css"):
        assert get(client, path).status_code == 404, path
    assert fetch(client, "/login").status_code == 200  # the portal itself is unchanged


def test_the_content_origin_reads_no_cookie_and_sets_none(app: Any, client: Any, version: CourseVersion) -> None:
    client.set_cookie("session", "forged-or-real", domain="127.0.0.1")
    seen: list[str | None] = []

    @app.before_request
    def _look() -> None:
        from flask import request

        seen.append(request.headers.get("Cookie"))

    response = get(client, url(app, version.id, "index.html"))
    assert response.status_code == 200
    assert seen == [None]
    assert "Set-Cookie" not in response.headers
    assert "X-Frame-Options" not in response.headers  # framed by the portal origin: the CSP decides


def test_the_frame_page_and_the_bridge_are_served_on_the_content_origin(client: Any) -> None:
    frame = get(client, "/content-static/frame.html")
    assert frame.status_code == 200 and frame.mimetype == "text/html"
    bridge = get(client, "/content-static/cross-frame-api.min.js")
    assert bridge.status_code == 200 and bridge.mimetype == "text/javascript"
    assert get(client, "/content-static/../content.py").status_code == 404
    assert get(client, "/content-static/missing.js").status_code == 404


def test_ranges_work_through_a_real_http_server(app: Any, live_server: str, version: CourseVersion) -> None:
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        # The live server's own port: name the content origin's host, as a browser on it would.
        connection.request("GET", url(app, version.id, "media/clip.mp4"),
                           headers={"Range": "bytes=10-19", "Host": "127.0.0.1"})
        response = connection.getresponse()
        assert response.status == 206
        assert response.read() == CLIP[10:20]
    finally:
        connection.close()


def test_content_gets_a_policy_that_lets_vendor_scripts_run_only_inside_our_frames(
    app: Any, client: Any, version: CourseVersion
) -> None:
    response = get(client, url(app, version.id, "index.html"))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in policy and "'unsafe-eval'" in policy  # vendor packages use both
    assert "frame-ancestors http://localhost http://127.0.0.1;" in policy
    assert "connect-src 'self' http://localhost/xapi/;" in policy  # its own origin and our LRS (Tin Can, cmi5)
    for host in ("https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com"):
        assert host in policy.split("media-src")[1].split(";")[0]
        assert host in policy.split("frame-src")[1].split(";")[0]
