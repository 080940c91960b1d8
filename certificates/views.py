"""The public verification page: anyone holding a certificate number can check it, without logging in.

The page reads the number's record and the completion fact it points at, so it keeps
answering after the course is retired, its version purged or the learner's account
closed, and says "revoked" once an admin voided the fact (DESIGN.md, "Course completion").
Each lookup is counted by a rate limit the app passes in (the portal's, kept in the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from certificates import services
from certificates.render import format_date, group_serial
from core.web import db_session

bp = Blueprint("certificates", __name__, url_prefix="/certificates", template_folder="templates")

RateLimit = Callable[[], None]


def init_app(app: Flask, *, rate_limit: RateLimit, time_zone: Callable[[], str]) -> None:
    """Register the verification pages; ``rate_limit`` raises to refuse a lookup, ``time_zone`` names the site's."""
    app.extensions["certificates"] = {"rate_limit": rate_limit, "time_zone": time_zone}
    app.register_blueprint(bp)


def _limit() -> None:
    current_app.extensions["certificates"]["rate_limit"]()


def _date(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return format_date(moment, current_app.extensions["certificates"]["time_zone"]())


@bp.route("/", methods=["GET"])
def lookup() -> ResponseReturnValue:
    """A form to type a certificate number; a typed one goes to its page."""
    number = (request.args.get("number") or "").strip()
    if number:
        serial = services.normalize_serial(number)
        if serial:
            return redirect(url_for("certificates.verify", serial=serial), 303)
        return render_template("certificates/lookup.html", number=number[:60], invalid=True), 400
    return render_template("certificates/lookup.html", number="", invalid=False)


@bp.route("/<serial>", methods=["GET"])
def verify(serial: str) -> ResponseReturnValue:
    """Say whether the certificate is valid, revoked, or unknown (404)."""
    _limit()
    dbs = db_session()
    result = services.verify(dbs, current_app.extensions["lrs_client"], serial[:80])
    dbs.commit()  # the rate limit's count
    if result.status == "valid" and result.serial != serial:
        return redirect(url_for("certificates.verify", serial=result.serial), 301)
    context: dict[str, Any] = {
        "result": result,
        "number": group_serial(result.serial) if result.certificate else result.serial,
        "completed_on": _date(result.completed_at),
        "revoked_on": _date(result.certificate.revoked_at if result.certificate else None),
    }
    status = 404 if result.status == "unknown" else 200
    response = current_app.make_response((render_template("certificates/verify.html", **context), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
