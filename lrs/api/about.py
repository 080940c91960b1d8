"""GET /xapi/about (xAPI 1.0.3 Part Three §7.7; 2.0 §3.6): no authentication."""

from __future__ import annotations

from flask import Response, jsonify

from lrs.api import bp
from lrs.api.headers import dispatch
from lrs.vocab import XAPI_VERSIONS


@bp.route("/about", methods=["GET", "HEAD", "POST"])
def about() -> Response:
    """The versions this LRS speaks."""
    return dispatch({"GET": lambda: jsonify({"version": list(XAPI_VERSIONS), "extensions": {}})})
