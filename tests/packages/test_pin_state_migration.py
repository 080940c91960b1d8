"""Migration c0004 drops the pins' learner state (now the LRS's completion fact) and keeps every pin, both ways."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from core.db import CORE_MIGRATIONS, CORE_VERSION_TABLE, create_engine

REGISTRATION = "0b6f0c59-5d1a-4d57-9d0e-4a1c2f6e9b11"


def _config(engine: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(CORE_MIGRATIONS))
    config.attributes["engine"] = engine
    config.attributes["version_table"] = CORE_VERSION_TABLE
    return config


def _columns(engine: Any) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("registration_version")}


def _pins(engine: Any) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT registration, attempt FROM registration_version"))]


def test_the_state_column_goes_and_comes_back_without_losing_a_pin(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert "state" not in _columns(engine)
        command.downgrade(_config(engine), "c0003_catalog")
        assert "state" in _columns(engine)
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO course (slug, activity_iri, title, description, credit_note, topics, status, "
                "created_at, updated_at) VALUES ('c', 'http://localhost/courses/c', 'C', '', '', '[]', 'published', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            connection.execute(text(
                "INSERT INTO course_version (course_id, number, kind, model, report, storage_backend, storage_prefix, "
                "file_count, total_bytes, created_at) SELECT id, 1, 'scorm12', '{}', '{}', 'file', 'p/', 0, 0, "
                "CURRENT_TIMESTAMP FROM course"
            ))
            connection.execute(text(
                "INSERT INTO registration_version (registration, course_id, version_id, attempt, state, created_at, "
                "updated_at) SELECT :r, course_id, id, 2, 'completed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
                "FROM course_version"
            ), {"r": REGISTRATION})

        command.upgrade(_config(engine), "head")
        assert "state" not in _columns(engine)
        assert _pins(engine) == [(REGISTRATION, 2)]

        command.downgrade(_config(engine), "c0003_catalog")  # every pin comes back in progress
        with engine.connect() as connection:
            assert connection.execute(text("SELECT state FROM registration_version")).scalar_one() == "in_progress"
        command.upgrade(_config(engine), "head")
        assert _pins(engine) == [(REGISTRATION, 2)]
    finally:
        engine.dispose()
