"""``rollcall packages ...``: import a zip, list courses, move learners, purge a version (DESIGN.md, the CLI)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.db import transaction
from core.errors import RollcallError
from packages import service, versions
from packages.models import Course, CourseVersion
from packages.storage import delete_prefix
from packages.views import package_storage


@click.group("packages")
def packages_group() -> None:
    """Content packages: SCORM 1.2/2004, Tin Can and cmi5 courses."""


@packages_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", required=True, help="The course's slug (a new version when it exists).")
@click.option("--partner", help="The owning partner's slug.")
@click.option("--publish", is_flag=True, help="Publish the new version (and the course, if a draft); refused for a retired course.")
@with_appcontext
def import_command(path: Path, course_slug: str, partner: str | None, publish: bool) -> None:
    """Import PATH (a zip, or a bare cmi5.xml); prints the validation report as JSON, exit 1 when refused."""
    storage = package_storage()
    settings = current_app.config["ROLLCALL"]
    result: service.ImportResult | None = None
    try:
        with transaction(current_app.extensions["db_write"]) as session:
            if path.suffix.lower() == ".xml":
                result = service.import_cmi5_xml(
                    session, storage, path.read_bytes(), course_slug=course_slug, partner=partner, settings=settings
                )
            else:
                result = service.import_package(
                    session, storage, path, course_slug=course_slug, partner=partner, settings=settings
                )
            if result.ok and publish:
                assert result.version is not None
                try:
                    service.publish(session, result.version)
                except RollcallError as exc:  # nothing is kept: the transaction rolls back, the files go
                    raise click.ClickException(f"{exc.message}; nothing was imported") from exc
            out = result.report.to_json()
            if result.ok:
                assert result.version is not None
                out["course"] = course_slug
                out["version"] = result.version.to_json()
    except BaseException:
        if result is not None:
            result.discard(storage)
        raise
    click.echo(json.dumps(out, indent=2))
    if not result.ok:
        sys.exit(1)


@packages_group.command("list")
@with_appcontext
def list_command() -> None:
    """Print every course with its versions as JSON."""
    with transaction(current_app.extensions["db_read"]) as session:
        courses = session.scalars(select(Course).order_by(Course.slug)).all()
        click.echo(json.dumps([course.to_json() for course in courses], indent=2))


@packages_group.command("move-learners")
@click.option("--course", "course_slug", required=True, help="The course's slug.")
@with_appcontext
def move_learners_command(course_slug: str) -> None:
    """Move the course's in-progress learners to its newest published version, each to a new attempt (issue 4).

    Finished registrations (the LRS's completion facts) keep their version. The session
    takes the write lock only at its first write, after the LRS has been asked
    (ARCHITECTURE.md, "Unit of work").
    """
    lrs_client = current_app.extensions["lrs_client"]
    try:
        with transaction(current_app.extensions["db_request_write"]) as session:
            course = session.scalar(select(Course).where(Course.slug == course_slug))
            if course is None:
                raise click.ClickException(f"no course with slug {course_slug!r}")
            moved = versions.move_to_newest(
                session, course, completed=lambda registrations: lrs_client.completions(registrations).keys()
            )
            newest = versions.newest_published(session, course)
            assert newest is not None  # move_to_newest refuses a course without one
            out = {"course": course_slug, "moved": [pin.registration for pin in moved], "to_version": newest.number}
    except RollcallError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(out, indent=2))


@packages_group.command("purge-version")
@click.argument("version_id", type=int)
@with_appcontext
def purge_version_command(version_id: int) -> None:
    """Delete a version nobody plays; its files go once the deletion is committed."""
    storage = package_storage()
    try:
        with transaction(current_app.extensions["db_write"]) as session:
            version = session.get(CourseVersion, version_id)
            if version is None:
                raise click.ClickException(f"no version with id {version_id}")
            prefix = versions.purge_version(session, storage, version)
    except RollcallError as exc:
        raise click.ClickException(exc.message) from exc
    delete_prefix(storage, prefix)
    click.echo(json.dumps({"purged": version_id}))
