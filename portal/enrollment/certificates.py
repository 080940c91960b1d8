"""The portal's side of certificates: the verification page's rate limit, the learner's own download."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app, request, url_for

from certificates import services
from certificates.render import CertificateData, local_date, render_certificate
from core.errors import NotFound
from core.web import db_session
from lrs.client import Completion
from portal import ratelimit
from portal.help.services import site_info

#: Lookups of certificate numbers per IP address: enough for an employer checking a pile, not for guessing.
VERIFY_PER_IP = ratelimit.Rule("certificate-verify-ip", 60, 10 * 60)


def limit_verification() -> None:
    """Count one lookup for this address; RateLimited (429) past the limit."""
    secret = current_app.config["SECRET_KEY"]
    ratelimit.hit(db_session(), secret, VERIFY_PER_IP, request.remote_addr or "unknown")


def site_time_zone() -> str:
    """The time zone certificate dates are shown in (UTC until a site setting exists)."""
    return "UTC"


def completed_on(moment: dt.datetime) -> str:
    """A completion date as My learning shows it, e.g. "2 December 2026", in the site's time zone."""
    day = local_date(moment, site_time_zone())
    return f"{day.day} {day:%B} {day.year}"


def certificate_pdf(course: Any, user: Any, fact: Completion | None) -> tuple[bytes, str]:
    """Issue (or reuse) the certificate of ``fact`` and draw it; commits (DESIGN.md, "Course completion").

    The caller reads ``fact`` from the LRS first (ARCHITECTURE.md, "Unit of work"); NotFound
    (404) when there is no non-voided completion. Returns the PDF and its file name.
    """
    if fact is None or fact.voided:
        raise NotFound("There is no certificate for this course: it is not completed.")
    dbs = db_session()
    site = site_info(dbs, current_app.config["ROLLCALL"]).name
    facts = services.CourseFacts(course.id, course.title)
    record = services.issue(dbs, fact, user_id=user.id, name=user.name or "", course=facts)
    serial, name = record.serial, record.name_shown or user.name or ""
    dbs.commit()
    data = CertificateData(
        site_name=site,
        learner_name=name,
        course_title=record.course_title,
        completed_at=fact.timestamp,
        serial=serial,
        verify_url=url_for("certificates.verify", serial=serial, _external=True),
        time_zone=site_time_zone(),
        partner_name=record.partner_name,
        runtime=record.runtime,
        credit_note=record.credit_note,
    )
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", course.slug).strip("-") or "course"
    return render_certificate(data), f"certificate-{slug}-{serial}.pdf"
