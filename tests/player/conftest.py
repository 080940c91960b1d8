"""Helpers for the player tests: real fixture packages imported, real accounts enrolled, the player driven over HTTP."""

from __future__ import annotations

import html
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from core.db import transaction
from lrs import vocab
from packages import service
from portal.enrollment.services import registration_for
from tests.portal.catalog_support import csrf_token, log_in, make_user

_CONFIG = re.compile(r'<script type="application/json" id="player-config">(.*?)</script>', re.S)
SCORM12_SINGLE = "scorm12/RuntimeBasicCalls_SCORM12.zip"
SCORM2004_SINGLE = "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip"


def import_course(app: Any, package: Path, slug: str) -> int:
    """Import a package as course ``slug`` and publish it; returns the version id."""
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        result = service.import_package(session, app.extensions["package_storage"], package, course_slug=slug,
                                        settings=app.config["ROLLCALL"])
        assert result.ok and result.version is not None, result.report.to_text()
        service.publish(session, result.version)
        return result.version.id


def patched(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of a real package whose imsmanifest.xml has ``old`` replaced by ``new`` (once)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "imsmanifest.xml":
                text = data.decode()
                assert text.count(old) >= 1, f"{old!r} is not in the manifest"
                data = text.replace(old, new, 1).encode()
            zout.writestr(info, data)
    return target


def agent_of(user_uuid: str) -> dict[str, Any]:
    """The learner's agent as portal.identity makes it for the tests' base URL."""
    return {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": user_uuid}}


@dataclass
class Player:
    """One learner's player page, driven as the browser side would (player/PROTOCOL.md)."""

    client: Any
    slug: str
    user_uuid: str = ""
    course_iri: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    def launch(self, query: str = "") -> dict[str, Any]:
        """GET the player page and read its configuration."""
        page = self.client.get(f"/courses/{self.slug}/play{query}")
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        found = _CONFIG.search(page.get_data(as_text=True))
        assert found, "no player-config on the page"
        self.config = json.loads(html.unescape(found.group(1)))
        self.seq = 0
        return self.config

    def url(self, kind: str, item: str) -> str:
        return str(self.config["api"][kind]).replace("{item}", quote(item, safe=""))

    def open(self, item: str | None = None) -> dict[str, Any]:
        response = self.client.get(self.url("sco", item or self.config["start"]))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()  # type: ignore[no-any-return]

    def commit(self, cmi: dict[str, Any], *, item: str | None = None, final: bool = False,
               seq: int | None = None, session: str | None = None, status: int = 200,
               raw: bytes | None = None, beacon: bool = False) -> Any:
        """POST one commit; seq counts up by itself unless given."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = raw if raw is not None else json.dumps(
            {"session": session or self.config["launchSession"], "seq": seq, "cmi": cmi}).encode()
        url = self.url("commit", item or self.config["start"]) + ("?final=true" if final else "")
        kind = "text/plain;charset=utf-8" if beacon or final else "application/json"
        response = self.client.post(url, data=body, content_type=kind)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()


    @property
    def agent(self) -> dict[str, Any]:
        return agent_of(self.user_uuid)

    @property
    def registration(self) -> str:
        return str(registration_for(self.user_uuid, self.course_iri))


def enrolled_player(app: Any, email: str, slug: str) -> Player:
    """A new confirmed learner, logged in and enrolled in ``slug``."""
    user_uuid = make_user(app, email)
    client = app.test_client()
    log_in(client, email)
    response = client.post(f"/courses/{slug}/enroll", data={"csrf_token": csrf_token(client, f"/courses/{slug}")})
    assert response.status_code == 303
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        from packages.models import Course

        iri = session.query(Course).filter_by(slug=slug).one().activity_iri
    return Player(client, slug, user_uuid, iri)


def statements(lrs_client: Any, registration: str) -> list[dict[str, Any]]:
    """The registration's SCORM Profile statements (the player's), oldest first."""
    found = lrs_client.query_statements(registration=registration, ascending=True)
    return [s for s in found if any(c["id"] == vocab.SCORM_PROFILE_CATEGORY
                                    for c in s.get("context", {}).get("contextActivities", {}).get("category", []))]


def verbs(found: list[dict[str, Any]]) -> list[str]:
    """The verbs' last path segments, in order."""
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]


@pytest.fixture
def fixture_zip(shared_fixtures: Path) -> Any:
    """A real vendor package by its path under ../shared/fixtures."""
    return lambda name: shared_fixtures / name
