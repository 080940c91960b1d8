"""The home page (placeholder until the catalog lands)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> str:
    """The front page."""
    return "<!doctype html><title>Rollcall</title><h1>Rollcall</h1><p>The LRS is at <a href='/xapi/about'>/xapi/</a>.</p>"
