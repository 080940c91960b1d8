"""The LRS deploys alone: ``create_lrs_app()`` with its own config and a fresh SQLite file, nothing of the portal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lrs.app import create_lrs_app
from lrs.config import LRSConfig
from tests.conftest import XAPI, basic_auth, new_uuid


@pytest.fixture
def alone(tmp_path: Path) -> Iterator[Any]:
    config = LRSConfig(
        database_url=f"sqlite:///{tmp_path / 'lrs-alone.sqlite3'}",
        secret_key="a-secret-for-the-lrs-alone-0123456789abcdef",
        base_url="http://lrs.example",
    )
    app = create_lrs_app(config)
    app.extensions["lrs"].upgrade()
    yield app
    app.extensions["lrs"].engine.dispose()


def test_the_lrs_alone_stores_and_reads_a_statement_over_http(alone: Any) -> None:
    assert "portal" not in alone.blueprints and "xapi" in {bp.name for bp in alone.blueprints.values()}
    lrs = alone.extensions["lrs"]
    key, secret = lrs.client.create_credential(name="alone", scopes=["all"])
    xapi = XAPI(alone.test_client(), basic_auth(key, secret))
    statement = {
        "id": new_uuid(),
        "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"id": "http://lrs.example/activities/1"},
    }
    stored = xapi.post("statements", json=statement)
    assert stored.status_code == 200, stored.get_data(as_text=True)
    assert stored.get_json() == [statement["id"]]

    read = xapi.get("statements", query_string={"statementId": statement["id"]})
    assert read.status_code == 200
    body = read.get_json()
    assert body["actor"] == statement["actor"] and body["verb"]["id"] == statement["verb"]["id"]
    assert body["authority"]["account"]["homePage"] == "http://lrs.example/xapi/credentials"
    assert read.headers["X-Experience-API-Version"].startswith(("1.0", "2.0"))
    listed = xapi.get("statements", query_string={"agent": json.dumps(statement["actor"])}).get_json()
    assert [s["id"] for s in listed["statements"]] == [statement["id"]]


def test_the_lrs_alone_keeps_its_projections_and_completions(alone: Any) -> None:
    client = alone.extensions["lrs"].client
    assert [p.name for p in client.hooks.projections] == ["registrations", "completions"]
    registration = new_uuid()
    learner = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
    completion = client.record_completion(
        agent=learner, course_iri="http://lrs.example/courses/1", registration=registration
    )
    assert client.completion(registration) == completion
    assert client.completions_of(learner) == [completion]
