"""GET /xapi/about (xAPI 1.0.3 Part Three §7.7; 2.0 §3.6): no authentication."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from lrs.api import bp
from lrs.api.headers import dispatch


@bp.route("/about", methods=["GET", "HEAD", "POST"])
def about() -> Response:
    """The versions this LRS is set to speak (ROLLCALL_XAPI_VERSIONS)."""
    versions = list(current_app.extensions["lrs"].config.versions)
    return dispatch({"GET": lambda: jsonify({"version": versions, "extensions": {}})})
