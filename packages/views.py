"""Serving a version's files to the player's frames: /content/<version id>/<path> (issue 4, STYLE.md §3).

Same origin as the player (SCORM content finds its API by walking window.parent).
Right MIME types, Range requests (206) for audio and video, strong ETags (a version's
files never change), 304 on If-None-Match, no directory listings, nothing outside the
version's folder. Who may see a version is decided by the ``packages.can_view`` hook
the app installs (default: published versions only; the portal installs its own).
Course materials are served by the catalog, which applies its visibility rules.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from core.web import db_session
from packages.models import CourseVersion
from packages.storage import MissingFile, PackageStorage, StorageKeyError, storage_from_url
from packages.unpack import path_problem

bp = Blueprint("packages", __name__)

CanView = Callable[[CourseVersion], bool]

#: Types the platform's mimetypes table gets wrong or lacks.
MIME_TYPES = {
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "xml": "application/xml",
    "xsd": "application/xml",
    "txt": "text/plain; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "ico": "image/x-icon",
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "webm": "video/webm",
    "ogv": "video/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "vtt": "text/vtt; charset=utf-8",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "pdf": "application/pdf",
    "wasm": "application/wasm",
    "swf": "application/x-shockwave-flash",
}
MAX_AGE = 3600


#: Vendor content is authored with inline scripts, eval and inline styles (the golf
#: examples, every Articulate/Captivate export): the portal's strict policy would break
#: it. It may run only framed by our own pages and may talk only to our origin (the
#: player's API and the LRS), so it cannot ship learners' data elsewhere.
CONTENT_CSP = (
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'self'"
)


def content_type(path: str) -> str:
    """The MIME type to serve a package file with."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return MIME_TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def published_only(version: CourseVersion) -> bool:
    """The default ``packages.can_view``: anyone may load a published version's files."""
    return version.published_at is not None


def init_app(app: Flask, storage_url: str) -> None:
    """Make the app's package storage and register the blueprint; the portal may replace the two hooks."""
    app.extensions["package_storage"] = storage_from_url(storage_url)
    app.extensions.setdefault("packages.can_view", published_only)
    app.register_blueprint(bp)


def package_storage() -> PackageStorage:
    """The app's package storage (built once in create_app)."""
    return current_app.extensions["package_storage"]  # type: ignore[no-any-return]


def _stream(storage: PackageStorage, key: str, etag_seed: str, mimetype: str) -> Response:
    """The stored file as a conditional response: 206 for ranges, 304 for a matching ETag."""
    try:
        size = storage.size(key)
        handle = storage.open(key)
    except (MissingFile, StorageKeyError):
        abort(404)
    response = Response(wrap_file(request.environ, handle), mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    response.set_etag(hashlib.sha256(etag_seed.encode()).hexdigest()[:32])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE
    try:
        response.make_conditional(request, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        handle.close()
        raise
    if response.status_code == 304 or request.method == "HEAD":
        # No body goes out, and werkzeug would not close what it does not send.
        response.close()
    return response


@bp.get("/content/<int:version_id>/<path:path>")
def content(version_id: int, path: str) -> Response:
    """One file of a version; 404 for folders, missing files, unsafe paths and versions not visible."""
    if path.endswith("/") or path_problem(path):
        abort(404)
    version = db_session().get(CourseVersion, version_id)
    storage = package_storage()
    if version is None or version.storage_backend != storage.backend:
        abort(404)
    if not current_app.extensions["packages.can_view"](version):
        abort(404)
    response = _stream(storage, version.storage_prefix + path, f"{version.storage_prefix}{path}", content_type(path))
    response.headers["Content-Security-Policy"] = CONTENT_CSP
    return response

