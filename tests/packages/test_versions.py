"""Versions: a registration keeps the version it started on; admins move learners and purge unused versions."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Collection, Sequence
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound, RollcallError
from packages import service, versions
from packages.models import CourseVersion
from packages.storage import PackageStorage, delete_prefix
from tests.packages.test_import import SCORM12, zip_of

LEARNER = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": "learner-1"}}
ATTEMPT_STATE = "https://w3id.org/xapi/scorm/attempt-state"


def lrs_completed(lrs_client: Any) -> versions.CompletedOf:
    """The registrations among those given that have the LRS's completion fact."""
    return lambda registrations: lrs_client.completions(registrations).keys()


def nobody(_registrations: Sequence[str]) -> Collection[str]:
    """No registration has finished."""
    return ()


def fetch(client: Any, url: str, **kwargs: Any) -> Any:
    """GET through the test client, read the body and close the response (as a WSGI server does)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


#: The content origin of the tests' app (player/PROTOCOL.md "Origins": the portal's host swapped).
CONTENT = "http://127.0.0.1"


def content_path(app: Any, version_id: int, path: str = "index.html") -> str:
    """The content origin's path to one of a version's files (a preview content token)."""
    from player import tokens

    with app.test_request_context():
        return f"/content/{tokens.sign_content(version_id, tokens.PREVIEW)}/{path}"


def upload(app: Any, session: Session, storage: PackageStorage, marker: str, *, publish: bool = True,
           slug: str = "safety") -> CourseVersion:
    """Import a small SCORM 1.2 course whose index.html says ``marker``; publish it; commit."""
    package = zip_of({"imsmanifest.xml": SCORM12, "index.html": marker.encode()})
    result = service.import_package(session, storage, io.BytesIO(package), course_slug=slug,
                                    settings=app.config["ROLLCALL"])
    assert result.ok, result.report.to_text()
    assert result.version is not None
    if publish:
        service.publish(session, result.version)
    session.commit()
    return result.version


def test_a_learner_mid_way_keeps_their_version_and_resume_data_when_the_course_is_updated(
    app: Any, session: Session, storage: PackageStorage, client: Any, lrs_client: Any
) -> None:
    v1 = upload(app, session, storage, "version one")
    course = v1.course
    mid_way = str(uuid.uuid4())
    assert versions.version_for_registration(session, course, mid_way).id == v1.id
    session.commit()
    resume = json.dumps({"location": "page-7", "suspend_data": "q1=a;q2=c"}).encode()
    lrs_client.put_state(course.activity_iri, LEARNER, ATTEMPT_STATE, resume, registration=mid_way)

    v2 = upload(app, session, storage, "version two")

    assert versions.version_for_registration(session, course, mid_way).id == v1.id
    newcomer = str(uuid.uuid4())
    assert versions.version_for_registration(session, course, newcomer).id == v2.id
    session.commit()
    state = lrs_client.get_state(course.activity_iri, LEARNER, ATTEMPT_STATE, registration=mid_way)
    assert state is not None and json.loads(state.content) == json.loads(resume)
    # The old version's files are still served to the learner who plays it.
    assert fetch(client, content_path(app, v1.id), base_url=CONTENT).data == b"version one"
    assert fetch(client, content_path(app, v2.id), base_url=CONTENT).data == b"version two"


def test_new_registrations_get_the_newest_published_version_not_a_draft_upload(
    app: Any, session: Session, storage: PackageStorage
) -> None:
    v1 = upload(app, session, storage, "one")
    upload(app, session, storage, "two (not published yet)", publish=False)
    assert versions.version_for_registration(session, v1.course, str(uuid.uuid4())).id == v1.id


def test_a_course_without_a_published_version_cannot_be_played(app: Any, session: Session,
                                                               storage: PackageStorage) -> None:
    draft = upload(app, session, storage, "draft", publish=False)
    with pytest.raises(NotFound):
        versions.version_for_registration(session, draft.course, str(uuid.uuid4()))


def test_registrations_must_be_uuids_of_this_course(app: Any, session: Session, storage: PackageStorage) -> None:
    one = upload(app, session, storage, "one", slug="one")
    other = upload(app, session, storage, "other", slug="other")
    with pytest.raises(RollcallError):
        versions.version_for_registration(session, one.course, "not-a-uuid")
    registration = str(uuid.uuid4())
    versions.version_for_registration(session, one.course, registration)
    with pytest.raises(Conflict):
        versions.version_for_registration(session, other.course, registration)


def test_moving_in_progress_learners_starts_them_a_new_attempt_on_the_newest_version(
    app: Any, session: Session, storage: PackageStorage, lrs_client: Any
) -> None:
    v1 = upload(app, session, storage, "one")
    course = v1.course
    in_progress, finished = str(uuid.uuid4()), str(uuid.uuid4())
    for registration in (in_progress, finished):
        versions.version_for_registration(session, course, registration)
    session.commit()  # before the LRS writes (ARCHITECTURE.md, "Unit of work")
    lrs_client.record_completion(agent=LEARNER, course_iri=course.activity_iri, registration=finished)
    v2 = upload(app, session, storage, "two")
    already_new = str(uuid.uuid4())
    versions.version_for_registration(session, course, already_new)
    session.commit()
    asked: list[list[str]] = []

    def completed(registrations: Sequence[str]) -> Collection[str]:
        asked.append(sorted(registrations))
        return lrs_completed(lrs_client)(registrations)

    moved = versions.move_to_newest(session, course, completed=completed)
    session.commit()

    assert asked == [sorted([in_progress, finished])]  # only the registrations behind the newest version

    assert [(pin.registration, pin.version_id, pin.attempt) for pin in moved] == [(in_progress, v2.id, 2)]
    assert versions.version_for_registration(session, course, in_progress).id == v2.id
    assert versions.version_for_registration(session, course, finished).id == v1.id
    assert versions.pin_for_registration(session, course, already_new).attempt == 1
    assert versions.move_to_newest(session, course, completed=completed) == []
    assert versions.pin_counts(session, course, completed=lrs_completed(lrs_client)) == {
        v1.id: {"in_progress": 0, "completed": 1},
        v2.id: {"in_progress": 2, "completed": 0},
    }


def test_a_version_in_use_cannot_be_purged_and_an_unused_one_can(
    app: Any, session: Session, storage: PackageStorage, client: Any
) -> None:
    v1 = upload(app, session, storage, "one")
    course = v1.course
    registration = str(uuid.uuid4())
    versions.version_for_registration(session, course, registration)
    session.commit()
    v2 = upload(app, session, storage, "two")
    with pytest.raises(Conflict):
        versions.purge_version(session, storage, v1)
    assert list(storage.iter(v1.storage_prefix))

    versions.move_to_newest(session, course, completed=nobody)
    session.commit()
    v1_id = v1.id
    prefix = versions.purge_version(session, storage, v1)
    assert prefix == v1.storage_prefix and list(storage.iter(prefix))  # files wait for the commit
    session.commit()
    delete_prefix(storage, prefix)
    assert list(storage.iter(prefix)) == []
    assert session.get(CourseVersion, v1_id) is None
    assert fetch(client, content_path(app, v1_id), base_url=CONTENT).status_code == 404
    assert [v.number for v in course.versions] == [2]
    with pytest.raises(Conflict):  # the newest version stays, even unused
        versions.purge_version(session, storage, v2)


def test_purge_version_on_the_command_line(app: Any, session: Session, storage: PackageStorage, runner: Any) -> None:
    from packages.cli import packages_group

    v1 = upload(app, session, storage, "one")
    registration = str(uuid.uuid4())
    versions.version_for_registration(session, v1.course, registration)
    session.commit()
    upload(app, session, storage, "two")
    refused = runner.invoke(packages_group, ["purge-version", str(v1.id)])
    assert refused.exit_code == 1 and "in use" in refused.output
    assert runner.invoke(packages_group, ["purge-version", "999999"]).exit_code == 1
    versions.move_to_newest(session, v1.course, completed=nobody)
    session.commit()
    done = runner.invoke(packages_group, ["purge-version", str(v1.id)])
    assert done.exit_code == 0, done.output
    assert list(storage.iter(v1.storage_prefix)) == []


def test_a_purge_whose_commit_fails_keeps_the_version_and_every_file(
    app: Any, session: Session, storage: PackageStorage, runner: Any
) -> None:
    from sqlalchemy import event

    from packages.cli import packages_group

    v1 = upload(app, session, storage, "one")
    upload(app, session, storage, "two")
    v1_id, prefix = v1.id, v1.storage_prefix
    files = sorted(storage.iter(prefix))
    assert files

    def refuse(_session: Session) -> None:
        raise RuntimeError("the database went away at commit")

    factory = app.extensions["db_write"]
    event.listen(factory, "before_commit", refuse)
    try:
        failed = runner.invoke(packages_group, ["purge-version", str(v1_id)])
    finally:
        event.remove(factory, "before_commit", refuse)
    assert failed.exit_code != 0 and isinstance(failed.exception, RuntimeError)
    session.expire_all()
    assert session.get(CourseVersion, v1_id) is not None
    assert sorted(storage.iter(prefix)) == files
    session.rollback()  # the write session's lock (SQLite) would hold up the CLI

    done = runner.invoke(packages_group, ["purge-version", str(v1_id)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"purged": v1_id}
    assert list(storage.iter(prefix)) == []


def test_the_newest_published_version_is_not_purged_while_a_newer_one_is_a_draft(
    app: Any, session: Session, storage: PackageStorage
) -> None:
    v1 = upload(app, session, storage, "one")
    upload(app, session, storage, "two, a draft", publish=False)
    with pytest.raises(Conflict, match="new enrollments play it"):
        versions.purge_version(session, storage, v1)
    assert list(storage.iter(v1.storage_prefix))


def test_move_learners_on_the_command_line(
    app: Any, session: Session, storage: PackageStorage, runner: Any, lrs_client: Any
) -> None:
    from packages.cli import packages_group

    draft = upload(app, session, storage, "draft", publish=False)
    refused = runner.invoke(packages_group, ["move-learners", "--course", "safety"])
    assert refused.exit_code == 1 and "no published version" in refused.output
    assert runner.invoke(packages_group, ["move-learners", "--course", "nowhere"]).exit_code == 1

    service.publish(session, draft)
    session.commit()
    first, second, finished = (str(uuid.uuid4()) for _ in range(3))
    for registration in (first, second, finished):
        versions.version_for_registration(session, draft.course, registration)
    session.commit()
    lrs_client.record_completion(agent=LEARNER, course_iri=draft.course.activity_iri, registration=finished)
    upload(app, session, storage, "two")

    moved = runner.invoke(packages_group, ["move-learners", "--course", "safety"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output) == {"course": "safety", "moved": sorted([first, second]), "to_version": 2}
    again = runner.invoke(packages_group, ["move-learners", "--course", "safety"])
    assert json.loads(again.output) == {"course": "safety", "moved": [], "to_version": 2}
    session.expire_all()
    assert versions.pin_for_registration(session, draft.course, first).attempt == 2
    assert versions.pin_for_registration(session, draft.course, finished).version_id == draft.id
