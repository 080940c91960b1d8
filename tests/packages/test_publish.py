"""One rule for publishing a version (packages.service.publish), and the command line's ``import --publish``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict
from packages import service
from packages.cli import packages_group
from packages.models import Course, CourseVersion
from packages.storage import PackageStorage
from tests.packages.test_import import SCORM12, zip_of


def draft(app: Any, session: Session, storage: PackageStorage, slug: str = "safety") -> CourseVersion:
    """A new, unpublished version of ``slug`` (the course is made as a draft when new); committed."""
    package = zip_of({"imsmanifest.xml": SCORM12, "index.html": b"page"})
    result = service.import_package(session, storage, io.BytesIO(package), course_slug=slug,
                                    settings=app.config["ROLLCALL"])
    assert result.ok and result.version is not None, result.report.to_text()
    session.commit()
    return result.version


def test_publishing_a_draft_courses_version_publishes_both_and_twice_is_a_no_op(
    app: Any, session: Session, storage: PackageStorage
) -> None:
    v1 = draft(app, session, storage)
    assert v1.course.status == "draft" and v1.published_at is None

    assert service.publish(session, v1) is True
    session.commit()
    session.expire_all()
    published_at = v1.published_at
    assert published_at is not None and v1.course.status == "published"

    assert service.publish(session, v1) is False
    session.commit()
    session.expire_all()
    assert v1.published_at == published_at and v1.course.status == "published"


def test_a_retired_course_is_refused_until_it_is_reopened(app: Any, session: Session, storage: PackageStorage) -> None:
    v1 = draft(app, session, storage)
    service.publish(session, v1)
    v2 = draft(app, session, storage)
    v1.course.status = "retired"
    session.commit()

    with pytest.raises(Conflict, match="'safety' is retired: reopen it first"):
        service.publish(session, v2)
    session.rollback()
    session.expire_all()
    assert v2.published_at is None and v2.course.status == "retired"
    with pytest.raises(Conflict, match="retired"):  # publishing an already published version too
        service.publish(session, v1)
    session.rollback()

    v2.course.status = "published"  # reopened on the course page
    assert service.publish(session, v2) is True
    session.commit()
    assert v2.published_at is not None and v2.course.status == "published"


def test_a_version_older_than_the_published_one_is_refused(app: Any, session: Session, storage: PackageStorage) -> None:
    v1 = draft(app, session, storage)
    v2 = draft(app, session, storage)
    service.publish(session, v2)
    session.commit()
    with pytest.raises(Conflict, match="version 1 of 'safety' is older than version 2"):
        service.publish(session, v1)
    session.rollback()
    session.expire_all()
    assert v1.published_at is None


def test_a_course_set_back_to_draft_is_published_again_by_its_published_version(
    app: Any, session: Session, storage: PackageStorage
) -> None:
    v1 = draft(app, session, storage)
    service.publish(session, v1)
    v1.course.status = "draft"
    session.commit()
    assert service.publish(session, v1) is True
    session.commit()
    assert v1.course.status == "published"


def test_import_with_publish_publishes_a_new_course_and_refuses_a_retired_one(
    app: Any, session: Session, storage: PackageStorage, runner: Any, shared_fixtures: Path
) -> None:
    package = str(shared_fixtures / "scorm12" / "RuntimeBasicCalls_SCORM12.zip")
    done = runner.invoke(packages_group, ["import", package, "--course", "golf", "--publish"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["version"]["published"] is True
    course = session.scalars(select(Course).where(Course.slug == "golf")).one()
    assert course.status == "published"
    course.status = "retired"
    session.commit()
    files_before = sorted(storage.iter("packages/golf/"))

    refused = runner.invoke(packages_group, ["import", package, "--course", "golf", "--publish"])
    assert refused.exit_code == 1
    assert "'golf' is retired: reopen it first" in refused.output and "nothing was imported" in refused.output
    assert session.scalar(select(func.count()).select_from(CourseVersion)) == 1
    session.rollback()  # the write session's lock (SQLite) would hold up the CLI
    assert sorted(storage.iter("packages/golf/")) == files_before  # the refused version's files are gone

    kept = runner.invoke(packages_group, ["import", package, "--course", "golf"])  # without --publish: a new draft
    assert kept.exit_code == 0 and json.loads(kept.output)["version"]["published"] is False
