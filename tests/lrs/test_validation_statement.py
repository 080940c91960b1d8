"""Statement properties, result, context and attachments (xAPI 1.0.3 Data §2.2, §2.4; 2.0 contextAgents/Groups)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lrs.errors import BadRequest
from lrs.validation import validate_statement

VERSIONS = ("1.0.3", "2.0.0")
REGISTRATION = "c3b1f6a2-0c4e-4d8e-9a57-2b7d1c9e4f10"


def statement(**extra: Any) -> dict[str, Any]:
    """A valid statement plus the given top-level properties."""
    return {
        "actor": {"mbox": "mailto:alice@example.com", "name": "Alice"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"id": "http://example.com/course/safety", "objectType": "Activity"},
        **extra,
    }


def refused(stmt: Any, version: str = "1.0.3") -> str:
    with pytest.raises(BadRequest) as caught:
        validate_statement(stmt, version)
    return caught.value.message


@pytest.mark.parametrize("version", VERSIONS)
def test_full_statement_is_accepted(version: str) -> None:
    full = statement(
        id="7F1C2C7E-1B5A-4F0C-9D5E-3B2A1C0D9E8F",
        result={
            "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "done",
            "duration": "PT42M",
            "extensions": {"http://example.com/ext/attempts": 2},
        },
        context={
            "registration": REGISTRATION,
            "instructor": {"account": {"homePage": "https://lms.example.com", "name": "teacher"}},
            "team": {"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]},
            "contextActivities": {
                "parent": {"id": "http://example.com/programme"},
                "grouping": [{"id": "http://example.com/attempt/1"}],
                "category": [{"id": "https://w3id.org/xapi/scorm", "objectType": "Activity"}],
                "other": [],
            },
            "revision": "r3",
            "platform": "Rollcall",
            "language": "en-GB",
            "statement": {"objectType": "StatementRef", "id": REGISTRATION},
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"},
        },
        timestamp="2024-05-01T10:00:00.123+02:00",
        stored="2024-05-01T08:00:01Z",
        authority={"account": {"homePage": "https://lrs.example.com", "name": "key-1"}},
        version="1.0.3",
        attachments=[
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "description": {"en-US": "A JWS signature"},
                "contentType": "application/octet-stream",
                "length": 4235,
                "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634",
                "fileUrl": "https://example.com/sig",
            }
        ],
    )
    before = copy.deepcopy(full)
    validate_statement(full, version)
    assert full == before  # validation never changes what it checks


@pytest.mark.parametrize("value", [None, [], "statement", 3])
def test_statement_must_be_an_object(value: Any) -> None:
    assert refused(value).startswith("statement: must be a JSON object")


@pytest.mark.parametrize(
    ("key", "value"),
    [("Actor", {"mbox": "mailto:a@b.c"}), ("objectType", "Statement"), ("score", 1), ("contextAgents", [])],
)
def test_unknown_top_level_properties_are_refused(key: str, value: Any) -> None:
    assert refused(statement(**{key: value})) == (
        f"statement.{key}: is not a property the spec allows here (names are case-sensitive)"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"id": None}, "statement.id: must be a UUID string, got null"),
        ({"id": "1234"}, 'statement.id: must be a UUID (8-4-4-4-12 hex digits), got "1234"'),
        ({"timestamp": None}, "statement.timestamp: must be a timestamp string, got null"),
        ({"stored": "now"}, "statement.stored: must be an ISO 8601 timestamp"),
        ({"result": None}, "statement.result: must be a JSON object, got null"),
        ({"context": None}, "statement.context: must be a JSON object, got null"),
        ({"attachments": None}, "statement.attachments: must be an array, got null"),
        ({"authority": None}, "statement.authority: must be a JSON object, got null"),
        (
            {"verb": {"id": "completed"}},
            'statement.verb.id: must be an absolute IRI (scheme:...) without spaces, got "completed"',
        ),
        ({"verb": {"display": {"en": "x"}}}, "statement.verb.id: is required in a Verb"),
        (
            {"verb": {"id": "http://x.org/v", "display": None}},
            "statement.verb.display: must be a language map",
        ),
        ({"verb": {"id": "http://x.org/v", "Display": {}}}, "statement.verb.Display: is not a property"),
        ({"verb": "http://x.org/v"}, 'statement.verb: must be a JSON object, got "http://x.org/v"'),
    ],
)
def test_bad_statement_properties_are_refused(extra: dict[str, Any], message: str) -> None:
    assert refused(statement(**extra)).startswith(message)


@pytest.mark.parametrize(
    ("version", "value"),
    [("1.0.3", "1.0"), ("1.0.3", "1.0.3"), ("1.0.3", "1.0.17"), ("2.0.0", "2.0.0"), ("2.0.0", "1.0.3")],
)
def test_versions_accepted(version: str, value: str) -> None:
    validate_statement(statement(version=value), version)


@pytest.mark.parametrize(
    ("version", "value"),
    [
        ("1.0.3", "2.0.0"),
        ("1.0.3", "1.1.0"),
        ("1.0.3", "0.95"),
        ("2.0.0", "2.1.0"),
        ("2.0.0", "3.0"),
        ("1.0.3", 1.0),
        ("2.0.0", ""),
    ],
)
def test_versions_refused(version: str, value: Any) -> None:
    assert refused(statement(version=value), version).startswith("statement.version: must be")


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"score": {"scaled": 1.5}}, "statement.result.score.scaled: must be between -1 and 1, got 1.5"),
        ({"score": {"scaled": -1.01}}, "statement.result.score.scaled: must be between -1 and 1"),
        ({"score": {"scaled": "0.5"}}, 'statement.result.score.scaled: must be a number, got "0.5"'),
        ({"score": {"min": 10, "max": 10}}, "statement.result.score.min: must be less than max (10), got 10"),
        (
            {"score": {"raw": 11, "min": 0, "max": 10}},
            "statement.result.score.raw: must not be above max (10), got 11",
        ),
        ({"score": {"raw": -1, "min": 0}}, "statement.result.score.raw: must not be below min (0), got -1"),
        ({"score": {"percent": 50}}, "statement.result.score.percent: is not a property"),
        ({"score": {"raw": None}}, "statement.result.score.raw: must be a number, got null"),
        ({"success": "true"}, 'statement.result.success: must be a boolean (true or false), got "true"'),
        ({"completion": 1}, "statement.result.completion: must be a boolean (true or false), got 1"),
        ({"response": 42}, "statement.result.response: must be a string, got 42"),
        ({"duration": "42 minutes"}, "statement.result.duration: must be an ISO 8601 duration"),
        (
            {"extensions": {"attempts": 2}},
            'statement.result.extensions: key "attempts" is not an absolute IRI',
        ),
        ({"passed": True}, "statement.result.passed: is not a property"),
    ],
)
def test_bad_results_are_refused(result: dict[str, Any], message: str) -> None:
    assert refused(statement(result=result)).startswith(message)


@pytest.mark.parametrize(
    "score",
    [{"scaled": -1}, {"scaled": 1}, {"raw": 0, "min": 0, "max": 1}, {"raw": 7}, {"min": -5, "max": -1}],
)
def test_boundary_scores_are_accepted(score: dict[str, Any]) -> None:
    validate_statement(statement(result={"score": score}), "1.0.3")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"registration": "r-1"},
            'statement.context.registration: must be a UUID (8-4-4-4-12 hex digits), got "r-1"',
        ),
        ({"instructor": {"name": "T"}}, "statement.context.instructor: an Agent must have exactly one"),
        (
            {"team": {"mbox": "mailto:t@x.org"}},
            'statement.context.team.objectType: must be "Group", got null',
        ),
        (
            {"contextActivities": {"parent": {"id": "course"}}},
            "statement.context.contextActivities.parent.id: must be an absolute IRI",
        ),
        (
            {"contextActivities": {"grouping": [{"id": "http://x.org/a"}, {}]}},
            "statement.context.contextActivities.grouping[1].id: is required",
        ),
        (
            {"contextActivities": {"Parent": []}},
            "statement.context.contextActivities.Parent: is not a property",
        ),
        (
            {"contextActivities": {"other": [{"objectType": "Agent", "mbox": "mailto:a@b.c"}]}},
            'statement.context.contextActivities.other[0].objectType: must be "Activity"',
        ),
        (
            {"contextActivities": {"category": "https://w3id.org/xapi/scorm"}},
            "statement.context.contextActivities.category: must be a JSON object",
        ),
        ({"language": "en_GB"}, "statement.context.language: must be an RFC 5646 language tag"),
        ({"revision": 3}, "statement.context.revision: must be a string, got 3"),
        ({"platform": None}, "statement.context.platform: must be a string, got null"),
        (
            {"statement": {"id": REGISTRATION}},
            'statement.context.statement.objectType: must be "StatementRef", got null',
        ),
        (
            {"extensions": {"sessionid": "s"}},
            'statement.context.extensions: key "sessionid" is not an absolute IRI',
        ),
        ({"contextAgents": []}, "statement.context.contextAgents: is not a property"),
        ({"contextGroups": []}, "statement.context.contextGroups: is not a property"),
    ],
)
def test_bad_contexts_are_refused(context: dict[str, Any], message: str) -> None:
    assert refused(statement(context=context)).startswith(message)


@pytest.mark.parametrize("key", ["revision", "platform"])
def test_revision_and_platform_only_about_an_activity(key: str) -> None:
    about_agent = statement(
        object={"objectType": "Agent", "mbox": "mailto:bob@example.com"}, context={key: "x"}
    )
    assert (
        refused(about_agent)
        == f"statement.context.{key}: is allowed only when the statement's object is an Activity"
    )


CONTEXT_AGENT = {
    "objectType": "contextAgent",
    "agent": {"mbox": "mailto:coach@example.com"},
    "relevantTypes": ["https://example.com/roles/coach"],
}
CONTEXT_GROUP = {
    "objectType": "contextGroup",
    "group": {"objectType": "Group", "member": [{"mbox": "mailto:bob@example.com"}]},
    "relevantTypes": ["https://example.com/roles/cohort"],
}


def test_context_agents_and_groups_are_accepted_in_20() -> None:
    validate_statement(
        statement(context={"contextAgents": [CONTEXT_AGENT], "contextGroups": [CONTEXT_GROUP]}), "2.0.0"
    )
    bare = {"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}}
    validate_statement(statement(context={"contextAgents": [bare]}), "2.0.0")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"contextAgents": CONTEXT_AGENT}, "statement.context.contextAgents: must be an array"),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "objectType": "Agent"}]},
            'statement.context.contextAgents[0].objectType: must be "contextAgent", got "Agent"',
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "agent": CONTEXT_GROUP["group"]}]},
            'statement.context.contextAgents[0].agent.objectType: must be "Agent"',
        ),
        (
            {"contextAgents": [{"objectType": "contextAgent"}]},
            "statement.context.contextAgents[0].agent: is required",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": []}]},
            "statement.context.contextAgents[0].relevantTypes: must not be empty",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": ["coach"]}]},
            "statement.context.contextAgents[0].relevantTypes[0]: must be an absolute IRI",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "role": "coach"}]},
            "statement.context.contextAgents[0].role: is not a property",
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "objectType": "contextAgent"}]},
            'statement.context.contextGroups[0].objectType: must be "contextGroup"',
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "group": {"mbox": "mailto:g@x.org"}}]},
            'statement.context.contextGroups[0].group.objectType: must be "Group"',
        ),
        (
            {"contextGroups": [{"objectType": "contextGroup"}]},
            "statement.context.contextGroups[0].group: is required",
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "relevantTypes": "https://x.org/t"}]},
            "statement.context.contextGroups[0].relevantTypes: must be an array",
        ),
    ],
)
def test_bad_context_agents_and_groups_are_refused_in_20(context: dict[str, Any], message: str) -> None:
    assert refused(statement(context=context), "2.0.0").startswith(message)


ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/certificate",
    "display": {"en-US": "Certificate"},
    "contentType": "application/pdf",
    "length": 0,
    "sha2": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"usageType": "certificate"}, "statement.attachments[0].usageType: must be an absolute IRI"),
        ({"display": "Certificate"}, "statement.attachments[0].display: must be a language map"),
        ({"description": {"en US": "x"}}, 'statement.attachments[0].description: key "en US"'),
        (
            {"contentType": "pdf"},
            'statement.attachments[0].contentType: must be an Internet Media Type such as text/plain, got "pdf"',
        ),
        (
            {"length": "12"},
            'statement.attachments[0].length: must be a non-negative integer (octets), got "12"',
        ),
        ({"length": -1}, "statement.attachments[0].length: must be a non-negative integer"),
        ({"length": 1.5}, "statement.attachments[0].length: must be a non-negative integer"),
        ({"sha2": "abc"}, 'statement.attachments[0].sha2: must be a SHA-2 hash as hex digits, got "abc"'),
        ({"fileUrl": "files/cert.pdf"}, "statement.attachments[0].fileUrl: must be an absolute IRI"),
        ({"url": "https://x.org/c.pdf"}, "statement.attachments[0].url: is not a property"),
    ],
)
def test_bad_attachments_are_refused(change: dict[str, Any], message: str) -> None:
    assert refused(statement(attachments=[{**ATTACHMENT, **change}])).startswith(message)


@pytest.mark.parametrize("missing", ["usageType", "display", "contentType", "length", "sha2"])
def test_attachment_required_properties(missing: str) -> None:
    attachment = {key: value for key, value in ATTACHMENT.items() if key != missing}
    assert (
        refused(statement(attachments=[attachment]))
        == f"statement.attachments[0].{missing}: is required in an attachment"
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_null_values_inside_extensions_are_kept(version: str) -> None:
    validate_statement(statement(result={"extensions": {"http://example.com/ext/note": None}}), version)
