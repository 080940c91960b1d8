"""Golden JSON of every statement kind the player emits (xAPI SCORM Profile Appendix "Common Scenarios").

Volatile values (ids, timestamps, the learner's uuid, the registration, attempt ids)
are replaced by placeholders; the rest must match ``golden/<verb>.json`` exactly.
Set ROLLCALL_WRITE_GOLDEN=1 to rewrite the files after a deliberate change, then
review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lrs import vocab
from tests.player.conftest import Player, statements
from tests.player.test_commit import documents, launched

GOLDEN = Path(__file__).parent / "golden"
KINDS = ("initialized", "completed", "passed", "failed", "scored", "responded", "commented", "suspended",
         "resumed", "terminated")
_ATTEMPT = re.compile(r"attemptId=[0-9a-f-]{36}")


def normalized(statement: dict[str, Any], player: Player) -> dict[str, Any]:
    """The statement as emitted, with its volatile values as placeholders."""
    text = json.dumps({k: v for k, v in statement.items() if k not in ("stored", "version")}, sort_keys=True)
    text = text.replace(player.user_uuid, "<learner>").replace(player.registration, "<registration>")
    found = json.loads(_ATTEMPT.sub("attemptId=<attempt>", text))
    found["id"], found["timestamp"] = "<id>", "<timestamp>"
    return found  # type: ignore[no-any-return]


@pytest.fixture
def played(app: Any, fixture_zip: Any) -> Player:
    """A SCORM 2004 SCO played through two sessions, saying something of each kind."""
    player = launched(app, fixture_zip("scorm2004/ContentPackagingSingleSCO_SCORM20042ndEdition.zip"))
    player.commit({"completion_status": "incomplete", "success_status": "failed", "score": {"scaled": "0.4"},
                   "interactions": [{"id": "q1", "type": "choice", "learner_response": "b", "result": "incorrect",
                                     "description": "Which club?"}],
                   "comments_from_learner": [{"comment": "Hard question", "location": "q1"}],
                   "location": "q1", "exit": "suspend", "session_time": "PT2M30S"}, final=True)
    player.launch()
    player.commit({"completion_status": "completed", "success_status": "passed",
                   "score": {"scaled": "0.9", "raw": "9", "min": "0", "max": "10"}, "exit": "normal",
                   "session_time": "PT1M"}, final=True)
    return player


@pytest.fixture
def emitted(played: Player, lrs_client: Any) -> dict[str, dict[str, Any]]:
    """One statement of each kind, normalized."""
    found: dict[str, dict[str, Any]] = {}
    for statement in statements(lrs_client, played.registration):
        found.setdefault(statement["verb"]["id"].rsplit("/", 1)[-1], normalized(statement, played))
    return found


def test_the_statements_and_profile_documents_meet_the_profiles_schemas(played: Player, lrs_client: Any) -> None:
    from tests.browser.player_support import STATE_SCHEMAS, profile_problems

    found = statements(lrs_client, played.registration)
    docs = documents(lrs_client, played)
    profile_docs = {(played.course_iri, vocab.SCORM_ACTIVITY_STATE): docs["course"],
                    (docs["attempt_iri"], vocab.SCORM_ATTEMPT_STATE): docs["attempt"],
                    (f"{played.course_iri}/item/item_1", vocab.SCORM_ACTIVITY_STATE): docs["sco"]}
    assert set(STATE_SCHEMAS) <= {state_id for _activity, state_id in profile_docs}
    assert profile_problems(found, profile_docs) == []


@pytest.mark.parametrize("kind", KINDS)
def test_each_statement_kind_matches_its_golden_json(emitted: dict[str, dict[str, Any]], kind: str) -> None:
    path = GOLDEN / f"{kind}.json"
    if os.environ.get("ROLLCALL_WRITE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(emitted[kind], indent=2, sort_keys=True) + "\n")
    assert emitted[kind] == json.loads(path.read_text())
