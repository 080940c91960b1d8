"""``rollcall demo``: a demo catalog with a playable course, loaded once however often it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.db import make_sessionmaker
from packages.models import Course, CourseMaterial, CourseVersion
from portal.catalog.models import InPersonCourse, Resource, ResourceItem
from portal.demo import build_demo_package, demo_command
from tests.portal.catalog_support import signed_in

ROOT = Path(__file__).resolve().parents[2]


def counts(app: Any) -> dict[str, int]:
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        return {
            m.__name__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Course, CourseVersion, CourseMaterial, Resource, ResourceItem, InPersonCourse)
        }


def test_demo_runs_twice_without_duplicating(app: Any, runner: Any) -> None:
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    made = json.loads(first.output)["created"]
    assert made["courses"] == ["community-policing-basics"]
    assert len(made["resources"]) == 2 and len(made["in_person"]) == 1
    after_first = counts(app)
    assert after_first == {
        "Course": 1, "CourseVersion": 1, "CourseMaterial": 1, "Resource": 2, "ResourceItem": 2, "InPersonCourse": 1
    }

    second = runner.invoke(demo_command)
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["created"] == {"courses": [], "resources": [], "in_person": []}
    assert counts(app) == after_first


def test_demo_catalog_is_published_and_enrollable(app: Any, runner: Any) -> None:
    assert runner.invoke(demo_command).exit_code == 0
    learner = signed_in(app, "learner@example.org")
    catalog = learner.get("/catalog").get_data(as_text=True)
    assert "Community Policing Basics (demo)" in catalog
    assert "Crisis intervention team training" in catalog and "Roll call briefing guide" in catalog
    course = learner.get("/courses/community-policing-basics").get_data(as_text=True)
    assert "10 minutes" in course and "SCORM 1.2" in course and ">Enroll</button>" in course
    assert "Community policing at a glance (handout)" in course
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        version = session.scalars(select(CourseVersion)).one()
        assert version.published_at is not None and version.kind == "scorm12"
        assert version.report["ok"] is True and version.report["errors"] == []


def test_demo_package_is_our_own_scorm12_package() -> None:
    with zipfile.ZipFile(build_demo_package()) as archive:
        names = set(archive.namelist())
        assert {"imsmanifest.xml", "index.html", "lesson.js", "lesson.css"} <= names
        manifest = archive.read("imsmanifest.xml").decode()
        assert "<schemaversion>1.2</schemaversion>" in manifest
        script = archive.read("lesson.js").decode()
        assert "LMSInitialize" in script and "LMSFinish" in script


def test_rollcall_demo_command_is_on_the_console_script(settings: Any, app: Any) -> None:
    env = dict(
        os.environ,
        ROLLCALL_INSTANCE_PATH=str(settings.instance_path),
        ROLLCALL_DATABASE_URL=settings.database_url,
        ROLLCALL_SECRET_KEY=settings.secret_key,
    )
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "demo"], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["created"]["courses"] == ["community-policing-basics"]
    assert counts(app)["Course"] == 1
