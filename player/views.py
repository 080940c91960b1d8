"""The player blueprint: the run-time API (/player/api/<token>/...), the page's static files and vendor scripts.

Authorized by the attempt token in the URL, never by the portal's cookie or a CSRF
header: the final commit is a ``navigator.sendBeacon`` (text/plain, no custom headers;
PLAYER-NOTES pitfall 2). The portal exempts this blueprint from CSRF and adds the
launch route (``player.launch``) in ``portal.play``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from flask.typing import ResponseReturnValue

from core.errors import RollcallError
from core.web import db_session
from packages.model import CourseModel
from packages.models import CourseVersion
from player import runtime, tokens

bp = Blueprint("player", __name__, static_folder="static", static_url_path="/player/static",
               template_folder="templates")
VENDOR = Path(__file__).resolve().parent.parent / "node_modules" / "scorm-again" / "dist"
#: A commit body beyond this is refused with 413 (a CMI is rarely over a few hundred KiB).
MAX_COMMIT_BYTES = 1024 * 1024


class BadCommit(RollcallError):
    """A commit body that cannot be parsed (400)."""


class TooLarge(RollcallError):
    """A commit body over the size cap (413)."""

    status_code = 413


@bp.errorhandler(RollcallError)
def _error(exc: RollcallError) -> ResponseReturnValue:
    body: dict[str, Any] = {"error": exc.message}
    if isinstance(exc, runtime.Superseded):
        body["superseded"] = exc.superseded
    return jsonify(body), exc.status_code


def lrs() -> Any:
    """The app's in-process LRS client."""
    return current_app.extensions["lrs_client"]


def model_of(version_id: int) -> CourseModel:
    """A version's course model; a few are kept parsed per app, by storage prefix (unique to a version, never reused)."""
    version = db_session().get(CourseVersion, version_id)
    if version is None:
        raise tokens.BadToken("This course version is gone: reopen the course from its page.")
    models: OrderedDict[str, CourseModel] = current_app.extensions.setdefault("player.models", OrderedDict())
    if version.storage_prefix not in models:
        models[version.storage_prefix] = CourseModel.from_json(version.model)
        while len(models) > 64:
            models.popitem(last=False)
    return models[version.storage_prefix]


@bp.get("/player/vendor/<path:name>")
def vendor(name: str) -> Response:
    """scorm-again's browser builds, from node_modules (package.json pins the version)."""
    if not name.endswith(".js"):
        abort(404)
    return send_from_directory(VENDOR, name, max_age=3600)


@bp.get("/player/api/<token>/sco/<path:item>")
def open_sco(token: str, item: str) -> ResponseReturnValue:
    """The CMI to load for one SCO, and its launch URL (player/PROTOCOL.md "Opening a SCO")."""
    attempt = tokens.read_attempt(token)
    return jsonify(runtime.open_sco(lrs(), attempt, model_of(attempt.version_id), item))


@bp.post("/player/api/<token>/sco/<path:item>/commit")
def commit(token: str, item: str) -> ResponseReturnValue:
    """Store one commit (player/PROTOCOL.md "Committing"); JSON even when labelled text/plain."""
    attempt = tokens.read_attempt(token)
    body = parse_commit(read_body(), final=request.args.get("final") == "true")
    answer = runtime.commit(lrs(), attempt, model_of(attempt.version_id), item, body)
    return jsonify(answer.to_json())


def read_body() -> bytes:
    """The request body, refused over MAX_COMMIT_BYTES without reading it all."""
    if (request.content_length or 0) > MAX_COMMIT_BYTES:
        raise TooLarge(f"A commit may hold at most {MAX_COMMIT_BYTES} bytes.")
    data = request.stream.read(MAX_COMMIT_BYTES + 1)
    if len(data) > MAX_COMMIT_BYTES:
        raise TooLarge(f"A commit may hold at most {MAX_COMMIT_BYTES} bytes.")
    return data


def parse_commit(raw: bytes, *, final: bool) -> runtime.Commit:
    """The commit body: {"session": str, "seq": int, "cmi": object}; BadCommit otherwise."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadCommit("The commit body is not JSON.") from None
    if not isinstance(body, dict):
        raise BadCommit("The commit body must be a JSON object.")
    session, seq, data = body.get("session"), body.get("seq"), body.get("cmi")
    if not isinstance(session, str) or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BadCommit('The commit needs "session" (the launch session) and "seq" (a whole number).')
    if not isinstance(data, dict):
        raise BadCommit('The commit needs "cmi", an object.')
    return runtime.Commit(session, seq, data, final)
