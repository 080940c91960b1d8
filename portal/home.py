"""The home page: what the portal offers, and for confirmed learners the newest catalog entries."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.web import db_session
from portal.catalog import services

bp = Blueprint("home", __name__)
PER_SECTION = 3


@bp.route("/")
def index() -> ResponseReturnValue:
    """The front page; the catalog itself needs a confirmed account (portal FAQ)."""
    sections = []
    if getattr(current_user, "is_authenticated", False) and current_user.is_confirmed:
        session = db_session()
        for heading, kind in (
            ("e-Learning courses", "course"),
            ("Video series", "video_series"),
            ("Documents", "document"),
            ("In-person courses", "in_person"),
        ):
            sections.append((heading, kind, services.published_entries(session, kind)[:PER_SECTION]))
    return render_template("catalog/home.html", sections=sections)


@bp.route("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers and tools that ask for /favicon.ico without reading the page get the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
