"""``rollcall demo``: a demo catalog for a first look (DESIGN.md, "Running it").

Loads a playable SCORM 1.2 course built from our own files in ``portal/demo/scorm12``
(imported through ``packages`` like any upload), a few documents and an in-person
listing. Running it again changes nothing: entries that exist are left as they are.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from packages import service as package_service
from packages.models import Course
from portal.catalog import services
from portal.catalog.models import InPersonCourse, Resource

DEMO_DIR = Path(__file__).parent / "demo"


def build_demo_package() -> io.BytesIO:
    """The demo course as a SCORM 1.2 zip, built in memory from ``portal/demo/scorm12``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((DEMO_DIR / "scorm12").iterdir()):
            if path.is_file():
                archive.write(path, path.name)
    buffer.seek(0)
    return buffer


def _pdf(lines: list[str]) -> io.BytesIO:
    """A small one-page PDF of ``lines`` (the first is the heading)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(lines[0])
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=12)
    for line in lines[1:]:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return io.BytesIO(bytes(pdf.output()))


def _load_course(session: Session, storage: Any, settings: Settings, data: dict[str, Any]) -> bool:
    """Import, describe and publish the demo course unless it exists; True when made now."""
    if session.scalar(select(Course).where(Course.slug == data["slug"])) is not None:
        return False
    result = package_service.import_package(
        session, storage, build_demo_package(), course_slug=data["slug"], settings=settings
    )
    if not result.ok or result.course is None or result.version is None:
        raise click.ClickException(f"the demo package was refused:\n{result.report.to_text()}")
    course = result.course
    package_service.publish(session, result.version)  # a new course: a draft, published with its version
    course.description = data["description"]
    course.recommended_runtime = data["recommended_runtime"]
    course.credit_note = data["credit_note"]
    course.topics = list(data["topics"])
    material = data["material"]
    package_service.add_material(
        session, storage, course, _pdf(material["lines"]), filename=material["filename"], title=material["title"]
    )
    session.flush()
    return True


def load_demo(session: Session, storage: Any, settings: Settings) -> dict[str, list[str]]:
    """Load every demo entry that is missing; returns the slugs made now, by kind. Flushes only."""
    data = json.loads((DEMO_DIR / "catalog.json").read_text(encoding="utf-8"))
    made: dict[str, list[str]] = {"courses": [], "resources": [], "in_person": []}
    if _load_course(session, storage, settings, data["course"]):
        made["courses"].append(data["course"]["slug"])
    for entry in data["resources"]:
        if session.scalar(select(Resource).where(Resource.slug == entry["slug"])) is not None:
            continue
        document = entry["document"]
        fields = {k: entry[k] for k in ("slug", "kind", "title", "description", "topics")}
        resource = services.save_resource(session, None, {**fields, "status": "published"})
        services.add_resource_item(
            session,
            storage,
            resource,
            kind="document",
            title=document["title"],
            filename=document["filename"],
            stream=_pdf(document["lines"]),
        )
        made["resources"].append(resource.slug)
    for entry in data["in_person"]:
        if session.scalar(select(InPersonCourse).where(InPersonCourse.slug == entry["slug"])) is not None:
            continue
        services.save_in_person(session, None, {**entry, "status": "published"})
        made["in_person"].append(entry["slug"])
    return made


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load a demo catalog with a playable course, documents and an in-person listing (idempotent)."""
    from core.db import make_sessionmaker, transaction, writer
    from portal.app import upgrade_database

    upgrade_database(current_app)
    factory = make_sessionmaker(writer(current_app.extensions["db_engine"]))
    storage = current_app.extensions["package_storage"]
    with transaction(factory) as session:
        made = load_demo(session, storage, current_app.config["ROLLCALL"])
    click.echo(json.dumps({"created": made}))
