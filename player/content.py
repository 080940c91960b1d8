"""Vendor content on its own origin: /content/<ctoken>/<path> and /content-static/<file> (player/PROTOCOL.md "Origins").

The content origin (``ROLLCALL_CONTENT_URL``) answers only these two paths; every other
path there is 404, and ``/content/`` is 404 on the portal origin. Requests there are
authorized by the content token alone: ``ContentOrigin`` strips the Cookie header
before the app sees the request and any Set-Cookie from the answer, so partner
JavaScript never meets a learner's portal session (DESIGN.md, "Vendor content runs on
its own origin"). Files keep the serving rules of STYLE.md §3: the right MIME types,
Range requests (206), strong ETags (a version's files never change), 304, no folders,
nothing outside the version's folder.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.security import safe_join
from werkzeug.wsgi import wrap_file

from core.web import db_session
from packages.models import CourseVersion
from packages.storage import MissingFile, PackageStorage, StorageKeyError
from packages.unpack import path_problem
from packages.views import package_storage
from player import tokens

bp = Blueprint("player_content", __name__)

ROOT = Path(__file__).resolve().parent
#: Where /content-static/ files come from, first match wins: the browser side's frame page,
#: then scorm-again's cross-frame bridge as npm installs it (package.json).
STATIC_DIRS = (ROOT / "static" / "player" / "content-static", ROOT.parent / "node_modules" / "scorm-again" / "dist")

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
#: Video hosts partners embed (iframes and media): YouTube and Vimeo.
MEDIA_HOSTS = ("https://www.youtube.com", "https://www.youtube-nocookie.com", "https://player.vimeo.com")


def content_type(path: str) -> str:
    """The MIME type to serve a package file with."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return MIME_TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def content_policy(portal_origin: str, content_origin: str) -> str:
    """The CSP of vendor content: inline script and eval allowed, framed only by our two origins.

    Vendor content is authored with inline scripts, eval and inline styles (the golf
    examples, every Articulate/Captivate export); it may talk only to its own origin
    and to our LRS (Tin Can and cmi5 content send their statements themselves, with the
    launch's credential), so it cannot ship learners' data elsewhere.
    """
    media = " ".join(MEDIA_HOSTS)
    return "; ".join(
        (
            "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:",
            f"media-src 'self' data: blob: {media}",
            f"frame-src 'self' {media}",
            f"connect-src 'self' {portal_origin}/xapi/",
            "form-action 'self'",
            f"frame-ancestors {portal_origin} {content_origin}",
            "base-uri 'self'",
        )
    )


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_origin() -> str:
    """The content origin of this app (ROLLCALL_CONTENT_URL)."""
    return origin_of(current_app.config["ROLLCALL"].content_url)


def content_url(version_id: int, registration: str, href: str) -> str:
    """The absolute URL of one of a version's files for this registration (or ``tokens.PREVIEW``)."""
    return f"{content_origin()}/content/{tokens.sign_content(version_id, registration)}/{href.lstrip('/')}"


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


def _with_policy(response: Response) -> Response:
    settings = current_app.config["ROLLCALL"]
    response.headers["Content-Security-Policy"] = content_policy(origin_of(settings.base_url), content_origin())
    return response


@bp.get("/content/<ctoken>/<path:path>")
def content(ctoken: str, path: str) -> Response:
    """One file of the token's version; 404 for bad tokens, folders, missing files and unsafe paths."""
    if path.endswith("/") or path_problem(path):
        abort(404)
    try:
        grant = tokens.read_content(ctoken)
    except tokens.BadToken:
        abort(404)
    version = db_session().get(CourseVersion, grant.version_id)
    storage = package_storage()
    if version is None or version.storage_backend != storage.backend:
        abort(404)
    key = version.storage_prefix + path
    return _with_policy(_stream(storage, key, key, content_type(path)))


@bp.get("/content-static/<path:name>")
def content_static(name: str) -> Response:
    """The content origin's own files: the frame page and scorm-again's cross-frame bridge."""
    for folder in STATIC_DIRS:
        found = safe_join(str(folder), name)
        if found and Path(found).is_file():
            response = Response(Path(found).read_bytes(), mimetype=content_type(name))
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.cache_control.max_age = 300
            return _with_policy(response)
    abort(404)


class ContentOrigin:
    """WSGI middleware splitting the two origins by Host (player/PROTOCOL.md "Origins")."""

    PATHS = ("/content/", "/content-static/")
    #: Headers of the portal's pages that must not reach framed content (its CSP rules framing).
    DROPPED = frozenset({"set-cookie", "x-frame-options", "cross-origin-opener-policy"})

    def __init__(self, app: Callable[..., Iterable[bytes]], content_url: str) -> None:
        self.app = app
        parts = urlsplit(content_url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
        self.hosts = frozenset({f"{(parts.hostname or '').lower()}:{port}"})
        self.default_port = {"http": "80", "https": "443"}.get(parts.scheme, "")

    def is_content_host(self, environ: dict[str, Any]) -> bool:
        """True when the request's Host header names the content origin exactly (host and port)."""
        host = (environ.get("HTTP_HOST") or "").lower()
        if not host.endswith("]") and ":" in host:
            return host in self.hosts
        return f"{host}:{self.default_port}" in self.hosts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        ours = path.startswith(self.PATHS)
        if not self.is_content_host(environ):
            return _not_found(start_response) if ours else self.app(environ, start_response)
        if not ours:
            return _not_found(start_response)
        environ.pop("HTTP_COOKIE", None)  # no cookie is ever read on the content origin

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() not in self.DROPPED]
            return start_response(status, kept, *exc)

        return self.app(environ, start)


def _not_found(start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = b"Not found\n"
    start_response("404 NOT FOUND", [("Content-Type", "text/plain; charset=utf-8"),
                                     ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff")])
    return [body]


def init_app(app: Flask) -> None:
    """Register the content routes and put the origin split in front of the app."""
    app.register_blueprint(bp)
    app.wsgi_app = ContentOrigin(app.wsgi_app, app.config["ROLLCALL"].content_url)  # type: ignore[method-assign]
