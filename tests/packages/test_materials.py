"""Course materials in package storage: a safe name, removed with their file only after the COMMIT."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.errors import RollcallError
from packages import service
from packages.models import CourseVersion
from packages.storage import PackageStorage
from tests.packages.test_versions import upload


@pytest.fixture
def version(app: Any, session: Session, storage: PackageStorage) -> CourseVersion:
    return upload(app, session, storage, "lesson", publish=False, slug="media")


def test_materials_are_stored_under_a_safe_name_and_removed_with_their_file(
    session: Session, storage: PackageStorage, version: CourseVersion
) -> None:
    # Downloads go through the catalog (/courses/<slug>/materials/<id>, tests/portal/test_content_access.py).
    pdf = b"%PDF-1.4\n% handout\n"
    material = service.add_material(session, storage, version.course, io.BytesIO(pdf), filename="Hand out.pdf",
                                    title="Handout")
    session.commit()
    assert material.filename == "Hand_out.pdf" and material.content_type == "application/pdf"
    with storage.open(material.storage_key) as stored:
        assert stored.read() == pdf
    with pytest.raises(RollcallError):
        service.add_material(session, storage, version.course, io.BytesIO(b"MZ"), filename="setup.exe")
    service.remove_material(session, storage, material)
    session.rollback()  # e.g. the commit failed: the row comes back, so must the file
    assert storage.exists(material.storage_key)
    assert session.get(type(material), material.id) is not None
    service.remove_material(session, storage, material)
    assert storage.exists(material.storage_key)  # not before the COMMIT
    session.commit()
    assert not storage.exists(material.storage_key)
